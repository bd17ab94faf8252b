// Independent reference for tests/test_crypto_suite_sm.c: SM2, SM3, HMAC-SM3
// and SM4 from the pure-JavaScript npm packages sm-crypto (SM2/SM3/SM4-ECB/CBC)
// and sm-crypto-v2 (SM4-GCM, second SM3), which share no code with OpenSSL.
// The packages are installed at test time from tests/crypto_suite_node
// (package-lock.json) into the build directory and found through NODE_PATH.
//
// Usage: node crosscheck_sm.js COMMAND ARGS...   (all byte strings in hex,
// "-" for empty). One result per line on stdout; exit 1 on a failure.
'use strict';

const smCrypto = require('sm-crypto');
const smCryptoV2 = require('sm-crypto-v2');

const bytes = (hex) => (hex === '-' ? [] : Array.from(Buffer.from(hex, 'hex')));
const hex = (arr) => Buffer.from(arr).toString('hex');
const id = (arg) => (arg === '-' ? undefined : Buffer.from(arg, 'hex').toString('utf8'));

const [command, ...args] = process.argv.slice(2);
const out = [];

switch (command) {
case 'selftest':
  out.push('ok sm-crypto ' + require('sm-crypto/package.json').version +
           ' sm-crypto-v2 ' + require('sm-crypto-v2/package.json').version);
  break;
case 'sm3': // DATA
  out.push(smCrypto.sm3(bytes(args[0])));
  out.push(smCryptoV2.sm3(new Uint8Array(bytes(args[0]))));
  break;
case 'hmac': // KEY DATA
  out.push(smCrypto.sm3(bytes(args[1]), { key: args[0] }));
  break;
case 'sm4': // ecb|cbc KEY IV DATA: encrypt without padding (whole blocks)
  out.push(hex(smCrypto.sm4.encrypt(bytes(args[3]), args[1], {
    mode: args[0], iv: args[0] === 'cbc' ? args[2] : undefined, padding: 'none', output: 'array',
  })));
  break;
case 'gcm-seal': { // KEY IV AAD DATA -> ciphertext, tag
  const r = smCryptoV2.sm4.encrypt(new Uint8Array(bytes(args[3])), args[0], {
    mode: 'gcm', iv: args[1], associatedData: new Uint8Array(bytes(args[2])), output: 'array',
    outputTag: true,
  });
  out.push(hex(r.output) || '-', hex(r.tag));
  break;
}
case 'gcm-open': { // KEY IV AAD CIPHERTEXT TAG -> plaintext, or "bad"
  try {
    const r = smCryptoV2.sm4.decrypt(new Uint8Array(bytes(args[3])), args[0], {
      mode: 'gcm', iv: args[1], associatedData: new Uint8Array(bytes(args[2])),
      tag: args[4], output: 'array',
    });
    out.push(hex(r) || '-');
  } catch (e) {
    out.push('bad');
  }
  break;
}
case 'keypair': { // -> private scalar, public point 04||X||Y
  const k = smCrypto.sm2.generateKeyPairHex();
  out.push(k.privateKey, k.publicKey);
  break;
}
case 'public': // SCALAR -> 04||X||Y
  out.push(smCrypto.sm2.getPublicKeyFromPrivateKey(args[0]));
  break;
case 'sign': // SCALAR PUBLIC MESSAGE ID der|raw -> signature
  out.push(smCrypto.sm2.doSignature(bytes(args[2]), args[0], {
    hash: true, publicKey: args[1], userId: id(args[3]), der: args[4] === 'der',
  }));
  break;
case 'verify': // PUBLIC MESSAGE SIGNATURE ID der|raw -> ok / bad
  out.push(smCrypto.sm2.doVerifySignature(bytes(args[1]), args[2], args[0], {
    hash: true, userId: id(args[3]), der: args[4] === 'der',
  }) ? 'ok' : 'bad');
  break;
default:
  process.stderr.write('unknown command ' + command + '\n');
  process.exit(1);
}
process.stdout.write(out.join('\n') + '\n');
