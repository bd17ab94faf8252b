#!/bin/sh
# Encrypted terminal information end to end with the real processes (issue 8,
# docs/terminal-info.md): airwrited's [terminal] info_* keys through
# --check-config (good; every error), then the platform role with
# info_required = yes taking airwrite-ipa terminal-info reports sealed to its
# P-256 (ECIES) and SM2 keys over mutual TLS (device certificate of
# airwrite-pki device): 204, rows stored sealed (the database files hold no
# IMEI); a report sealed to another key refused T3206; a body that is no
# envelope T3202; airwrite-ipa poll --info-* on airwrite-euicc --listen
# against airwrite-eim serve reporting before its ESipa exchange (policy on:
# taken; to another key: refused and the exchange still done); with
# info_required = no the path is not served (404).
#   test_airwrited_terminal_info.sh AIRWRITED AIRWRITE_IPA AIRWRITE_PKI AIRWRITE_EUICC AIRWRITE_EIM
set -eu
daemon=$1
ipa_tool=$2
pki_tool=$3
euicc_tool=$4
eim_tool=$5
work=$(mktemp -d)
pid=""
card_pid=""
eim_pid=""
cleanup() {
    for p in $pid $card_pid $eim_pid; do
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    [ -f "$work/serve.log" ] && cat "$work/serve.log"
    exit 1
}

command -v openssl >/dev/null || { echo "skip: no openssl CLI"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 CLI"; exit 77; }
eid=89049032000000000000000000000163
imei=356938035643809
"$pki_tool" device-ca --out "$work" >/dev/null || fail "airwrite-pki device-ca"
"$pki_tool" device --eid "$eid" --ca "$work/device-ca.pem" --out "$work" >/dev/null ||
    fail "airwrite-pki device"
mkdir -p "$work/state/keys"
# the platform's decryption keys (PKCS#8) and the public keys devices hold
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$work/state/keys/info-p256.pem" 2>/dev/null || fail "openssl P-256"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 \
    -out "$work/state/keys/info-sm2.pem" 2>/dev/null || fail "openssl SM2"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$work/stranger.pem" 2>/dev/null || fail "openssl stranger"
for k in state/keys/info-p256 state/keys/info-sm2 stranger; do
    openssl pkey -in "$work/$k.pem" -pubout -out "$work/$k.pub.pem" 2>/dev/null ||
        fail "openssl pubout $k"
done

# conf NAME BODY: $work/NAME.conf with the state directory and [terminal] BODY.
conf() {
    printf '[airwrited]\nstate_directory = %s/state\n[terminal]\ndevice_ca = %s/device-ca.pem\n%b' \
        "$work" "$work" "$2" >"$work/$1.conf"
}
keys="info_key = 1 international keys/info-p256.pem\ninfo_key = 2 domestic $work/state/keys/info-sm2.pem\n"

conf good "info_required = yes\n$keys"
"$daemon" --config "$work/good.conf" --role platform --check-config >"$work/good.out" 2>&1 ||
    fail "good: $(cat "$work/good.out")"
grep -q "^ok   terminal information key 1 (international) $work/state/keys/info-p256.pem" \
    "$work/good.out" || fail "good: $(cat "$work/good.out")"
grep -q "^ok   terminal information key 2 (domestic)" "$work/good.out" ||
    fail "good: $(cat "$work/good.out")"
grep -q "^ok   terminal information required (freshness 300 s)" "$work/good.out" ||
    fail "good: $(cat "$work/good.out")"

# bad NAME BODY PATTERN: --check-config exits 1 naming PATTERN.
bad() {
    conf "$1" "$2"
    status=0
    "$daemon" --config "$work/$1.conf" --role platform --check-config >"$work/$1.out" 2>&1 ||
        status=$?
    [ "$status" -eq 1 ] || fail "$1: exit $status: $(cat "$work/$1.out")"
    grep -q -- "$3" "$work/$1.out" || fail "$1: $(cat "$work/$1.out")"
}
bad nokey "info_required = yes\n" "nokey.conf:5: \[terminal\] info_required:.*AW_ERR_CONFIG_CONFLICT"
bad form "info_key = one international keys/info-p256.pem\n" \
    "form.conf:5: \[terminal\] info_key:.*AW_ERR_CONFIG_VALUE"
bad suite "info_key = 1 other keys/info-p256.pem\n" "suite.conf:5: \[terminal\] info_key:.*AW_ERR_CONFIG_VALUE"
bad twice "info_key = 1 international keys/info-p256.pem\ninfo_key = 1 domestic keys/info-sm2.pem\n" \
    "twice.conf:6: \[terminal\] info_key:.*AW_ERR_CONFIG_VALUE"
bad many "info_key = 1 international a\ninfo_key = 2 international a\ninfo_key = 3 international a\ninfo_key = 4 international a\ninfo_key = 5 international a\n" \
    "many.conf:9: \[terminal\] info_key:.*AW_ERR_CONFIG_VALUE"
bad freshness "info_freshness = 0\n" "freshness.conf:5: \[terminal\] info_freshness:.*AW_ERR_CONFIG_VALUE"
bad absent "info_key = 3 international keys/absent.pem\n" "info_key 3: .*absent.pem"
bad other "info_key = 1 domestic keys/info-p256.pem\n" "info_key 1: .*info-p256.pem"

# ---- the platform role taking reports ---------------------------------------------
serve() {
    conf serve "port = 0\n$1"
    printf '[platform]\nport = 0\n' >>"$work/serve.conf"
    : >"$work/serve.log"
    "$daemon" --config "$work/serve.conf" --role platform 2>"$work/serve.log" &
    pid=$!
    for _ in $(seq 1 300); do
        grep -q '"event":"ready"' "$work/serve.log" && break
        kill -0 "$pid" 2>/dev/null || fail "airwrited exited before ready"
        sleep 0.1
    done
    grep -q '"event":"ready"' "$work/serve.log" || fail "not ready within 30 s"
    pattern='"event":"listening","role":"platform","listener":"terminal_reports"'
    port=$(sed -n "s/.*$pattern.*\"port\":\([0-9]*\).*/\1/p" "$work/serve.log" | tail -n 1)
    [ -n "$port" ] || fail "the terminal listener's port is not logged"
    url="https://127.0.0.1:$port/terminal/v1/info"
}
stop() {
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    pid=""
    [ "$status" -eq 0 ] || fail "exit $status after SIGTERM"
}
# report PUB SUITE ID: airwrite-ipa terminal-info's exit status, stderr in report.err
report() {
    status=0
    "$ipa_tool" terminal-info --eid "$eid" --info-url "$url" --info-ca "$work/state/pki/ci.pem" \
        --info-cert "$work/device-$eid.pem" --info-key "$work/device-$eid.key.pem" \
        --info-platform-key "$1" --info-suite "$2" --info-key-id "$3" --imei "$imei" \
        --module-firmware EC25EFAR06A06M4G --rssi 20 --location 31.2304,121.4737,8 \
        2>"$work/report.err" || status=$?
    return 0
}

serve "info_required = yes\n$keys"
report "$work/state/keys/info-p256.pub.pem" international 1
[ "$status" -eq 0 ] || fail "international report: $(cat "$work/report.err")"
report "$work/state/keys/info-sm2.pub.pem" domestic 2
[ "$status" -eq 0 ] || fail "domestic report: $(cat "$work/report.err")"
report "$work/stranger.pub.pem" international 1
[ "$status" -eq 1 ] || fail "a report to another key: exit $status"
grep -q "answered 400 T3206" "$work/report.err" || fail "another key: $(cat "$work/report.err")"
code=$(curl -sS --cacert "$work/state/pki/ci.pem" --cert "$work/device-$eid.pem" \
    --key "$work/device-$eid.key.pem" -H 'Content-Type: application/octet-stream' \
    --data-binary 'not an envelope' -o "$work/answer.json" -w '%{http_code}' "$url") ||
    fail "curl: junk"
[ "$code" = 400 ] || fail "junk answered $code"
grep -q '"code":"T3202"' "$work/answer.json" || fail "junk: $(cat "$work/answer.json")"

# ---- airwrite-ipa poll: the report before each ESipa exchange ---------------------
"$pki_tool" init "$work/rsp" --eid "$eid" >/dev/null || fail "airwrite-pki init"
# free_port: below the ephemeral range, never twice (scripts/free-port.sh)
. "$AW_SOURCE_ROOT/scripts/free-port.sh"
card_port=$(free_port "$work/ports")
"$euicc_tool" --state "$work/card" --identity "$work/rsp" --listen "127.0.0.1:$card_port" \
    2>"$work/card.log" &
card_pid=$!
for _ in $(seq 1 100); do
    "$ipa_tool" --socket "127.0.0.1:$card_port" eid >/dev/null 2>&1 && break
    sleep 0.1
done
card="--socket 127.0.0.1:$card_port"
eim_db="sqlite:$work/eim.db"
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' "$eid" \
    "$(openssl x509 -in "$work/rsp/euicc.pem" -outform DER | base64 -w0)" \
    "$(openssl x509 -in "$work/rsp/eum.pem" -outform DER | base64 -w0)" >"$work/batch.csv"
"$eim_tool" register --db "$eim_db" --eim-id eim.test --pki "$work/rsp" "$work/batch.csv" \
    >/dev/null || fail "airwrite-eim register"
# the log exists before the server starts: the wait's sed reads it at once
# (set -e: a missing file, the background job not yet started, ended the test)
: >"$work/eim.log"
"$eim_tool" serve --pki "$work/rsp" --db "$eim_db" --port 0 2>"$work/eim.log" &
eim_pid=$!
eim_port=""
for _ in $(seq 1 100); do
    eim_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$work/eim.log")
    [ -n "$eim_port" ] && break
    sleep 0.1
done
[ -n "$eim_port" ] || fail "airwrite-eim did not come up: $(cat "$work/eim.log")"
# shellcheck disable=SC2086
"$ipa_tool" $card add-initial-eim --eim-id eim.test --eim-fqdn eim.example.com \
    --eim-cert "$work/rsp/eim.pem" >/dev/null 2>&1 || fail "add-initial-eim"
# poll PUB SUITE ID: one cycle with the report; exit status in status
poll() {
    status=0
    # shellcheck disable=SC2086
    "$ipa_tool" $card poll --eim "https://127.0.0.1:$eim_port" --ca "$work/rsp/ci.pem" --once \
        --info-url "$url" --info-ca "$work/state/pki/ci.pem" --info-cert "$work/device-$eid.pem" \
        --info-key "$work/device-$eid.key.pem" --info-platform-key "$1" --info-suite "$2" \
        --info-key-id "$3" --imei "$imei" --cell 460,00,6699,27054532 \
        >"$work/poll.out" 2>"$work/poll.err" || status=$?
}
poll "$work/state/keys/info-sm2.pub.pem" domestic 2
[ "$status" -eq 0 ] || fail "poll: exit $status: $(cat "$work/poll.err")"
grep -q "^terminal information taken" "$work/poll.out" || fail "poll: $(cat "$work/poll.out")"
tail -n 1 "$work/poll.out" | grep -q "^no package" || fail "poll: no exchange: $(cat "$work/poll.out")"
poll "$work/stranger.pub.pem" international 1
[ "$status" -eq 0 ] || fail "poll (refused report): exit $status: $(cat "$work/poll.err")"
grep -q "the platform answered 400 T3206" "$work/poll.err" || fail "poll: $(cat "$work/poll.err")"
tail -n 1 "$work/poll.out" | grep -q "^no package" || fail "poll: no exchange after a refusal"
stop
rows=$(sqlite3 "$work/state/platform.db" \
    "SELECT COUNT(*) FROM platform_terminal_info WHERE eid = '$eid'")
[ "$rows" = 3 ] || fail "stored records: $rows"
suites=$(sqlite3 "$work/state/platform.db" \
    "SELECT group_concat(suite, ',') FROM (SELECT suite FROM platform_terminal_info ORDER BY id)")
[ "$suites" = "international,domestic,domestic" ] || fail "stored suites: $suites"
for f in "$work/state/platform.db" "$work/state/platform.db-wal"; do
    [ -f "$f" ] || continue
    if grep -q "$imei" "$f"; then fail "$f holds the IMEI in clear"; fi
done

# ---- policy off: nothing served, nothing stored ------------------------------------
serve ""
report "$work/state/keys/info-p256.pub.pem" international 1
[ "$status" -eq 1 ] || fail "policy off: exit $status"
grep -q "answered 404" "$work/report.err" || fail "policy off: $(cat "$work/report.err")"
stop
rows=$(sqlite3 "$work/state/platform.db" "SELECT COUNT(*) FROM platform_terminal_info")
[ "$rows" = 3 ] || fail "policy off stored: $rows"
echo "ok"
