#!/bin/sh
# airwrite-ipa download (SGP.22 3.1.3 direct download) with the real tools:
# airwrite-smdp serve (ES9+ over HTTPS, --route to its ephemeral port) and
# airwrite-euicc --listen. Installed (exit 0, PIR delivered); a Matching ID
# the SM-DP+ does not know (exit 3, 8.2.6 / 3.8, session cancelled); an
# SM-DP+ not reachable (exit 1); a malformed Activation Code and misplaced or
# missing options (exit 2), including poll's --download-mode.
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki, airwrite-saip,
# airwrite-smdp.
set -u
ipa="$1"
euicc="$2"
pki="$3"
saip="$4"
smdp="$5"
dir=$(mktemp -d)
card_pid=
smdp_pid=
cleanup() {
    for p in $smdp_pid $card_pid; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

expect_status() {
    want="$1"
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/out" "$dir/err"; }
}

# free_port: below the ephemeral range, never twice (scripts/free-port.sh)
. "$AW_SOURCE_ROOT/scripts/free-port.sh"

eid=89049032000000000000000000000163
db="sqlite:$dir/smdp.db"
"$pki" init "$dir/pki" --eid $eid >/dev/null || { echo "airwrite-pki init failed"; exit 1; }
"$saip" build --iccid 8944000000000000001 --imsi 234150000000000 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der" >/dev/null ||
    { echo "airwrite-saip build failed"; exit 1; }
"$smdp" import-type --db "$db" iot "$dir/template.der" >/dev/null || exit 1
printf 'iccid,imsi,ki,opc\n8944000000000000019,234150000000001,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n' \
    >"$dir/batch.csv"
"$smdp" import --db "$db" --keys "$dir/keys" --type iot "$dir/batch.csv" >/dev/null || exit 1
"$smdp" order --db "$db" --iccid 8944000000000000019 --matching-id CLI-DL-1 --release \
    >/dev/null || exit 1

"$smdp" serve --pki "$dir/pki" --db "$db" --keys "$dir/keys" --port 0 \
    --smdp-address smdp.example.com 2>"$dir/smdp.log" &
smdp_pid=$!
smdp_port=
for _ in $(seq 1 100); do
    smdp_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/smdp.log")
    [ -n "$smdp_port" ] && break
    sleep 0.1
done
[ -n "$smdp_port" ] || { echo "airwrite-smdp did not come up"; cat "$dir/smdp.log"; exit 1; }
route="--route smdp.example.com=https://127.0.0.1:$smdp_port"

port=$(free_port)
"$euicc" --state "$dir/state" --identity "$dir/pki" --listen 127.0.0.1:$port 2>"$dir/card.log" &
card_pid=$!
up=0
for _ in $(seq 1 100); do
    if "$ipa" --socket 127.0.0.1:$port eid >/dev/null 2>&1; then
        up=1
        break
    fi
    sleep 0.1
done
[ $up -eq 1 ] || { echo "airwrite-euicc did not come up"; cat "$dir/card.log"; exit 1; }
s="--socket 127.0.0.1:$port"
ca="--smdp-ca $dir/pki/ci.pem"

# usage
expect_status 0 "$ipa" --help
grep -q "download AC" "$dir/out" || fail "--help does not show download"
grep -q "download-mode indirect" "$dir/out" || fail "--help does not explain the trigger mode"
expect_status 2 "$ipa" $s download
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1'
grep -q "needs --smdp-ca" "$dir/err" || fail "missing --smdp-ca not named"
expect_status 2 "$ipa" $s download 'not-a-code' $ca
grep -q "AW_ERR_IPA_ACTIVATION_CODE_FORMAT" "$dir/err" || fail "malformed AC not typed"
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca --tac 1234
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca --imei 12AB
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca --route smdp.example.com
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca \
    --route smdp.example.com=http://127.0.0.1:1
expect_status 2 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca --download-mode direct
expect_status 2 "$ipa" $s eid $ca
expect_status 2 "$ipa" $s eid --tac 35290611
expect_status 2 "$ipa" $s poll --ca "$dir/pki/ci.pem" --cc 1234
expect_status 2 "$ipa" $s poll --ca "$dir/pki/ci.pem" --download-mode direct
grep -q "download-mode direct needs --smdp-ca" "$dir/err" || fail "direct poll without --smdp-ca"
expect_status 2 "$ipa" $s poll --ca "$dir/pki/ci.pem" --download-mode sideways

# refused by the SM-DP+: an unknown Matching ID (SGP.22 5.6.3 8.2.6 / 3.8)
expect_status 3 "$ipa" $s download '1$smdp.example.com$NO-SUCH-ORDER' $ca $route
grep -q "failed at AuthenticateClient" "$dir/out" || fail "refusal stage: $(cat "$dir/out")"
grep -q "subjectCode 8.2.6 reasonCode 3.8" "$dir/out" || fail "refusal codes: $(cat "$dir/out")"
grep -q "session cancelled" "$dir/out" || fail "eUICC session not cancelled: $(cat "$dir/out")"

# not reachable: nothing listens at the route
closed=$(free_port)
expect_status 1 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca \
    --route "smdp.example.com=https://127.0.0.1:$closed"
grep -q "AW_ERR_HTTP" "$dir/err" || fail "unreachable SM-DP+ not typed: $(cat "$dir/err")"

# installed, the PIR delivered and removed from the eUICC
expect_status 0 "$ipa" $s --timeout 20000 download '1$smdp.example.com$CLI-DL-1' $ca $route \
    --tac 35290611 --imei 356938035643809
grep -q "^installed" "$dir/out" || fail "not installed: $(cat "$dir/out")"
grep -q "ProfileInstallationResult delivered to the SM-DP+, removed" "$dir/out" ||
    fail "PIR not delivered: $(cat "$dir/out")"
expect_status 0 "$ipa" $s profiles
grep -q "^8944000000000000019 disabled" "$dir/out" || fail "profile: $(cat "$dir/out")"
# the order is used up: the SM-DP+ refuses it a second time
expect_status 3 "$ipa" $s download '1$smdp.example.com$CLI-DL-1' $ca $route

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-ipa download CLI tests passed"
