#!/bin/sh
# airwrite-ipa poll --esipa-binding json end to end with the real tools: the
# eIM of airwrite-pki init configured on the eUICC of airwrite-euicc
# --listen (add-initial-eim); airwrite-eim serve (SQLite) queues an IPA
# eUICC data request and a signed eUICC Package; airwrite-ipa poll --once
# runs them over the ESipa JSON binding (SGP.32 6.4, /gsma/rsp2/esipa/...)
# and the eIM records the results; --esipa-binding usage errors (exit 2).
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
# the eIM's TLS certificate names only the address the IPA connects to
"$pki" init "$dir/pki" --eid $eid --tls-name 127.0.0.1 >/dev/null ||
    { echo "airwrite-pki init failed"; exit 1; }

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

cert=$(openssl x509 -in "$dir/pki/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$dir/pki/eum.pem" -outform DER | base64 -w0)
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/batch.csv"
expect_status 0 "$eim" register --db "$db" --eim-id eim.test --pki "$dir/pki" "$dir/batch.csv"
expect_status 0 "$eim" queue --db "$db" "$eid" euicc-data A2A5A6A8
expect_status 0 "$eim" queue --db "$db" --pki "$dir/pki" "$eid" list-profiles
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

# usage
expect_status 2 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --esipa-binding xml
expect_status 2 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --esipa-binding
expect_status 2 "$ipa" $s eid --esipa-binding json

expect_status 0 "$ipa" $s add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com \
    --eim-cert "$dir/pki/eim.pem"
expect_status 0 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --once --esipa-binding json
grep -q "^eUICC data request, 1 delivered" "$dir/out" || fail "data request: $(cat "$dir/out")"
grep -q "^eUICC package, 1 delivered, 1 acknowledged" "$dir/out" ||
    fail "eUICC package: $(cat "$dir/out")"
tail -n 1 "$dir/out" | grep -q "^no package" || fail "no final 'no package'"
expect_status 0 "$eim" results --db "$db" "$eid"
grep -q "package 1 IPA eUICC data done" "$dir/out" || fail "eIM results: $(cat "$dir/out")"
grep -q "package 2 counterValue 1 done" "$dir/out" || fail "eIM results: $(cat "$dir/out")"
# the same eIM over the ASN.1 binding (the default) answers the same
expect_status 0 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --once --esipa-binding asn1
grep -q "^no package" "$dir/out" || fail "asn1 poll: $(cat "$dir/out")"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
