#!/usr/bin/python3
"""Independent reference for airwrite's RSP cryptography tests.

Run with the Debian /usr/bin/python3 (python3-cryptography). The C tests
(tests/test_crypto.c, tests/test_scp03t.c) call it with one command and hex
arguments and compare its output with their own results. Everything here is
written from the specifications, not from airwrite's C code:
  ECDSA/ECDH      python-cryptography on the same curve
  X9.63 KDF       cryptography's X963KDF (SEC 1 3.6.1)
  BSP keys        SGP.22 2.6.4.2 SharedInfo, built here
  SCP03t/BSP      SGP.22 2.6.4 AES-CBC / AES-CMAC, built here from the
                  cipher primitives, segmented per SGP.22 v3.0 2.5.3
Commands (all values hex, output hex on stdout):
  selftest
  pub CURVE PRIV                      -> 04||X||Y
  sign CURVE PRIV MSG                 -> r||s
  verify CURVE POINT MSG RS           -> ok | bad
  ecdh CURVE PRIV POINT               -> shared x-coordinate
  x963 SECRET INFO LENGTH             -> key data
  session SECRET HOSTID EID           -> MCV S-ENC S-MAC (one line each)
  bsp-protect ENC MAC MCV OP...       -> one line per OP, segments back to back
       OP = TAG:e:DATA (encrypt and MAC) or TAG:m:DATA (MAC only)
  bsp-unprotect ENC MAC MCV OP...     -> one line per OP, the data
       OP = TAG:e:SEGMENTS or TAG:m:SEGMENTS
  bsp-raw ENC MAC MCV COUNTER TAG BLOCKS -> one encrypted segment without
       adding padding (BLOCKS is a multiple of 16 bytes), for padding tests
"""
import sys

from cryptography.hazmat.primitives import cmac, hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.exceptions import InvalidSignature

CURVES = {"p256": ec.SECP256R1(), "bp256": ec.BrainpoolP256R1()}

# SGP.22 v3.0 2.5.3: a segment is at most 1020 bytes with tag, length, MAC.
SEGMENT_MAX = 1020
MAC_LEN = 8
BLOCK = 16


def ber_length(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def private_key(curve, priv_hex):
    return ec.derive_private_key(int(priv_hex, 16), CURVES[curve])


def point_of(key):
    nums = key.public_key().public_numbers() if hasattr(key, "public_key") else key.public_numbers()
    return b"\x04" + nums.x.to_bytes(32, "big") + nums.y.to_bytes(32, "big")


class Bsp:
    """One BSP state: keys, MAC chaining value, block counter (from 1)."""

    def __init__(self, enc, mac, mcv, counter=1):
        self.enc, self.mac, self.mcv, self.counter = enc, mac, mcv, counter

    def icv(self):
        block = self.counter.to_bytes(BLOCK, "big")
        e = Cipher(algorithms.AES(self.enc), modes.ECB()).encryptor()
        return e.update(block) + e.finalize()

    def cbc(self, data, encrypt):
        c = Cipher(algorithms.AES(self.enc), modes.CBC(self.icv()))
        op = c.encryptor() if encrypt else c.decryptor()
        return op.update(data) + op.finalize()

    def full_mac(self, header_and_body):
        m = cmac.CMAC(algorithms.AES(self.mac))
        m.update(self.mcv + header_and_body)
        return m.finalize()

    def segment(self, tag, body):
        header = bytes([tag]) + ber_length(len(body) + MAC_LEN)
        full = self.full_mac(header + body)
        self.mcv = full
        self.counter += 1
        return header + body + full[:MAC_LEN]

    def protect(self, tag, encrypt, data):
        # Largest data per segment: what leaves room for tag, a 3-byte
        # length, the MAC and (when encrypting) at least one padding byte.
        room = SEGMENT_MAX - 1 - 3 - MAC_LEN
        chunk = (room // BLOCK) * BLOCK - 1 if encrypt else room
        out = b""
        for off in range(0, len(data), chunk):
            part = data[off:off + chunk]
            if encrypt:
                padded = part + b"\x80"
                padded += b"\x00" * (-len(padded) % BLOCK)
                body = self.cbc(padded, True)
            else:
                body = part
            seg = self.segment(tag, body)
            assert len(seg) <= SEGMENT_MAX
            out += seg
        return out

    def unprotect(self, tag, encrypt, segments):
        out = b""
        pos = 0
        while pos < len(segments):
            assert segments[pos] == tag
            first = segments[pos + 1]
            if first < 0x80:
                length, hlen = first, 2
            elif first == 0x81:
                length, hlen = segments[pos + 2], 3
            else:
                assert first == 0x82
                length, hlen = int.from_bytes(segments[pos + 2:pos + 4], "big"), 4
            header = segments[pos:pos + hlen]
            value = segments[pos + hlen:pos + hlen + length]
            body, tag_mac = value[:-MAC_LEN], value[-MAC_LEN:]
            full = self.full_mac(header + body)
            if full[:MAC_LEN] != tag_mac:
                raise ValueError("MAC")
            if encrypt:
                plain = self.cbc(body, False).rstrip(b"\x00")
                assert plain.endswith(b"\x80")
                out += plain[:-1]
            else:
                out += body
            self.mcv = full
            self.counter += 1
            pos += hlen + length
        return out


def main(argv):
    cmd, args = argv[1], argv[2:]
    h = bytes.fromhex
    if cmd == "selftest":
        print("ok")
    elif cmd == "pub":
        print(point_of(private_key(args[0], args[1])).hex())
    elif cmd == "sign":
        key = private_key(args[0], args[1])
        r, s = decode_dss_signature(key.sign(h(args[2]), ec.ECDSA(hashes.SHA256())))
        print((r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex())
    elif cmd == "verify":
        pub = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[args[0]], h(args[1]))
        rs = h(args[3])
        der = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
        try:
            pub.verify(der, h(args[2]), ec.ECDSA(hashes.SHA256()))
            print("ok")
        except InvalidSignature:
            print("bad")
    elif cmd == "ecdh":
        key = private_key(args[0], args[1])
        peer = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[args[0]], h(args[2]))
        print(key.exchange(ec.ECDH(), peer).hex())
    elif cmd == "x963":
        info = h(args[1]) if args[1] != "-" else None
        print(X963KDF(hashes.SHA256(), int(args[2]), info).derive(h(args[0])).hex())
    elif cmd == "session":
        host_id, eid = h(args[1]), h(args[2])
        # SGP.22 2.6.4.2: keyType 88, keyLen 10, then hostId and EID as LV.
        info = bytes([0x88, 0x10, len(host_id)]) + host_id + bytes([len(eid)]) + eid
        out = X963KDF(hashes.SHA256(), 48, info).derive(h(args[0]))
        print(out[:16].hex())
        print(out[16:32].hex())
        print(out[32:].hex())
    elif cmd in ("bsp-protect", "bsp-unprotect"):
        bsp = Bsp(h(args[0]), h(args[1]), h(args[2]))
        for op in args[3:]:
            tag, mode, data = op.split(":")
            fn = bsp.protect if cmd == "bsp-protect" else bsp.unprotect
            print(fn(int(tag, 16), mode == "e", h(data)).hex())
    elif cmd == "bsp-raw":
        bsp = Bsp(h(args[0]), h(args[1]), h(args[2]), int(args[3]))
        print(bsp.segment(int(args[4], 16), bsp.cbc(h(args[5]), True)).hex())
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
