// Independent reference for tests/test_crypto_envelope.c: SM2 public-key
// encryption (GB/T 32918.4-2016) from the pure-JavaScript npm package
// sm-crypto (cipherMode 1 = C1C3C2), which shares no code with OpenSSL.
// Installed from tests/crypto_suite_node (package-lock.json) at test time
// and found through NODE_PATH.
//
// Usage: node crosscheck_envelope.js COMMAND ARGS...  (byte strings in hex)
'use strict';

const smCrypto = require('sm-crypto');

const [command, ...args] = process.argv.slice(2);
const out = [];

switch (command) {
case 'selftest':
  out.push('ok sm-crypto ' + require('sm-crypto/package.json').version);
  break;
case 'sm2-encrypt': { // PUBLIC(04||X||Y) MESSAGE -> C1(04||X||Y) || C3 || C2
  // sm-crypto leaves the 04 of C1 out
  out.push('04' + smCrypto.sm2.doEncrypt(Array.from(Buffer.from(args[1], 'hex')), args[0], 1));
  break;
}
case 'sm2-decrypt': { // SCALAR C1||C3||C2 -> message, or "bad"
  if (!args[1].startsWith('04')) {
    out.push('bad');
    break;
  }
  const m = smCrypto.sm2.doDecrypt(args[1].substring(2), args[0], 1, { output: 'array' });
  out.push(m.length > 0 ? Buffer.from(m).toString('hex') : 'bad');
  break;
}
default:
  process.stderr.write('unknown command ' + command + '\n');
  process.exit(1);
}
process.stdout.write(out.join('\n') + '\n');
