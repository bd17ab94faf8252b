#!/bin/sh
# The device's side of card-device locking end to end (docs/device-lock.md):
# airwrite-ipa --device-binding against a real airwrite-euicc --listen, and
# its refusal report over mutual TLS to airwrited's terminal listener
# (POST /terminal/v1/card-refusals, an airwrite extension):
#  - the bound card goes on (eid answered);
#  - another card is refused before any other ES10 function (exit 3), and
#    with --refusal-report the platform takes the report (204);
#  - a report the platform refuses (the certificate names another device:
#    403) fails the command (exit 1); a malformed binding file exits 1;
#    incomplete report options are a usage error (exit 2);
#  - airwrited's [device_lock]: good values and a malformed one (--check-config).
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki, airwrited.
set -u
ipa=$1
euicc=$2
pki_tool=$3
daemon=$4
dir=$(mktemp -d)
card_pid=
daemon_pid=
cleanup() {
    [ -n "$card_pid" ] && kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
    [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in err card.log serve.log; do
        [ -s "$dir/$f" ] && { echo "---- $f"; tail -n 15 "$dir/$f"; }
    done
    exit 1
}
expect_status() {
    want=$1
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
}

card=89049032000000000000000000000163
device=89049032000000000000000000000939
"$pki_tool" init "$dir/pki" --eid $card >/dev/null || fail "airwrite-pki init"
"$pki_tool" device-ca --out "$dir" >/dev/null || fail "airwrite-pki device-ca"
for eid in $device $card; do
    "$pki_tool" device --eid $eid --ca "$dir/device-ca.pem" --out "$dir" >/dev/null ||
        fail "airwrite-pki device $eid"
done
# free_port: below the ephemeral range, never twice (scripts/free-port.sh)
. "$AW_SOURCE_ROOT/scripts/free-port.sh"

# [device_lock] through --check-config
conf() {
    printf '[airwrited]\nstate_directory = %s/state\n[terminal]\ndevice_ca = %s/device-ca.pem\nport = 0\n[platform]\nport = 0\n%b' \
        "$dir" "$dir" "$2" >"$dir/$1.conf"
}
conf good '[device_lock]\nenabled = yes\nlock_on_mismatch = no\n'
"$daemon" --config "$dir/good.conf" --role platform --check-config >"$dir/out" 2>&1 ||
    fail "[device_lock] good: $(cat "$dir/out")"
conf bad '[device_lock]\nenabled = maybe\n'
status=0
"$daemon" --config "$dir/bad.conf" --role platform --check-config >"$dir/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "bad.conf:9: \[device_lock\] enabled:.*AW_ERR_CONFIG_VALUE" "$dir/out" ||
    fail "[device_lock] enabled = maybe: exit $status: $(cat "$dir/out")"
conf key '[device_lock]\nimei = 1\n'
status=0
"$daemon" --config "$dir/key.conf" --role platform --check-config >"$dir/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "AW_ERR_CONFIG_KEY" "$dir/out" || fail "[device_lock] unknown key"

# the platform's terminal listener
: >"$dir/serve.log"
"$daemon" --config "$dir/good.conf" --role platform 2>"$dir/serve.log" &
daemon_pid=$!
for _ in $(seq 1 300); do
    grep -q '"event":"ready"' "$dir/serve.log" && break
    kill -0 "$daemon_pid" 2>/dev/null || fail "airwrited exited before ready"
    sleep 0.1
done
pattern='"event":"listening","role":"platform","listener":"terminal_reports"'
tport=$(sed -n "s/.*$pattern.*\"port\":\([0-9]*\).*/\1/p" "$dir/serve.log" | tail -n 1)
[ -n "$tport" ] || fail "the terminal port is not logged"

# the card
port=$(free_port)
"$euicc" --state "$dir/state-card" --identity "$dir/pki" --listen 127.0.0.1:$port \
    2>"$dir/card.log" &
card_pid=$!
for _ in $(seq 1 100); do
    "$ipa" --socket 127.0.0.1:$port eid >/dev/null 2>&1 && break
    sleep 0.1
done
s="--socket 127.0.0.1:$port"
printf '# this device takes its own card\n%s\n' $card >"$dir/bound.txt"
printf '%s\n' 89049032000000000000000000000260 >"$dir/other.txt"
printf 'not an eid\n' >"$dir/junk.txt"

expect_status 0 "$ipa" $s --device-binding "$dir/bound.txt" eid
[ "$(cat "$dir/out")" = $card ] || fail "bound card: $(cat "$dir/out")"
expect_status 3 "$ipa" $s --device-binding "$dir/other.txt" profiles
grep -q "card $card is not bound to this device: refused" "$dir/err" || fail "refusal message"
[ -s "$dir/out" ] && fail "a refused card was listed: $(cat "$dir/out")"
report="--refusal-report https://127.0.0.1:$tport/terminal/v1/card-refusals --refusal-ca $dir/state/pki/ci.pem"
expect_status 3 "$ipa" $s --device-binding "$dir/other.txt" $report \
    --device-eid $device --refusal-cert "$dir/device-$device.pem" \
    --refusal-key "$dir/device-$device.key.pem" eid
grep -q "card $card refused: reported" "$dir/out" || fail "report: $(cat "$dir/out" "$dir/err")"
# poll with the device's IMEI: refused before the eIM is contacted (none listens there)
expect_status 3 "$ipa" $s --device-binding "$dir/other.txt" $report \
    --device-eid $device --refusal-cert "$dir/device-$device.pem" \
    --refusal-key "$dir/device-$device.key.pem" poll --once --eim https://127.0.0.1:1 \
    --ca "$dir/state/pki/ci.pem" --imei 356938035643809
grep -q "card $card refused: reported" "$dir/out" || fail "poll report: $(cat "$dir/out" "$dir/err")"
# the certificate names another device than --device-eid: 403, exit 1
expect_status 1 "$ipa" $s --device-binding "$dir/other.txt" $report --device-eid $device \
    --refusal-cert "$dir/device-$card.pem" --refusal-key "$dir/device-$card.key.pem" eid
grep -q "HTTP 403" "$dir/err" || fail "403 report: $(cat "$dir/err")"
expect_status 1 "$ipa" $s --device-binding "$dir/junk.txt" eid
grep -q "AW_ERR_DEVICE_BINDING_FILE" "$dir/err" || fail "junk binding file: $(cat "$dir/err")"
expect_status 1 "$ipa" $s --device-binding "$dir/absent.txt" eid
expect_status 2 "$ipa" $s --device-binding "$dir/other.txt" --device-eid $device eid
expect_status 2 "$ipa" $s --refusal-report https://127.0.0.1:1/x eid
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "airwrited exit after SIGTERM"
daemon_pid=
echo ok
