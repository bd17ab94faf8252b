#!/bin/sh
# airwrite-ipa poll end to end with the real tools: airwrite-ipa
# add-initial-eim configures the eIM of airwrite-pki init on the eUICC of
# airwrite-euicc --listen; airwrite-eim serve (SQLite) queues an IPA eUICC
# data request, a Profile Download Trigger and a signed eUICC Package;
# airwrite-ipa poll --once runs them over ESipa (HTTPS, ASN.1 binding) and
# the eIM records the results;
# a poll without --once stops cleanly on SIGTERM; usage errors (exit 2), a
# malformed journal and a bad --eim (exit 1).
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki, airwrite-eim.
set -u
ipa="$1"
euicc="$2"
pki="$3"
eim="$4"
dir=$(mktemp -d)
card_pid=
eim_pid=
poll_pid=
cleanup() {
    for p in $poll_pid $eim_pid $card_pid; do
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

# the card
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

# the eIM: the eUICC registered with its certificates, two packages queued
cert=$(openssl x509 -in "$dir/pki/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$dir/pki/eum.pem" -outform DER | base64 -w0)
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/batch.csv"
expect_status 0 "$eim" register --db "$db" --eim-id eim.test --pki "$dir/pki" "$dir/batch.csv"
expect_status 0 "$eim" queue --db "$db" "$eid" euicc-data A2A5A6A8
expect_status 0 "$eim" queue --db "$db" "$eid" download '1$smdp.example.com$MATCHING-1'
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
expect_status 2 "$ipa" $s poll --eim "$url"
expect_status 2 "$ipa" $s poll --ca "$dir/pki/ci.pem" --interval 0
expect_status 2 "$ipa" $s eid --eim "$url"
expect_status 2 "$ipa" $s eid --once
expect_status 1 "$ipa" $s poll --eim "http://127.0.0.1:$eim_port" --ca "$dir/pki/ci.pem" --once
grep -q "AW_ERR_ARGUMENT" "$dir/err" || fail "a non-https --eim is not refused"
# the eUICC has no eIM configured: no eimFqdn to fall back to
expect_status 1 "$ipa" $s poll --ca "$dir/pki/ci.pem" --once
grep -q "AW_ERR_NOT_FOUND" "$dir/err" || fail "missing eimFqdn not reported"
expect_status 2 "$ipa" $s add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com
expect_status 2 "$ipa" $s eid --eim-id eim.test
expect_status 1 "$ipa" $s add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com \
    --eim-cert "$dir/batch.csv"
expect_status 0 "$ipa" $s add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com \
    --eim-cert "$dir/pki/eim.pem"
# a second initial eIM is refused by the eUICC (SGP.32 5.9.16)
expect_status 3 "$ipa" $s add-initial-eim --eim-id eim.other --eim-fqdn eim.example.com \
    --eim-cert "$dir/pki/eim.pem"
grep -q "addInitialEimError" "$dir/err" || fail "second AddInitialEim: $(cat "$dir/err")"
printf 'not a journal' >"$dir/bad-journal"
expect_status 1 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --once \
    --journal "$dir/bad-journal"
grep -q "AW_ERR_IPA_JOURNAL" "$dir/err" || fail "malformed journal not reported"
[ "$(cat "$dir/bad-journal")" = "not a journal" ] || fail "malformed journal overwritten"

# the packages, once
expect_status 0 "$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --once \
    --journal "$dir/journal"
grep -q "^eUICC data request, 1 delivered" "$dir/out" || fail "data request: $(cat "$dir/out")"
grep -q "^download trigger, 1 delivered" "$dir/out" || fail "trigger: $(cat "$dir/out")"
grep -q "^eUICC package, 1 delivered, 1 acknowledged" "$dir/out" ||
    fail "eUICC package: $(cat "$dir/out")"
tail -n 1 "$dir/out" | grep -q "^no package" || fail "no final 'no package'"
[ -f "$dir/journal" ] || fail "no journal written"
expect_status 0 "$eim" results --db "$db" "$eid"
grep -q "package 1 IPA eUICC data done" "$dir/out" || fail "eIM results: $(cat "$dir/out")"
grep -q "package 2 download trigger failed" "$dir/out" || fail "eIM results: $(cat "$dir/out")"
grep -q "package 3 counterValue 1 done" "$dir/out" || fail "eIM results: $(cat "$dir/out")"

# without --once: polls until SIGTERM, then exits 0
"$ipa" $s poll --eim "$url" --ca "$dir/pki/ci.pem" --interval 60 \
    --journal "$dir/journal" >"$dir/poll.out" 2>"$dir/poll.err" &
poll_pid=$!
for _ in $(seq 1 100); do
    grep -q "no package" "$dir/poll.out" && break
    sleep 0.1
done
grep -q "no package" "$dir/poll.out" || fail "the long poll did not poll"
kill -TERM "$poll_pid"
wait "$poll_pid"
status=$?
poll_pid=
[ "$status" -eq 0 ] || { fail "poll exit $status after SIGTERM"; cat "$dir/poll.err"; }

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-ipa poll CLI tests passed"
