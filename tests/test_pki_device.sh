#!/bin/sh
# airwrite-pki device-ca / device (src/cli/airwrite_pki_device.c): the
# terminal report channel's certificates checked with the openssl CLI (the
# device certificate verifies under its CA for TLS client use, subject
# serialNumber = the EID, CA:FALSE, clientAuth, P-256, key files 0600), and
# every refusal of the commands: missing options, bad --days, a malformed
# EID or one with wrong check digits, an unreadable CA, a file that is no
# certificate, a CA key that is not the CA's, a certificate that is no CA, a
# --ca without .pem and no --ca-key, an unknown option. (The platform
# accepting and refusing them: tests/test_airwrited_terminal.sh.)
#   test_pki_device.sh AIRWRITE_PKI
set -eu
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
eid=89049032000000000000000000000163

"$tool" device-ca --out "$work/ca" >"$work/out" 2>&1 || fail "device-ca: $(cat "$work/out")"
"$tool" device --eid "$eid" --ca "$work/ca/device-ca.pem" --out "$work/dev" --days 30 \
    >"$work/out" 2>&1 || fail "device: $(cat "$work/out")"
cert="$work/dev/device-$eid.pem"
openssl verify -purpose sslclient -CAfile "$work/ca/device-ca.pem" "$cert" >"$work/out" 2>&1 ||
    fail "openssl verify: $(cat "$work/out")"
openssl x509 -in "$cert" -noout -subject -nameopt RFC2253 >"$work/subject"
grep -q "serialNumber=$eid" "$work/subject" || fail "subject: $(cat "$work/subject")"
openssl x509 -in "$cert" -noout -text >"$work/text"
grep -q "CA:FALSE" "$work/text" || fail "no CA:FALSE"
grep -q "TLS Web Client Authentication" "$work/text" || fail "no clientAuth"
grep -q "prime256v1" "$work/text" || fail "not P-256"
grep -q "ecdsa-with-SHA256" "$work/text" || fail "not ECDSA with SHA-256"
grep -q "X509v3 Authority Key Identifier" "$work/text" || fail "no AKI"
openssl x509 -in "$work/ca/device-ca.pem" -noout -text | grep -q "CA:TRUE" || fail "CA not a CA"
# the key is the certificate's, and private
[ "$(openssl x509 -in "$cert" -noout -pubkey | openssl pkey -pubin -outform DER | od -An -tx1)" = \
  "$(openssl pkey -in "$work/dev/device-$eid.key.pem" -pubout -outform DER | od -An -tx1)" ] ||
    fail "key does not match the certificate"
[ "$(stat -c %a "$work/dev/device-$eid.key.pem")" = 600 ] || fail "device key not 0600"
[ "$(stat -c %a "$work/ca/device-ca.key.pem")" = 600 ] || fail "CA key not 0600"
# 30 days: not after ~ now + 30 days
end=$(date -d "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)" +%s)
now=$(date +%s)
[ $((end - now)) -gt $((29 * 86400)) ] && [ $((end - now)) -le $((30 * 86400)) ] ||
    fail "validity: $((end - now)) s"
# the CA's key given explicitly works too
cp "$work/ca/device-ca.pem" "$work/ca-cert"
"$tool" device --eid "$eid" --ca "$work/ca-cert" --ca-key "$work/ca/device-ca.key.pem" \
    --out "$work/dev2" >/dev/null 2>&1 || fail "device with --ca-key"

# refused STATUS PATTERN ARGS...: exit STATUS with PATTERN on stderr, nothing written
refused() {
    want=$1
    pattern=$2
    shift 2
    status=0
    "$tool" "$@" >"$work/out" 2>"$work/err" || status=$?
    [ "$status" -eq "$want" ] || fail "$*: exit $status, not $want: $(cat "$work/err")"
    grep -q -- "$pattern" "$work/err" || fail "$*: $(cat "$work/err")"
}
ca="$work/ca/device-ca.pem"
refused 2 "device-ca needs --out" device-ca
refused 2 "unknown or incomplete option '--eid'" device-ca --out "$work/x" --eid "$eid"
refused 2 "device needs --eid, --ca and --out" device --ca "$ca" --out "$work/x"
refused 2 "device needs --eid, --ca and --out" device --eid "$eid" --out "$work/x"
refused 2 "device needs --eid, --ca and --out" device --eid "$eid" --ca "$ca"
refused 2 "unknown or incomplete option '--out'" device --eid "$eid" --ca "$ca" --out
refused 2 "days must be" device --eid "$eid" --ca "$ca" --out "$work/x" --days 0
refused 2 "days must be" device --eid "$eid" --ca "$ca" --out "$work/x" --days 36501
refused 2 "days must be" device --eid "$eid" --ca "$ca" --out "$work/x" --days 7x
refused 2 "invalid EID" device --eid 8904903200000000000000000000016 --ca "$ca" --out "$work/x"
refused 2 "invalid EID" device --eid 89049032000000000000000000000164 --ca "$ca" --out "$work/x"
refused 2 "invalid EID" device --eid 8904903200000000000000000000016A --ca "$ca" --out "$work/x"
refused 2 "ca-key is needed" device --eid "$eid" --ca "$work/ca-cert" --out "$work/x"
refused 1 "cannot open" device --eid "$eid" --ca "$work/absent.pem" --out "$work/x"
refused 1 "cannot open" device --eid "$eid" --ca "$ca" --ca-key "$work/absent.pem" --out "$work/x"
printf 'not a certificate\n' >"$work/junk.pem"
refused 1 "no PEM certificate" device --eid "$eid" --ca "$work/junk.pem" --ca-key "$ca" --out "$work/x"
refused 1 "no PEM private key" device --eid "$eid" --ca "$ca" --ca-key "$work/junk.pem" --out "$work/x"
"$tool" device-ca --out "$work/ca2" >/dev/null 2>&1 || fail "second CA"
refused 1 "is not the key of" device --eid "$eid" --ca "$ca" --ca-key "$work/ca2/device-ca.key.pem" \
    --out "$work/x"
refused 1 "is not a CA certificate" device --eid "$eid" --ca "$cert" \
    --ca-key "$work/dev/device-$eid.key.pem" --out "$work/x"
: >"$work/file"
refused 1 "cannot create" device-ca --out "$work/file/sub"
[ ! -e "$work/x" ] || fail "a refused command wrote $work/x"
echo "ok"
