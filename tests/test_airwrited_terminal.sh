#!/bin/sh
# airwrited's [terminal] section (docs/firmware-update.md, docs/airwrited.md):
# --check-config accepts a device CA and refuses a missing one, a file that is
# no certificate, a bad address, port or key, and a port taken by another
# listener. Then the platform role as a process: its terminal report listener
# takes a device's report over mutual TLS (curl with a device certificate whose
# subject serialNumber is the EID, made with airwrite-pki device): 204 and the
# row stored; 400 for malformed JSON; 403 for a report about another EID; a
# client without a certificate, and one with a certificate of another CA,
# refused in the handshake.
#   test_airwrited_terminal.sh AIRWRITED AIRWRITE_PKI
set -eu
daemon=$1
pki_tool=$2
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    [ -f "$work/serve.log" ] && cat "$work/serve.log"
    exit 1
}

eid=89049032000000000000000000000163
# the device CA and one device certificate (P-256, clientAuth, serialNumber =
# EID) from airwrite-pki; a second CA with a certificate for the same EID,
# which the listener must refuse
"$pki_tool" device-ca --out "$work" >/dev/null || fail "airwrite-pki device-ca"
"$pki_tool" device --eid "$eid" --ca "$work/device-ca.pem" --out "$work" >/dev/null ||
    fail "airwrite-pki device"
cp "$work/device-$eid.pem" "$work/device.pem"
cp "$work/device-$eid.key.pem" "$work/device.key"
mkdir "$work/other"
"$pki_tool" device-ca --out "$work/other" >/dev/null || fail "airwrite-pki device-ca (other)"
"$pki_tool" device --eid "$eid" --ca "$work/other/device-ca.pem" --out "$work/other" \
    >/dev/null || fail "airwrite-pki device (other CA)"
printf 'not a certificate\n' >"$work/junk.pem"

# conf NAME BODY: $work/NAME.conf with the state directory and [terminal] BODY.
conf() {
    printf '[airwrited]\nstate_directory = %s/state\n[terminal]\n%b' "$work" "$2" \
        >"$work/$1.conf"
}

conf good "device_ca = $work/device-ca.pem\n"
"$daemon" --config "$work/good.conf" --role platform --check-config >"$work/good.out" 2>&1 ||
    fail "good [terminal]: $(cat "$work/good.out")"
grep -q "^ok   terminal report listener (device CA $work/device-ca.pem)" "$work/good.out" ||
    fail "good: $(cat "$work/good.out")"
grep -q '^configuration ok' "$work/good.out" || fail "good: $(cat "$work/good.out")"

# bad NAME BODY PATTERN: --check-config exits 1 naming PATTERN.
bad() {
    conf "$1" "$2"
    status=0
    "$daemon" --config "$work/$1.conf" --role platform --check-config >"$work/$1.out" 2>&1 ||
        status=$?
    [ "$status" -eq 1 ] || fail "$1: exit $status: $(cat "$work/$1.out")"
    grep -q -- "$3" "$work/$1.out" || fail "$1: $(cat "$work/$1.out")"
}

bad missing "device_ca = $work/absent.pem\n" "terminal device CA.*absent.pem"
bad junk "device_ca = $work/junk.pem\n" "terminal device CA.*junk.pem"
bad address "device_ca = $work/device-ca.pem\naddress = localhost\n" \
    "address.conf:5: \[terminal\] address:.*AW_ERR_CONFIG_VALUE"
bad port "device_ca = $work/device-ca.pem\nport = 70000\n" \
    "port.conf:5: \[terminal\] port:.*AW_ERR_CONFIG_VALUE"
bad key "device_cert = $work/device-ca.pem\n" \
    "key.conf:4: \[terminal\] device_cert:.*AW_ERR_CONFIG_KEY"
bad conflict "device_ca = $work/device-ca.pem\nport = 8443\n" \
    "conflict.conf:5: \[terminal\] port:.*AW_ERR_CONFIG_CONFLICT"

# ---- the platform role taking reports ---------------------------------------------
conf serve "device_ca = $work/device-ca.pem\nport = 0\n"
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
[ -n "$port" ] || fail "the terminal report port is not logged"
url="https://127.0.0.1:$port/terminal/v1/reports"

# post BODY: the HTTP status of a report sent with the device certificate
post() {
    curl -sS --cacert "$work/state/pki/ci.pem" --cert "$work/device.pem" \
        --key "$work/device.key" -H 'Content-Type: application/json' --data-binary "$1" \
        -o "$work/answer.json" -w '%{http_code}' "$url"
}
report='{"eid":"'$eid'","kind":"firmware_refused","fromVersion":7,"toVersion":6,"module":"AW-SE-01","code":"AW_ERR_FIRMWARE_ROLLBACK","time":"2026-12-01T12:00:00Z"}'
code=$(post "$report") || fail "curl: report"
[ "$code" = 204 ] || fail "report answered $code: $(cat "$work/answer.json")"
code=$(post '{"eid":') || fail "curl: malformed"
[ "$code" = 400 ] || fail "malformed answered $code"
grep -q '"code":"T2102"' "$work/answer.json" || fail "400 body: $(cat "$work/answer.json")"
other='{"eid":"89049032000000000000000000000999","kind":"firmware_refused","fromVersion":7,"code":"AW_ERR_FIRMWARE_DIGEST","time":"2026-12-01T12:00:00Z"}'
code=$(post "$other") || fail "curl: other EID"
[ "$code" = 403 ] || fail "another EID answered $code"
grep -q '"code":"T2101"' "$work/answer.json" || fail "403 body: $(cat "$work/answer.json")"
if curl -sS --cacert "$work/state/pki/ci.pem" --data-binary "$report" -o /dev/null "$url" \
    2>/dev/null; then
    fail "a client without a certificate was served"
fi
# refused by the server in the handshake (not curl failing to load the files: 58)
status=0
curl -sS --cacert "$work/state/pki/ci.pem" --cert "$work/other/device-$eid.pem" \
    --key "$work/other/device-$eid.key.pem" -H 'Content-Type: application/json' \
    --data-binary "$report" -o /dev/null "$url" 2>/dev/null || status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 58 ] ||
    fail "a certificate of another CA: curl exit $status"
rows=$(sqlite3 "$work/state/platform.db" \
    "SELECT COUNT(*) FROM platform_terminal_reports WHERE eid = '$eid' AND code = 'AW_ERR_FIRMWARE_ROLLBACK'")
[ "$rows" = 1 ] || fail "stored reports: $rows"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "exit $status after SIGTERM"
echo "ok"
