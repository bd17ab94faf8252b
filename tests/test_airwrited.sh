#!/bin/sh
# airwrited (docs/airwrited.md) as a process:
#  1. every role from a generated configuration on ephemeral loopback ports
#     (first start: state directory, test PKI, keys created): the platform
#     answers /api/v1/ping, the eIM ESipa GetEimPackage, the SM-DP+ ES9+
#     InitiateAuthentication, each checked with curl against the PKI's CI;
#     SIGHUP reloads; SIGTERM stops it with exit 0 within a bound;
#  2. one role alone (eim); a second daemon on the same port fails to start;
#  3. the order executor wired to the process's own SM-DP+: ES2+ turned on,
#     the notification endpoint asking for a client certificate;
#  4. --check-config: the good configuration, then one case per error.
# With "postgresql" (run by tests/pg-harness.sh): 1 and the check with the
# three roles sharing the PostgreSQL database of $AW_TEST_POSTGRESQL_URL.
#   test_airwrited.sh AIRWRITED [sqlite|postgresql]
set -eu
daemon=$1
mode=${2:-sqlite}
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    [ -n "${AW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
    exit 1
}

# The port of ROLE's LISTENER from the JSON log FILE.
listening_port() {
    pattern="\"event\":\"listening\",\"role\":\"$2\",\"listener\":\"$3\""
    sed -n "s/.*$pattern.*\"port\":\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# Start airwrited with ARGS, logging to $work/NAME.log; wait for "ready".
start() {
    name=$1
    shift
    : >"$work/$name.log"
    "$daemon" "$@" 2>"$work/$name.log" &
    pid=$!
    for _ in $(seq 1 300); do
        grep -q '"event":"ready"' "$work/$name.log" && return 0
        kill -0 "$pid" 2>/dev/null || fail "$name: airwrited exited before ready"
        sleep 0.1
    done
    fail "$name: not ready within 30 s"
}

# SIGTERM, then exit 0 and "stopped" within 10 s.
stop() {
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "$1: still running 10 s after SIGTERM"
    status=0
    wait "$pid" || status=$?
    pid=""
    [ "$status" -eq 0 ] || fail "$1: exit $status after SIGTERM"
    grep -q '"event":"stopped"' "$work/$1.log" || fail "$1: no orderly stop"
}

state="$work/state"
cat >"$work/all.conf" <<EOF
# every role on ephemeral ports
[airwrited]
state_directory = $state
shutdown_grace_ms = 200

[platform]
port = 0
credential_cache = 500
order_committers = 2

[eim]
port = 0

[smdp]
port = 0
session_lifetime = 3600
EOF
if [ "$mode" = postgresql ]; then
    for section in platform eim smdp; do
        printf '[%s]\nport = 0\ndatabase = %s\n' "$section" "$AW_TEST_POSTGRESQL_URL"
    done >"$work/pg.conf"
    sed '/^\[platform\]/,$d' "$work/all.conf" >"$work/head.conf"
    cat "$work/head.conf" "$work/pg.conf" >"$work/all.conf"
fi

# ---- 1. every role -----------------------------------------------------------
start all --config "$work/all.conf"
[ -f "$state/pki/ci.pem" ] || fail "no test PKI generated"
[ -f "$state/platform.key" ] || fail "no platform storage key"
[ -f "$state/smdp-keys/1.key" ] || fail "no SM-DP+ key ring"
if [ "$mode" = sqlite ]; then
    [ -f "$state/platform.db" ] && [ -f "$state/eim.db" ] && [ -f "$state/smdp.db" ] ||
        fail "a database is missing"
fi
grep -q '"event":"test_pki_generated"' "$work/all.log" || fail "test PKI not logged"
platform=$(listening_port "$work/all.log" platform api)
eim=$(listening_port "$work/all.log" eim esipa)
smdp=$(listening_port "$work/all.log" smdp es9p)
[ -n "$platform" ] && [ -n "$eim" ] && [ -n "$smdp" ] || fail "a role's port is not logged"
ca="$state/pki/ci.pem"

# platform: /api/v1/ping without a token is refused in the API's JSON error model
code=$(curl -sS --cacert "$ca" -o "$work/ping.json" -w '%{http_code}' \
    "https://127.0.0.1:$platform/api/v1/ping") || fail "platform: curl failed"
[ "$code" = 401 ] || fail "platform: ping answered $code"
grep -q '"requestId"' "$work/ping.json" || fail "platform: no JSON error: $(cat "$work/ping.json")"

# eIM: GetEimPackageRequest (SGP.32 6.3.2.1, BF4F { eidValue 5A }) for an EID
printf 'BF4F125A1089049032000000000000000000000163' | xxd -r -p >"$work/get.der"
curl -sS --cacert "$ca" -H 'Content-Type: application/x-gsma-rsp-asn1' -D "$work/eim.headers" \
    -o "$work/eim.der" --data-binary @"$work/get.der" "https://127.0.0.1:$eim/gsma/rsp2/asn1" ||
    fail "eim: curl failed"
grep -qi '^content-type: application/x-gsma-rsp-asn1' "$work/eim.headers" ||
    fail "eim: no ASN.1 answer"
xxd -p "$work/eim.der" | tr -d '\n' | grep -qi '^bf4f' || fail "eim: no GetEimPackageResponse"

# SM-DP+: ES9+ InitiateAuthentication with a short challenge: a Failed status
curl -sS --cacert "$ca" -H 'Content-Type: application/json' \
    -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' -o "$work/es9p.json" \
    -d '{"euiccChallenge":"AAAA"}' \
    "https://127.0.0.1:$smdp/gsma/rsp2/es9plus/initiateAuthentication" || fail "smdp: curl failed"
grep -q '"status": *"Failed"' "$work/es9p.json" || fail "smdp: $(cat "$work/es9p.json")"

# SIGHUP: the SM-DP+ key ring reloaded, the daemon keeps serving
kill -HUP "$pid"
for _ in $(seq 1 50); do
    grep -q '"event":"reloaded"' "$work/all.log" && break
    sleep 0.1
done
grep -q '"event":"reloaded".*"smdp_key_ring":"reloaded"' "$work/all.log" || fail "no reload"
code=$(curl -sS --cacert "$ca" -o /dev/null -w '%{http_code}' \
    "https://127.0.0.1:$platform/api/v1/ping") || fail "platform: gone after SIGHUP"
stop all
# every log line is one JSON object
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
    "$work/all.log" || fail "a log line is not JSON"

if [ "$mode" = postgresql ]; then
    "$daemon" --config "$work/all.conf" --check-config >"$work/check.out" 2>&1 ||
        fail "check on PostgreSQL: $(cat "$work/check.out")"
    [ "$(grep -c 'database postgresql://.*(schema migrated)' "$work/check.out")" = 3 ] ||
        fail "PostgreSQL databases not checked: $(cat "$work/check.out")"
    echo "ok"
    exit 0
fi

# ---- 2. one role alone; the same port twice -----------------------------------
# (as systemd's Type=notify sees it: READY=1, then STOPPING=1 on $NOTIFY_SOCKET)
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
for _ in range(2):
    print(s.recv(256).decode(), flush=True)
' "$work/notify.sock" >"$work/notify.msgs" &
listener=$!
for _ in $(seq 1 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$work/notify.sock" start eim --config "$work/all.conf" --role eim
unset NOTIFY_SOCKET # (an assignment before a function call may stay)
grep -q '"role":"platform"' "$work/eim.log" && fail "eim alone started the platform"
grep -q '"role":"smdp"' "$work/eim.log" && fail "eim alone started the SM-DP+"
eim=$(listening_port "$work/eim.log" eim esipa)
[ -n "$eim" ] || fail "eim alone: no port"
first=$pid
cat >"$work/busy.conf" <<EOF
[airwrited]
state_directory = $state
roles = eim
[eim]
port = $eim
EOF
status=0
"$daemon" --config "$work/busy.conf" 2>"$work/busy.log" || status=$?
[ "$status" -eq 1 ] || fail "a second eIM on port $eim: exit $status"
grep -q 'AW_ERR_HTTP_BIND' "$work/busy.log" || fail "busy port: $(cat "$work/busy.log")"
pid=$first
stop eim
wait "$listener" || fail "sd_notify: $(cat "$work/notify.msgs")"
[ "$(cat "$work/notify.msgs")" = "READY=1
STOPPING=1" ] || fail "sd_notify messages: $(cat "$work/notify.msgs")"

# ---- 3. the order executor wired to this process's SM-DP+ ---------------------
notify=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/executor.conf" <<EOF
[airwrited]
state_directory = $state
shutdown_grace_ms = 200
[platform]
port = 0
[eim]
port = 0
[smdp]
port = 0
[executor]
enabled = yes
notify_port = $notify
lease = 30
EOF
"$daemon" --config "$work/executor.conf" --check-config >"$work/executor.out" 2>&1 ||
    fail "check with the executor: $(cat "$work/executor.out")"
grep -q "executor SM-DP+ (this process's smdp role)" "$work/executor.out" ||
    fail "executor not checked: $(cat "$work/executor.out")"
start executor --config "$work/executor.conf"
grep -q '"event":"executor_started".*"lease_s":30' "$work/executor.log" ||
    fail "executor not started with lease = 30: $(grep executor_started "$work/executor.log")"
es2p=$(listening_port "$work/executor.log" smdp es2p)
[ -n "$es2p" ] || fail "SM-DP+ ES2+ not turned on"
# the SM-DP+'s ES2+ takes the executor's client certificate (the platform's)
curl -sS --cacert "$ca" --cert "$state/pki/dptls.pem" --key "$state/pki/dptls.key.pem" \
    -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
    -o "$work/es2p.json" \
    -d '{"header":{"functionRequesterIdentifier":"platform","functionCallIdentifier":"1"},
         "profileType":"none"}' \
    "https://127.0.0.1:$es2p/gsma/rsp2/es2plus/downloadOrder" || fail "ES2+: curl failed"
grep -q '"status": *"Failed"' "$work/es2p.json" || fail "ES2+: $(cat "$work/es2p.json")"
[ "$(listening_port "$work/executor.log" platform es2p_notifications)" = "$notify" ] ||
    fail "notification listener not on port $notify"
# the notification endpoint: mutual TLS (the SM-DP+'s dptls.pem), SGP.22 6.5 answers
url="https://127.0.0.1:$notify/gsma/rsp2/es2plus/handleDownloadProgressInfo"
if curl -sS --cacert "$ca" -H 'Content-Type: application/json' -d '{}' "$url" \
        >/dev/null 2>&1; then
    fail "notification endpoint answered without a client certificate"
fi
curl -sS --cacert "$ca" --cert "$state/pki/dptls.pem" --key "$state/pki/dptls.key.pem" \
    -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
    -o "$work/notify.json" -d '{}' "$url" || fail "notification endpoint: curl failed"
grep -q '"status": *"Failed"' "$work/notify.json" ||
    fail "notification endpoint: $(cat "$work/notify.json")"
stop executor
grep -q '"event":"executor_stopped".*"started":0' "$work/executor.log" ||
    fail "no executor_stopped with its figures: $(tail -n 3 "$work/executor.log")"

# ---- 4. --check-config --------------------------------------------------------
"$daemon" --config "$work/all.conf" --check-config >"$work/check.out" 2>&1 ||
    fail "check of the good configuration: $(cat "$work/check.out")"
grep -q '^configuration ok: platform,eim,smdp$' "$work/check.out" || fail "no summary"
grep -q 'smdp database .*(schema migrated)' "$work/check.out" || fail "database not checked"
# a first start's configuration: nothing there yet, still good
"$daemon" --state-dir "$work/fresh" --check-config >"$work/fresh.out" 2>&1 ||
    fail "check of a first start: $(cat "$work/fresh.out")"
grep -q 'test PKI is generated' "$work/fresh.out" || fail "first start: $(cat "$work/fresh.out")"
[ -e "$work/fresh" ] && fail "--check-config created the state directory"

# expect_error NAME PATTERN [ARGS...]: --check-config with the configuration
# $work/NAME.conf (when written) exits 1 naming PATTERN.
expect_error() {
    name=$1
    pattern=$2
    shift 2
    status=0
    if [ -f "$work/$name.conf" ]; then
        "$daemon" --config "$work/$name.conf" --check-config "$@" >"$work/$name.out" 2>&1 ||
            status=$?
    else
        "$daemon" --check-config "$@" >"$work/$name.out" 2>&1 || status=$?
    fi
    [ "$status" -eq 1 ] || fail "$name: exit $status: $(cat "$work/$name.out")"
    grep -q -- "$pattern" "$work/$name.out" || fail "$name: $(cat "$work/$name.out")"
}

# bad CONTENT (appended to a configuration of this state directory)
bad() {
    printf '[airwrited]\nstate_directory = %s\n%b' "$state" "$2" >"$work/$1.conf"
}

bad syntax '[platform]\nport 8443\n'
expect_error syntax "syntax.conf:4: \[platform\]: .*AW_ERR_CONFIG_SYNTAX"
bad section '[platfrom]\n'
expect_error section "section.conf:3: \[platfrom\]:.*AW_ERR_CONFIG_SECTION"
bad key '[eim]\nprot = 1\n'
expect_error key "key.conf:4: \[eim\] prot:.*AW_ERR_CONFIG_KEY"
bad duplicate '[eim]\nport = 1\nport = 2\n'
expect_error duplicate "duplicate.conf:5: \[eim\] port:.*AW_ERR_CONFIG_DUPLICATE"
bad port '[smdp]\nport = 70000\n'
expect_error port "port.conf:4: \[smdp\] port:.*AW_ERR_CONFIG_VALUE"
bad roles 'roles = platform, sdmp\n'
expect_error roles "roles.conf:3: \[airwrited\] roles:.*AW_ERR_CONFIG_VALUE"
bad address '[platform]\naddress = localhost\n'
expect_error address "address.conf:4: \[platform\] address:.*AW_ERR_CONFIG_VALUE"
bad credential_cache '[platform]\ncredential_cache = 60001\n'
expect_error credential_cache "credential_cache.conf:4: \[platform\] credential_cache:.*AW_ERR_CONFIG_VALUE"
bad order_committers '[platform]\norder_committers = 9\n'
expect_error order_committers "order_committers.conf:4: \[platform\] order_committers:.*AW_ERR_CONFIG_VALUE"
bad smdp_address '[smdp]\nsmdp_address = localhost\n'
expect_error smdp_address "smdp_address.conf:4: \[smdp\] smdp_address:.*AW_ERR_CONFIG_VALUE"
bad url '[eim]\ndatabase = mysql://h/db\n'
expect_error url "url.conf:4: \[eim\] database:.*AW_ERR_CONFIG_VALUE"
bad level 'log_level = loud\n'
expect_error level "level.conf:3: \[airwrited\] log_level:.*AW_ERR_CONFIG_VALUE"
bad dup_section 'pki_directory = pki\n[airwrited]\n'
expect_error dup_section "dup_section.conf:4: \[airwrited\]:.*AW_ERR_CONFIG_DUPLICATE"
bad conflict '[platform]\nport = 9000\n[smdp]\nport = 9000\n'
expect_error conflict "conflict.conf:6: \[smdp\] port:.*AW_ERR_CONFIG_CONFLICT"
bad partner '[smdp]\nes2p_port = 9001\n'
expect_error partner "partner.conf:4: \[smdp\] es2p_port:.*AW_ERR_CONFIG_CONFLICT"
bad route '[eim]\nroute = smdp.example.com=http://x\n'
expect_error route "route.conf:4: \[eim\] route:.*AW_ERR_CONFIG_VALUE"
bad session_lifetime '[smdp]\nsession_lifetime = 0\n'
expect_error session_lifetime "session_lifetime.conf:4: \[smdp\] session_lifetime:.*AW_ERR_CONFIG_VALUE"
bad operator '[smdp]\nnotify_ca = /x\noperator = platform\n'
expect_error operator "operator.conf:5: \[smdp\] operator:.*AW_ERR_CONFIG_VALUE"
expect_error missing_file "AW_ERR_NOT_FOUND" --config "$work/absent.conf"
expect_error flag_role "--role eim,ipa" --state-dir "$state" --role eim,ipa
expect_error flag_state "--state-dir: an absolute path" --state-dir relative
expect_error flag_level "--log-level" --state-dir "$state" --log-level loud
bad certificate "[platform]\ncertificate = $work/absent.pem\n"
expect_error certificate "platform certificate $work/absent.pem"
bad mismatch "[platform]\nkey = $state/pki/eim.key.pem\n"
expect_error mismatch "platform certificate .*AW_ERR_HTTP_TLS_CONFIG"
cp "$state/platform.key" "$work/open.key"
chmod 0644 "$work/open.key"
bad storage "[platform]\nstorage_key = $work/open.key\nstorage_key = $state/platform.key\n"
expect_error storage "platform storage key $work/open.key.*AW_ERR_PLATFORM_KEY_FILE"
bad ca "[platform]\ncallback_ca = $state/platform.key\n"
expect_error ca "platform callback CA"
bad nopki "pki_directory = $work/nopki\ngenerate_test_pki = no\n"
expect_error nopki "PKI $work/nopki: .*AW_ERR_NOT_FOUND"
bad smdp_ring "[smdp]\nkey_ring = $work/empty-ring\n"
mkdir "$work/empty-ring"
expect_error smdp_ring "SM-DP+ key ring $work/empty-ring"
bad database '[platform]\ndatabase = postgresql://airwrite@127.0.0.1:1/airwrite?connect_timeout=2\n'
expect_error database "platform database .*AW_ERR_DB_CONNECTION"

bad executor_alone '[executor]\nenabled = yes\n'
expect_error executor_alone "executor_alone.conf:4: \[executor\] enabled:.*AW_ERR_CONFIG_CONFLICT" \
    --role platform
bad notify_port '[executor]\nenabled = yes\nnotify_port = 0\n'
expect_error notify_port "notify_port.conf:5: \[executor\] notify_port:.*AW_ERR_CONFIG_CONFLICT"
bad executor_url '[executor]\nsmdp_es2p_url = http://smdp\n'
expect_error executor_url "executor_url.conf:4: \[executor\] smdp_es2p_url:.*AW_ERR_CONFIG_VALUE"
bad lease '[executor]\nlease = 0\n'
expect_error lease "lease.conf:4: \[executor\] lease:.*AW_ERR_CONFIG_VALUE"
bad lease_long '[executor]\nlease = 86401\n'
expect_error lease_long "lease_long.conf:4: \[executor\] lease:.*AW_ERR_CONFIG_VALUE"

bad notify_address '[executor]\nnotify_address = ::1x\n'
expect_error notify_address \
    "notify_address.conf:4: \[executor\] notify_address:.*AW_ERR_CONFIG_VALUE"
bad metrics '[smdp]\nmetrics_address = 127.0.0.1\n'
expect_error metrics "metrics.conf:4: \[smdp\] metrics_address:.*AW_ERR_CONFIG_CONFLICT"
# more values of a repeatable key than airwrited keeps (64)
{
    printf '[airwrited]\nstate_directory = %s\n[smdp]\nes2p_ca = %s\n' "$state" "$ca"
    for i in $(seq 1 65); do echo "es2p_allow = CN=operator$i"; done
} >"$work/many.conf"
expect_error many "many.conf:69: \[smdp\] es2p_allow:.*AW_ERR_LIMIT"

printf '[airwrited]\nstate_directory = %s/no/such/state\n' "$work" >"$work/nostate.conf"
expect_error nostate "state directory $work/no/such/state: .*AW_ERR_IO"
mkdir "$work/pki-swapped" "$work/pki-empty"
cp "$state"/pki/*.pem "$work/pki-swapped/"
cp "$state/pki/dppb.key.pem" "$work/pki-swapped/dpauth.key.pem"
bad smdp_pair "roles = smdp\n[smdp]\npki_directory = $work/pki-swapped\n"
expect_error smdp_pair "SM-DP+ certificate $work/pki-swapped/dpauth.pem: .*AW_ERR_HTTP_TLS_CONFIG"
bad smdp_ci "roles = smdp\n[smdp]\npki_directory = $work/pki-empty\n"
expect_error smdp_ci "SM-DP+ CI certificate $work/pki-empty/ci.pem: .*AW_ERR_NOT_FOUND"
bad eim_ci "roles = eim\n[eim]\npki_directory = $work/pki-empty\n"
expect_error eim_ci "eIM CI certificate $work/pki-empty/ci.pem: .*AW_ERR_NOT_FOUND"
bad eim_tls \
    "roles = eim\n[eim]\ncertificate = $state/pki/dptls.pem\nkey = $state/pki/eim.key.pem\n"
expect_error eim_tls "eIM TLS certificate $state/pki/dptls.pem: .*AW_ERR_HTTP_TLS_CONFIG"
bad eim_half "[eim]\ncertificate = $state/pki/dptls.pem\n"
expect_error eim_half "eim_half.conf:4: \[eim\] certificate:.*AW_ERR_CONFIG_CONFLICT"
bad executor_pair "[executor]\nenabled = yes\nkey = $state/pki/eim.key.pem\n"
expect_error executor_pair \
    "executor client certificate $state/pki/dptls.pem: .*AW_ERR_HTTP_TLS_CONFIG"
bad executor_ca "[executor]\nenabled = yes\nnotify_ca = $state/platform.key\n"
expect_error executor_ca "executor notification CA $state/platform.key"
bad executor_eim "[executor]\nenabled = yes
eim_database = postgresql://airwrite@127.0.0.1:1/eim?connect_timeout=2\n"
expect_error executor_eim "executor eim database .*AW_ERR_DB_CONNECTION"

# start-up failures: exit 1 with the cause
: >"$work/afile"
for case in "log_file = $work/afile/airwrited.log|log file $work/afile/airwrited.log" \
        "pki_directory = $work/afile/pki|test PKI $work/afile/pki: .*AW_ERR_IO"; do
    printf '[airwrited]\nstate_directory = %s\n%s\n' "$state" "${case%%|*}" >"$work/start.conf"
    status=0
    "$daemon" --config "$work/start.conf" >"$work/start.out" 2>&1 || status=$?
    [ "$status" -eq 1 ] || fail "start with ${case%%|*}: exit $status"
    grep -q -- "${case#*|}" "$work/start.out" || fail "start: $(cat "$work/start.out")"
done

# usage errors: exit 2
status=0
"$daemon" --bogus >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "unknown flag: exit $status"
echo "ok"
