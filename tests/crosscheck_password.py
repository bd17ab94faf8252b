#!/usr/bin/python3
"""Independent reference for tests/test_password.c: scrypt from the Python
standard library (hashlib.scrypt, OpenSSL-backed but called through its own
parameter handling) and the PHC string format parsed here, not by airwrite.

  crosscheck_password.py verify PASSWORD_HEX PHC   -> "match" or "mismatch"
  crosscheck_password.py hash PASSWORD_HEX LN R P  -> a PHC string (random salt)
  crosscheck_password.py selftest                  -> "ok"
"""
import base64
import hashlib
import os
import re
import sys

PHC = re.compile(r"^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


def b64decode(text):
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def b64encode(data):
    return base64.b64encode(data).decode("ascii").rstrip("=")


def scrypt(password, salt, ln, r, p, dklen):
    n = 1 << ln
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=128 * r * (n + p) + 64 * 1024 * 1024)


def main(argv):
    if argv[1] == "selftest":
        # RFC 7914 12, third vector
        got = scrypt(b"pleaseletmein", b"SodiumChloride", 14, 8, 1, 64)
        assert got.hex().startswith("7023bdcb3afd7348461c06cd81fd38eb")
        print("ok")
    elif argv[1] == "verify":
        password = bytes.fromhex(argv[2])
        m = PHC.match(argv[3])
        if m is None:
            print("unparsable")
            return 1
        ln, r, p = (int(m.group(i)) for i in (1, 2, 3))
        salt, want = b64decode(m.group(4)), b64decode(m.group(5))
        got = scrypt(password, salt, ln, r, p, len(want))
        print("match" if got == want else "mismatch")
    elif argv[1] == "hash":
        password = bytes.fromhex(argv[2])
        ln, r, p = int(argv[3]), int(argv[4]), int(argv[5])
        salt = os.urandom(16)
        digest = scrypt(password, salt, ln, r, p, 32)
        print("$scrypt$ln=%d,r=%d,p=%d$%s$%s" % (ln, r, p, b64encode(salt), b64encode(digest)))
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
