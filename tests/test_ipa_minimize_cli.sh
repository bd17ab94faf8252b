#!/bin/sh
# airwrite-ipa poll --minimize-esipa-bytes with the real tools (SGP.32
# IpaCapabilities minimizeEsipaBytes): airwrite-euicc --listen with the eIM
# of airwrite-pki init configured, airwrite-eim serve (SQLite) with an IPA
# eUICC data request for euiccInfo1, euiccInfo2, the certificates and the
# IPA's capabilities, then a Profile Download Trigger; the IPA announces
# minimizeEsipaBytes (the eIM keeps the eUICC's euiccInfo1/2 and that
# feature) and sends its download's messages minimized (the trigger's
# SM-DP+ does not exist: the trigger's result is a failure, recorded).
# The download itself, minimized, is tests/test_ipa_download_minimized.c.
# Usage: the option goes with poll only (exit 2).
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki, airwrite-eim.
set -u
ipa="$1"
euicc="$2"
pki="$3"
eim="$4"
dir=$(mktemp -d)
card_pid=
eim_pid=
cleanup() {
    for p in $eim_pid $card_pid; do
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
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/err"; }
}

# free_port: below the ephemeral range, never twice (scripts/free-port.sh)
. "$AW_SOURCE_ROOT/scripts/free-port.sh"

eid=89049032000000000000000000000163
db="sqlite:$dir/eim.db"
"$pki" init "$dir/pki" --eid $eid >/dev/null || { echo "airwrite-pki init failed"; exit 1; }

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
expect_status 0 "$ipa" $s add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com \
    --eim-cert "$dir/pki/eim.pem"

cert=$(openssl x509 -in "$dir/pki/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$dir/pki/eum.pem" -outform DER | base64 -w0)
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/batch.csv"
expect_status 0 "$eim" register --db "$db" --eim-id eim.test --pki "$dir/pki" "$dir/batch.csv"
expect_status 0 "$eim" queue --db "$db" "$eid" euicc-data BF20BF22A5A6A8
expect_status 0 "$eim" queue --db "$db" "$eid" download '1$smdp.invalid$MATCHING-1'
"$eim" serve --pki "$dir/pki" --db "$db" --port 0 2>"$dir/eim.log" &
eim_pid=$!
eim_port=
for _ in $(seq 1 100); do
    eim_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/eim.log")
    [ -n "$eim_port" ] && break
    sleep 0.1
done
[ -n "$eim_port" ] || { echo "airwrite-eim did not come up"; cat "$dir/eim.log"; exit 1; }
url="https://127.0.0.1:$eim_port"

# usage: with poll only
expect_status 2 "$ipa" $s eid --minimize-esipa-bytes

expect_status 0 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --once \
    --minimize-esipa-bytes
grep -q "^eUICC data request, 1 delivered" "$dir/out" || fail "data request: $(cat "$dir/out")"
grep -q "^download trigger, 1 delivered" "$dir/out" || fail "trigger: $(cat "$dir/out")"

# what the eIM keeps: euiccInfo1, euiccInfo2, ipaFeatures with minimizeEsipaBytes (bit 5)
/usr/bin/python3 - "$dir/eim.db" <<'EOF' || fail "eIM's eUICC info"
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT euicc_info1, euicc_info2, ipa_features FROM eim_euicc_info").fetchone()
assert row is not None, "no row"
assert bytes(row[0])[:2] == b"\xbf\x20", "euiccInfo1"
assert bytes(row[1])[:2] == b"\xbf\x22", "euiccInfo2"
assert row[2] & (1 << 5), "minimizeEsipaBytes not announced"
EOF
expect_status 0 "$eim" results --db "$db" "$eid"
grep -q "package 1 IPA eUICC data done" "$dir/out" || fail "eIM results: $(cat "$dir/out")"
grep -q "package 2 download trigger failed" "$dir/out" || fail "eIM results: $(cat "$dir/out")"

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-ipa --minimize-esipa-bytes CLI tests passed"
