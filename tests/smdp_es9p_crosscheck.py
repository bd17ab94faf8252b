#!/usr/bin/python3
"""Independent check of the SM-DP+ ES9+ signatures (tests/test_smdp_es9p_json.c).

Run with the Debian /usr/bin/python3 (python3-cryptography). Written from
SGP.22, not from airwrite's C code: an ES9+ signature field is the data
object 5F37 (tag, length 0x40, r||s as BSI TR-03111 plain format), ECDSA
with SHA-256 under the public key of the given certificate, over the
concatenation of the data arguments (SGP.22 5.7.13 serverSignature1 over
serverSigned1; 5.7.5 smdpSignature2 over smdpSigned2 || euiccSignature1
with its 5F37 tag).

  verify CERT_HEX SIGNATURE_TLV_HEX DATA_HEX...   -> ok | bad
Exit 77 when python3-cryptography is missing (the C test skips).
"""
import sys

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
except ImportError:
    sys.exit(77)


def verify(cert_hex, tlv_hex, data_hexes):
    cert = x509.load_der_x509_certificate(bytes.fromhex(cert_hex))
    tlv = bytes.fromhex(tlv_hex)
    if len(tlv) != 67 or tlv[:3] != b"\x5f\x37\x40":
        return "bad"
    r = int.from_bytes(tlv[3:35], "big")
    s = int.from_bytes(tlv[35:67], "big")
    data = b"".join(bytes.fromhex(h) for h in data_hexes)
    try:
        cert.public_key().verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        return "ok"
    except InvalidSignature:
        return "bad"


if __name__ == "__main__":
    if len(sys.argv) < 5 or sys.argv[1] != "verify":
        sys.exit(2)
    print(verify(sys.argv[2], sys.argv[3], sys.argv[4:]))
