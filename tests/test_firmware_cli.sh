#!/bin/sh
# airwrite-firmware end to end, checked by independent tools: the openssl
# CLI recomputes the signer key id (RFC 7093 2 method 1), the image digest
# and verifies the package signature over the manifest bytes; a package
# whose signature openssl made (assembled by /usr/bin/python3) verifies;
# every refusal exits 1 with its reason, usage errors exit 2.
#   test_firmware_cli.sh AIRWRITE_FIRMWARE
set -eu
# absolute: the test works in a temporary directory
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() {
    echo "FAIL: $*"
    exit 1
}

# expect_refused REASON ARGS...: verify exits 1 and prints the reason.
expect_refused() {
    reason=$1
    shift
    set +e
    "$cli" verify "$@" >out.txt 2>&1
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || { cat out.txt; fail "verify $*: exit $rc, wanted 1 ($reason)"; }
    grep -q "^refused: $reason:" out.txt || { cat out.txt; fail "verify $*: wanted $reason"; }
}

hex_of() {
    od -An -v -tx1 | tr -d ' \n'
}

# --- keys -------------------------------------------------------------------
"$cli" keygen --key vendor.key.pem --public vendor.pem >keygen.out
"$cli" keygen --key other.key.pem --public other.pem >/dev/null
[ "$(stat -c %a vendor.key.pem)" = 600 ] || fail "private key is not mode 0600"
key_id=$(sed -n 's/^keyId: //p' keygen.out)
# RFC 7093 2 method 1: SHA-256 of the subjectPublicKey (the 65-byte point
# ending the DER SubjectPublicKeyInfo), leftmost 160 bits.
want_id=$(openssl pkey -pubin -in vendor.pem -outform DER | tail -c 65 |
    openssl dgst -sha256 -binary | head -c 20 | hex_of)
[ "$key_id" = "$want_id" ] || fail "key id $key_id, openssl says $want_id"
if "$cli" keygen --key vendor.key.pem --public again.pem 2>/dev/null; then
    fail "keygen overwrote a key"
fi

# --- sign, show, openssl checks ----------------------------------------------
head -c 5000 /dev/urandom >image.bin
"$cli" sign --key vendor.key.pem --module AW-SE-01 --version 8 --image image.bin \
    --out package.der >sign.out
"$cli" show package.der >show.out
grep -qx "moduleId: AW-SE-01" show.out || fail "show moduleId"
grep -qx "firmwareVersion: 8" show.out || fail "show version"
grep -qx "imageLength: 5000" show.out || fail "show length"
grep -qx "signerKeyId: $key_id" show.out || fail "show signer"
grep -qx "image: embedded" show.out || fail "show embedded"
digest=$(sed -n 's/^imageDigest: //p' show.out)
[ "$digest" = "$(openssl dgst -sha256 -r image.bin | cut -d' ' -f1)" ] || fail "image digest"
# the structure as openssl's own DER parser sees it
openssl asn1parse -inform DER -in package.der >asn1.txt
grep -q "OBJECT *:sha256" asn1.txt || fail "asn1parse: no sha256 OID"
grep -q "OBJECT *:ecdsa-with-SHA256" asn1.txt || fail "asn1parse: no ecdsa-with-SHA256 OID"
grep -q "UTF8STRING *:AW-SE-01" asn1.txt || fail "asn1parse: no module id"
# the signature, over exactly the manifest bytes, verified by openssl
set -- $(sed -n 's/^manifest: offset \([0-9]*\) length \([0-9]*\)$/\1 \2/p' show.out)
tail -c +$(($1 + 1)) package.der | head -c "$2" >manifest.der
set -- $(sed -n 's/^signature: offset \([0-9]*\) length \([0-9]*\)$/\1 \2/p' show.out)
tail -c +$(($1 + 1)) package.der | head -c "$2" >signature.der
openssl dgst -sha256 -verify vendor.pem -signature signature.der manifest.der | grep -qx "Verified OK" ||
    fail "openssl does not verify the package signature"

# --- verify -------------------------------------------------------------------
"$cli" verify --trusted vendor.pem --module AW-SE-01 --installed 7 --extract applied.bin \
    package.der | grep -qx "verified: module AW-SE-01 version 8 (installed 7)" || fail "verify"
cmp -s applied.bin image.bin || fail "extracted image differs"
# key rotation: the vendor key as the second trusted key
"$cli" verify --trusted other.pem --trusted vendor.pem --module AW-SE-01 --installed 0 \
    package.der >/dev/null || fail "second trusted key"
expect_refused AW_ERR_FIRMWARE_ROLLBACK --trusted vendor.pem --module AW-SE-01 --installed 9 \
    package.der
grep -qx "package: module AW-SE-01 version 8 (installed 9)" out.txt || fail "rollback report"
expect_refused AW_ERR_FIRMWARE_SAME_VERSION --trusted vendor.pem --module AW-SE-01 \
    --installed 8 package.der
"$cli" verify --trusted vendor.pem --module AW-SE-01 --installed 8 --reinstall package.der \
    >/dev/null || fail "reinstall"
expect_refused AW_ERR_FIRMWARE_MODULE --trusted vendor.pem --module AW-SE-02 --installed 7 \
    package.der
expect_refused AW_ERR_FIRMWARE_SIGNER --trusted other.pem --module AW-SE-01 --installed 7 \
    package.der
# a tampered image (last byte of the package is the image's last byte)
last=$(tail -c 1 package.der | hex_of)
flipped=$(printf '%02x' $((0x$last ^ 1)))
head -c -1 package.der >tampered.der
printf "\\$(printf '%03o' "0x$flipped")" >>tampered.der
expect_refused AW_ERR_FIRMWARE_DIGEST --trusted vendor.pem --module AW-SE-01 --installed 7 \
    tampered.der
# a truncated package
head -c 300 package.der >truncated.der
expect_refused AW_ERR_FIRMWARE_FORMAT --trusted vendor.pem --module AW-SE-01 --installed 7 \
    truncated.der

# --- detached image -------------------------------------------------------------
"$cli" sign --key vendor.key.pem --module AW-SE-01 --version 10 --image image.bin \
    --out detached.der --detached >/dev/null
"$cli" show detached.der | grep -qx "image: detached" || fail "show detached"
[ "$(stat -c %s detached.der)" -lt 400 ] || fail "detached package carries the image"
"$cli" verify --trusted vendor.pem --module AW-SE-01 --installed 8 --image image.bin \
    detached.der >/dev/null || fail "detached verify"
expect_refused AW_ERR_FIRMWARE_LENGTH --trusted vendor.pem --module AW-SE-01 --installed 8 \
    detached.der
head -c 5000 /dev/urandom >other.bin
expect_refused AW_ERR_FIRMWARE_DIGEST --trusted vendor.pem --module AW-SE-01 --installed 8 \
    --image other.bin detached.der
expect_refused AW_ERR_ARGUMENT --trusted vendor.pem --module AW-SE-01 --installed 7 \
    --image image.bin package.der

# --- a signature made by openssl verifies ---------------------------------------
openssl dgst -sha256 -sign vendor.key.pem -out openssl.sig manifest.der
/usr/bin/python3 - manifest.der openssl.sig image.bin openssl-package.der <<'EOF'
import sys

def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + value

manifest, sig, image = (open(p, "rb").read() for p in sys.argv[1:4])
open(sys.argv[4], "wb").write(tlv(0x30, manifest + tlv(0x04, sig) + tlv(0x80, image)))
EOF
"$cli" verify --trusted vendor.pem --module AW-SE-01 --installed 7 openssl-package.der \
    >/dev/null || fail "package with an openssl signature"
# ... and one over a manifest openssl signed with another key does not
openssl dgst -sha256 -sign other.key.pem -out other.sig manifest.der
/usr/bin/python3 -c '
import sys
def tlv(t, v):
    n = len(v)
    l = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([t]) + l + v
m, s, i = (open(p, "rb").read() for p in ("manifest.der", "other.sig", "image.bin"))
open("forged.der", "wb").write(tlv(0x30, m + tlv(0x04, s) + tlv(0x80, i)))
'
expect_refused AW_ERR_FIRMWARE_SIGNATURE --trusted vendor.pem --module AW-SE-01 --installed 7 \
    forged.der

# --- usage and input errors ---------------------------------------------------------
set +e
"$cli" verify --module AW-SE-01 --installed 7 package.der 2>/dev/null
[ $? -eq 2 ] || fail "verify without --trusted: exit 2"
"$cli" verify --trusted vendor.pem --module AW-SE-01 --installed -1 package.der 2>/dev/null
[ $? -eq 2 ] || fail "negative installed version: exit 2"
"$cli" sign --key vendor.key.pem --module AW-SE-01 --version x --image image.bin \
    --out x.der 2>/dev/null
[ $? -eq 2 ] || fail "bad version: exit 2"
"$cli" frobnicate 2>/dev/null
[ $? -eq 2 ] || fail "unknown command: exit 2"
"$cli" show image.bin 2>err.txt
[ $? -eq 1 ] || fail "show garbage: exit 1"
grep -q AW_ERR_FIRMWARE_FORMAT err.txt || fail "show garbage: reason"
"$cli" sign --key vendor.pem --module AW-SE-01 --version 1 --image image.bin \
    --out x.der 2>err.txt
[ $? -eq 1 ] || fail "sign with a public key: exit 1"
set -e
echo "ok"
