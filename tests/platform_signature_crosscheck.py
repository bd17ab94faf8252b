#!/usr/bin/python3
"""Independent implementation of docs/api-signature.md for
tests/test_platform_auth.c: reads JSON lines {method, path, query, appId,
timestamp, nonce, bodyHex, secret} and prints, per line, the canonical
string's SHA-256 and the HMAC-SHA256 signature, both in lowercase hex,
separated by a space. Written from the document, not from the C code."""
import hashlib
import hmac
import json
import sys


def canonical_query(query):
    if not query:
        return b""
    params = []
    for element in query.encode("ascii").split(b"&"):
        name, _, value = element.partition(b"=")
        params.append((name, value))
    params.sort()  # bytes compare as unsigned values
    return b"&".join(name + b"=" + value for name, value in params)


def main():
    for line in open(sys.argv[1], encoding="ascii"):
        r = json.loads(line)
        body = bytes.fromhex(r["bodyHex"])
        canonical = b"\n".join([
            b"AW-HMAC-SHA256",
            r["method"].encode("ascii"),
            r["path"].encode("ascii"),
            canonical_query(r["query"]),
            r["appId"].encode("ascii"),
            r["timestamp"].encode("ascii"),
            r["nonce"].encode("ascii"),
            hashlib.sha256(body).hexdigest().encode("ascii"),
        ])
        signature = hmac.new(r["secret"].encode("ascii"), canonical, hashlib.sha256).hexdigest()
        print(hashlib.sha256(canonical).hexdigest(), signature)


if __name__ == "__main__":
    main()
