#!/bin/sh
# eIM Package injection (SGP.32 6.3.2.8 ESipa.TransferEimPackage) with the
# real tools: airwrite-ipa listen (mutual-TLS HTTPS) in front of
# airwrite-euicc --listen over the vpcd socket; airwrite-eim push sends the
# queued packages: a signed eUICC Package (answered inline, verified,
# recorded once, acknowledged back), then a Profile Download Trigger
# (eimPackageReceived; the IPA reports its result to airwrite-eim serve by
# ProvideEimPackageResult); a second push finds nothing; a client without
# a certificate and plain HTTP are refused; usage errors; SIGTERM.
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki, airwrite-eim.
set -u
ipa="$1"
euicc="$2"
pki="$3"
eim="$4"
dir=$(mktemp -d)
card_pid=
eim_pid=
listen_pid=
cleanup() {
    for p in $listen_pid $eim_pid $card_pid; do
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
db="sqlite:$dir/eim.db"
"$pki" init "$dir/pki" --eid $eid >/dev/null || { echo "airwrite-pki init failed"; exit 1; }
p="$dir/pki"

# the card, with the eIM configured
port=$(free_port)
"$euicc" --state "$dir/state" --identity "$p" --listen 127.0.0.1:$port 2>"$dir/card.log" &
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
    --eim-cert "$p/eim.pem"

# the eIM: the eUICC registered, its ESipa server up (trigger results)
cert=$(openssl x509 -in "$p/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$p/eum.pem" -outform DER | base64 -w0)
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/batch.csv"
expect_status 0 "$eim" register --db "$db" --eim-id eim.test --pki "$p" "$dir/batch.csv"
# (the trigger's SM-DP+ routed to a closed port: its download fails at once)
closed=$(free_port)
"$eim" serve --pki "$p" --db "$db" --port 0 --route smdp.example.com=https://127.0.0.1:$closed \
    2>"$dir/eim.log" &
eim_pid=$!
eim_port=
for _ in $(seq 1 100); do
    eim_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/eim.log")
    [ -n "$eim_port" ] && break
    sleep 0.1
done
[ -n "$eim_port" ] || { echo "airwrite-eim did not come up"; cat "$dir/eim.log"; exit 1; }

# usage
expect_status 2 "$ipa" $s listen --eim "https://127.0.0.1:$eim_port" --ca "$p/ci.pem"
expect_status 2 "$ipa" $s poll --eim "https://127.0.0.1:$eim_port" --ca "$p/ci.pem" \
    --cert "$p/dptls.pem" --key "$p/dptls.key.pem" --once
expect_status 2 "$eim" push --db "$db" --pki "$p" "$eid"
expect_status 1 "$ipa" $s listen --eim "https://127.0.0.1:$eim_port" --ca "$p/ci.pem" \
    --cert "$p/dptls.pem" --key "$p/dptls.key.pem" --listen nonsense
grep -q "ADDRESS:PORT" "$dir/err" || fail "a bad --listen is not reported: $(cat "$dir/err")"

# the IPA listens (its TLS identity: the test PKI's TLS certificate)
ipa_port=$(free_port)
"$ipa" $s listen --eim "https://127.0.0.1:$eim_port" --ca "$p/ci.pem" --journal "$dir/journal" \
    --cert "$p/dptls.pem" --key "$p/dptls.key.pem" --listen 127.0.0.1:$ipa_port \
    >"$dir/listen.out" 2>"$dir/listen.err" &
listen_pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$dir/listen.out" && break
    sleep 0.1
done
grep -q "listening on 127.0.0.1:$ipa_port" "$dir/listen.out" ||
    { echo "airwrite-ipa listen did not come up"; cat "$dir/listen.out" "$dir/listen.err"; exit 1; }
ipa_url="https://127.0.0.1:$ipa_port"

# a signed eUICC Package (enable of a profile the card lacks, and
# listProfileInfo): answered inline, recorded, acknowledged back
expect_status 0 "$eim" queue --db "$db" --pki "$p" "$eid" enable 8944500000000000014 list-profiles
expect_status 0 "$eim" push --db "$db" --pki "$p" --url "$ipa_url" "$eid"
grep -q "^package 1: euiccPackageResult, recorded, 1 acknowledged$" "$dir/out" ||
    fail "push: $(cat "$dir/out")"
# pushed again: nothing queued, nothing recorded twice
expect_status 0 "$eim" push --db "$db" --pki "$p" --url "$ipa_url" "$eid"
grep -q "^nothing queued" "$dir/out" || fail "second push: $(cat "$dir/out")"

# a trigger: received now, its result later through the eIM's ESipa server
expect_status 0 "$eim" queue --db "$db" "$eid" download '1$smdp.example.com$MATCHING-1'
expect_status 0 "$eim" push --db "$db" --pki "$p" --url "$ipa_url" "$eid"
grep -q "^package 2: eimPackageReceived, result to come" "$dir/out" ||
    fail "trigger push: $(cat "$dir/out")"
delivered=0
for _ in $(seq 1 150); do
    if grep -q "^trigger: result delivered$" "$dir/listen.out"; then
        delivered=1
        break
    fi
    sleep 0.2
done
[ $delivered -eq 1 ] || fail "the trigger's result was not delivered: $(cat "$dir/listen.out")"
# the eIM's records, read once its server has stopped: src/core/db_sqlite.c
# opens and closes the database file before each sqlite3_open_v2, which drops
# the POSIX locks of the server's other connections (SQLite "How To Corrupt
# An SQLite Database File" 2.2), so another process's close deletes the WAL
# the server still writes to and its commits reach the file only when it
# stops
kill -TERM "$eim_pid"
wait "$eim_pid"
eim_pid=
"$eim" results --db "$db" "$eid" >"$dir/results" 2>&1
grep -q "package 2 download trigger failed error code 127" "$dir/results" ||
    fail "the trigger's result is not recorded: $(cat "$dir/results")"
grep -q "package 1 counterValue 1 done seqNumber" "$dir/results" ||
    fail "eIM results: $(cat "$dir/results")"
[ "$(grep -c '^package' "$dir/results")" -eq 2 ] || fail "records: $(cat "$dir/results")"

# the listener's log: the package, the acknowledgements, the trigger
grep -q "^euiccPackageRequest: euiccPackageResult$" "$dir/listen.out" ||
    fail "listener log: $(cat "$dir/listen.out")"
grep -q "^eimAcknowledgements: eimPackageReceived, 1 acknowledged$" "$dir/listen.out" ||
    fail "listener log: $(cat "$dir/listen.out")"
grep -q "^profileDownloadTriggerRequest: eimPackageReceived$" "$dir/listen.out" ||
    fail "listener log: $(cat "$dir/listen.out")"
grep -q "^trigger: result delivered$" "$dir/listen.out" ||
    fail "listener log: $(cat "$dir/listen.out")"

# no client certificate, or no TLS at all: refused before any package
printf '\277\116\005\277\123\002\200\000' >"$dir/acks.der"
if curl -s -o /dev/null --cacert "$p/ci.pem" -H 'Content-Type: application/x-gsma-rsp-asn1' \
    --data-binary @"$dir/acks.der" "$ipa_url/gsma/rsp2/asn1"; then
    fail "a client without a certificate was served"
fi
if curl -s -o /dev/null -H 'Content-Type: application/x-gsma-rsp-asn1' \
    --data-binary @"$dir/acks.der" "http://127.0.0.1:$ipa_port/gsma/rsp2/asn1"; then
    fail "plain HTTP was served"
fi
# with the certificate, a malformed package: eimPackageError invalidPackageFormat (BF4E 03 02 01 01)
printf '\277\116\001\000' >"$dir/bad.der"
curl -s -o "$dir/answer.der" --cacert "$p/ci.pem" --cert "$p/dptls.pem" --key "$p/dptls.key.pem" \
    -H 'Content-Type: application/x-gsma-rsp-asn1' --data-binary @"$dir/bad.der" \
    "$ipa_url/gsma/rsp2/asn1" || fail "curl with the client certificate failed"
[ "$(od -An -tx1 "$dir/answer.der" | tr -d ' \n')" = "bf4e03020101" ] ||
    fail "malformed package answer: $(od -An -tx1 "$dir/answer.der")"

# SIGTERM: the listener stops cleanly
kill -TERM "$listen_pid"
wait "$listen_pid"
status=$?
listen_pid=
[ "$status" -eq 0 ] || { fail "listen exit $status after SIGTERM"; cat "$dir/listen.err"; }

[ "$failures" -eq 0 ] || exit 1
echo "all eIM Package injection CLI tests passed"
