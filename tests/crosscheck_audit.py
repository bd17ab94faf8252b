#!/usr/bin/python3
"""Independent check of airwrite's audit log (docs/audit-log.md), written from
the document alone: recompute every entry's canonical encoding and hash chain
from a SQLite database file and verify every checkpoint signature.

  crosscheck_audit.py DB_FILE PUBLIC_KEY_PEM international|domestic

Hashes: Python's hashlib (SHA-256; SM3 through OpenSSL's provider). Checkpoint
signatures: python3-cryptography (ECDSA P-256 with SHA-256) for the
international suite; for the domestic suite python3-cryptography has no SM2,
so the openssl command verifies them (dgst -sm3 with the GM/T 0009 default
distinguishing ID). Exit 0 when everything matches, 1 with the first
difference printed, 2 for usage.
"""
import hashlib
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

LABEL = b"airwrite-audit-checkpoint"
SUITES = {"international": (1, "sha256"), "domestic": (2, "sm3")}
SM2_ID = "1234567812345678"


def field(value):
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def canonical(row):
    (seq, time_ms, suite, actor_type, actor_id, actor_role, tenant, action, target, outcome,
     source, request_id, details) = row
    out = struct.pack(">BBQqBB", 1, suite, seq, time_ms, actor_type, outcome)
    for text in (actor_id, actor_role, tenant, action, target, source, request_id, details):
        out += field(text)
    return out


def verify_signature(suite_name, public_pem, message, signature):
    if suite_name == "international":
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        key = serialization.load_pem_public_key(public_pem)
        try:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except InvalidSignature:
            return False
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, data in (("p.pem", public_pem), ("msg", message), ("sig", signature)):
            paths[name] = os.path.join(tmp, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        result = subprocess.run(["openssl", "dgst", "-sm3", "-verify", paths["p.pem"],
                                 "-sigopt", "distid:" + SM2_ID, "-signature", paths["sig"],
                                 paths["msg"]], capture_output=True)
        return result.returncode == 0


def public_point(public_pem):
    # SubjectPublicKeyInfo DER: the uncompressed point is its last 65 bytes
    # (BIT STRING 03 42 00 04 X Y) for P-256 and SM2 alike.
    import base64
    body = b"".join(line for line in public_pem.splitlines() if not line.startswith(b"-----"))
    der = base64.b64decode(body)
    if der[-67:-65] != b"\x42\x00" or der[-65] != 4:
        raise ValueError("not an uncompressed EC public key")
    return der[-65:]


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in SUITES:
        print(__doc__, file=sys.stderr)
        return 2
    db_file, pem_file, suite_name = sys.argv[1:]
    suite, hash_name = SUITES[suite_name]
    with open(pem_file, "rb") as f:
        public_pem = f.read()
    key_id = hashlib.new(hash_name, public_point(public_pem)).digest()
    db = sqlite3.connect(db_file)
    hashes = {}
    prev = bytes(32)
    expected = 1
    for row in db.execute(
            "SELECT seq, time_ms, suite, actor_type, actor_id, actor_role, tenant, action,"
            " target, outcome, source_address, request_id, details, prev_hash, hash"
            " FROM aw_audit_entry ORDER BY seq"):
        seq = row[0]
        if seq != expected or row[2] != suite:
            print(f"entry {seq}: expected sequence {expected} of suite {suite}")
            return 1
        if row[13] != prev:
            print(f"entry {seq}: previous hash differs")
            return 1
        digest = hashlib.new(hash_name, prev + canonical(row[:13])).digest()
        if digest != row[14]:
            print(f"entry {seq}: hash differs (computed {digest.hex()})")
            return 1
        hashes[seq] = digest
        prev = digest
        expected += 1
    checkpoints = 0
    for cid, seq, time_ms, cp_suite, head, cp_key, signature in db.execute(
            "SELECT id, seq, time_ms, suite, head_hash, key_id, signature"
            " FROM aw_audit_checkpoint ORDER BY id"):
        message = LABEL + struct.pack(">BBQq", 1, cp_suite, seq, time_ms) + head + cp_key
        if cp_suite != suite or cp_key != key_id:
            print(f"checkpoint {cid}: another suite or key")
            return 1
        if not verify_signature(suite_name, public_pem, message, signature):
            print(f"checkpoint {cid}: signature does not verify")
            return 1
        if hashes.get(seq) != head:
            print(f"checkpoint {cid}: signs another hash than entry {seq}'s")
            return 1
        checkpoints += 1
    print(f"crosscheck: {expected - 1} entries and {checkpoints} checkpoints match ({suite_name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
