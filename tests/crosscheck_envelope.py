"""Independent reference for tests/test_crypto_envelope.c: ECIES on P-256
as src/core/crypto_envelope_ecies.c documents it (SEC 1 v2 5.1: ephemeral
ECDH, the ANSI X9.63 KDF with SHA-256 and SharedInfo = R, 44 bytes: AES-256
key then GCM IV; AES-256-GCM with the additional data), written with
python3-cryptography (run with /usr/bin/python3).

Usage: crosscheck_envelope.py encrypt PUBLIC AD MESSAGE  -> R || C || tag
       crosscheck_envelope.py decrypt SCALAR AD CIPHERTEXT -> message | bad
(hex; "-" for empty)"""
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF


def unhex(text):
    return b"" if text == "-" else bytes.fromhex(text)


def material(shared, point):
    return X963KDF(algorithm=hashes.SHA256(), length=44, sharedinfo=point).derive(shared)


def encrypt(public_hex, ad, message):
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unhex(public_hex))
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    km = material(ephemeral.exchange(ec.ECDH(), public), point)
    return point + AESGCM(km[:32]).encrypt(km[32:], message, ad or None)


def decrypt(scalar_hex, ad, ciphertext):
    private = ec.derive_private_key(int(scalar_hex, 16), ec.SECP256R1())
    point = ciphertext[:65]
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        km = material(private.exchange(ec.ECDH(), peer), point)
        return AESGCM(km[:32]).decrypt(km[32:], ciphertext[65:], ad or None)
    except (ValueError, InvalidTag):
        return None


def main():
    command = sys.argv[1]
    if command == "encrypt":
        print(encrypt(sys.argv[2], unhex(sys.argv[3]), unhex(sys.argv[4])).hex())
    elif command == "decrypt":
        result = decrypt(sys.argv[2], unhex(sys.argv[3]), unhex(sys.argv[4]))
        print("bad" if result is None else (result.hex() or "-"))
    else:
        sys.exit("unknown command " + command)


main()
