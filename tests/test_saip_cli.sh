#!/bin/sh
# airwrite-saip command-line tests: build, show (Ki/OPc masked), personalise,
# usage and error exits. Argument: path of the airwrite-saip executable.
set -u
tool="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect_status WANT command... : run and compare the exit status
expect_status() {
    want="$1"
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
}

ki=000102030405060708090A0B0C0D0E0F
opc=00112233445566778899AABBCCDDEEFF

expect_status 0 "$tool" --help
grep -q "airwrite-saip build" "$dir/out" || fail "--help shows no usage"
expect_status 0 "$tool" build --help
expect_status 2 "$tool"
expect_status 2 "$tool" frobnicate

expect_status 0 "$tool" build --iccid 8988211000000012347 --imsi 001010000000123 \
    --ki $ki --opc $opc --msisdn +4915112345678 --puk1 12345678 --puk2 87654321 \
    --adm1 11111111 -o "$dir/p.der"
[ -s "$dir/p.der" ] || fail "build wrote nothing"

expect_status 0 "$tool" show "$dir/p.der"
grep -q "^ICCID *8988211000000012347 (Luhn check digit ok)" "$dir/out" || fail "show: ICCID"
grep -q "^IMSI *001010000000123" "$dir/out" || fail "show: IMSI"
grep -q "^MSISDN *+4915112345678" "$dir/out" || fail "show: MSISDN"
grep -q "^AKA *milenage (1)" "$dir/out" || fail "show: algorithm"
grep -q "^Ki *00\*\{28\}0F (16 bytes, masked)" "$dir/out" || fail "show: masked Ki"
grep -q "akaParameter" "$dir/out" || fail "show: element list"
if grep -qi "$ki\|$opc\|0102030405060708" "$dir/out"; then fail "show printed a secret"; fi

expect_status 0 "$tool" personalise "$dir/p.der" "$dir/q.der" --iccid 89882110000000123456 \
    --imsi 26201123456789 --msisdn 0170123 --ki FFEEDDCCBBAA99887766554433221100
expect_status 0 "$tool" show "$dir/q.der"
grep -q "^ICCID *89882110000000123456" "$dir/out" || fail "personalise: ICCID"
grep -q "^IMSI *26201123456789" "$dir/out" || fail "personalise: IMSI"
grep -q "^MSISDN *0170123" "$dir/out" || fail "personalise: MSISDN"
grep -q "^Ki *FF\*\{28\}00" "$dir/out" || fail "personalise: Ki"
grep -q "^OPc *00\*\{28\}FF" "$dir/out" || fail "personalise: OPc kept"

# errors: missing option, bad values, unreadable or malformed input
expect_status 1 "$tool" build --iccid 8988211000000012347 -o "$dir/x.der"
grep -q "missing --imsi" "$dir/err" || fail "build: missing option message"
expect_status 1 "$tool" build --iccid 12 --imsi 001010000000123 --ki $ki --opc $opc \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/x.der"
grep -q "AW_ERR_SAIP_ICCID" "$dir/err" || fail "build: ICCID error"
expect_status 1 "$tool" build --iccid 8988211000000012347 --imsi 001010000000123 --ki 0011 \
    --opc $opc --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/x.der"
grep -q "AW_ERR_SAIP_KEY_LENGTH" "$dir/err" || fail "build: Ki length error"
expect_status 1 "$tool" build --algorithm sha1 --iccid 8988211000000012347
expect_status 1 "$tool" personalise "$dir/p.der" "$dir/x.der" --imsi 12
grep -q "AW_ERR_SAIP_IMSI" "$dir/err" || fail "personalise: IMSI error"
expect_status 1 "$tool" personalise "$dir/p.der"
expect_status 1 "$tool" show "$dir/missing.der"
head -c 100 "$dir/p.der" >"$dir/cut.der"
expect_status 1 "$tool" show "$dir/cut.der"
grep -q "AW_ERR_DER_TRUNCATED" "$dir/err" || fail "show: truncated input"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "airwrite-saip: all checks passed"
