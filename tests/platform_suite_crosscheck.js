// Independent client and callback receiver of the domestic signature scheme
// AW-HMAC-SM3 (issue 8), written from docs/api-signature.md alone with the
// pure-JavaScript npm package sm-crypto (SM3, HMAC-SM3; no OpenSSL), for
// tests/test_platform_suite_node.c. The package comes from
// tests/crypto_suite_node (package-lock.json), found through NODE_PATH.
//
// Usage:
//   node platform_suite_crosscheck.js call BASE_URL CA_FILE APP_ID SECRET TIMESTAMP
//     POST /api/v1/auth/token signed with HMAC-SM3 over a real HTTPS
//     connection, then GET /api/v1/ping?b=2&a=1 with the token it got, then
//     the same ping signed with a wrong secret; prints one line per call:
//     "<status> <code or ->".
//   node platform_suite_crosscheck.js verify SECRET METHOD PATH QUERY APP_ID TIMESTAMP NONCE
//        BODY_HEX SIGNATURE ALGORITHM
//     checks a received callback: prints "ok" or "bad".
// QUERY and BODY_HEX are "-" when empty.
'use strict';

const fs = require('fs');
const https = require('https');
const crypto = require('crypto');
const smCrypto = require('sm-crypto');

const SCHEME = 'AW-HMAC-SM3';

// Step 4 of "The canonical string": split at '&', each at its first '=',
// sort by name then value as unsigned bytes, "name=value" joined by '&'.
function canonicalQuery(raw) {
  if (raw === '') return '';
  const params = raw.split('&').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
  });
  const cmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  params.sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
  return params.map(([n, v]) => n + '=' + v).join('&');
}

function sign(secret, method, path, query, appId, timestamp, nonce, body) {
  const bodyHash = smCrypto.sm3(Array.from(body)); // line 8: SM3 of the body as sent
  const canonical = [SCHEME, method, path, canonicalQuery(query), appId, timestamp, nonce,
    bodyHash].join('\n');
  // HMAC-SM3 keyed with the secret's ASCII characters
  return smCrypto.sm3(Array.from(Buffer.from(canonical, 'utf8')),
    { key: Buffer.from(secret, 'utf8').toString('hex') });
}

function send(base, ca, appId, secret, timestamp, method, path, query, body, bearer) {
  const nonce = crypto.randomBytes(16).toString('base64url');
  const signature = sign(secret, method, path, query, appId, timestamp, nonce, body);
  const url = new URL(base + path + (query !== '' ? '?' + query : ''));
  const headers = {
    'X-AW-AppId': appId, 'X-AW-Timestamp': timestamp, 'X-AW-Nonce': nonce,
    'X-AW-Signature': signature, 'X-AW-Signature-Algorithm': SCHEME,
  };
  if (body.length > 0) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  return new Promise((resolve, reject) => {
    const req = https.request({
      hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, ca,
      headers: Object.assign(headers, { 'Content-Length': body.length }),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, json: text ? JSON.parse(text) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function call(args) {
  const [base, caFile, appId, secret, timestamp] = args;
  const ca = fs.readFileSync(caFile);
  const body = Buffer.from(JSON.stringify({ appId, appSecret: secret }), 'utf8');
  const token = await send(base, ca, appId, secret, timestamp, 'POST', '/api/v1/auth/token', '',
    body, null);
  const out = [token.status + ' ' + (token.json.code || '-')];
  const ping = await send(base, ca, appId, secret, timestamp, 'GET', '/api/v1/ping', 'b=2&a=1',
    Buffer.alloc(0), token.json.accessToken);
  out.push(ping.status + ' ' + (ping.json.code || ping.json.appId));
  const wrong = await send(base, ca, appId, 'x' + secret.slice(1), timestamp, 'GET',
    '/api/v1/ping', '', Buffer.alloc(0), token.json.accessToken);
  out.push(wrong.status + ' ' + (wrong.json.code || '-'));
  return out;
}

function verify(args) {
  const [secret, method, path, query, appId, timestamp, nonce, bodyHex, signature, algorithm] =
    args;
  const body = Buffer.from(bodyHex === '-' ? '' : bodyHex, 'hex');
  const want = sign(secret, method, path, query === '-' ? '' : query, appId, timestamp, nonce,
    body);
  const ok = algorithm === SCHEME && want === signature.toLowerCase();
  return [ok ? 'ok' : 'bad'];
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  let out;
  if (command === 'call') out = await call(args);
  else if (command === 'verify') out = verify(args);
  else throw new Error('unknown command ' + command);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
