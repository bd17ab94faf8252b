#!/bin/sh
# airwritectl's API commands against airwrite-platform serve (a process on
# loopback with a certificate made by the openssl command): token (issued,
# cached at mode 0600, refreshed when the cache says it expired, renewed
# when the platform refuses it), order submit / get / items / watch /
# cancel / retry, cards get / history / find, dead-letters list / replay,
# callbacks register / list / delete,
# --json everywhere, and the
# refusals with their exit statuses: usage (2), bad secret (14), unknown
# order (10), conflicts (10, 12), 429 waited out and beyond --max-wait (15),
# no server or an untrusted one (16), watch timeout (4) and a cancelled
# order's watch (3). The secret never appears in any output.
#   test_airwritectl_api.sh AIRWRITECTL AIRWRITE_PLATFORM AIRWRITECTL_SCOPE
set -eu
ctl=$1
platform=$2
scope=$3
for tool in openssl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: the $tool command is not installed"
        exit 77
    fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/aw-ctl-api.XXXXXX")
pid=""
watch_pid=""
cleanup() {
    [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
db="sqlite:$work/platform.db"
# free_port (it keeps the ports it gave in $dir)
dir=$work
. "$AW_SOURCE_ROOT/scripts/platform-lib.sh"

fail() {
    echo "FAIL: $*"
    [ -f "$work/out" ] && { echo "-- output:"; cat "$work/out"; }
    [ -f "$work/serve.log" ] && { echo "-- server:"; cat "$work/serve.log"; }
    exit 1
}

# expect STATUS PATTERN CMD...: run CMD (stdout to $work/out, stderr to
# $work/err), check the exit status and that stdout+stderr contain PATTERN
# (a fixed string; "" for any).
expect() {
    want=$1
    pattern=$2
    shift 2
    status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    cat "$work/err" >>"$work/all.err"
    [ "$status" -eq "$want" ] || { cat "$work/err"; fail "exit $status, expected $want: $*"; }
    [ -z "$pattern" ] || cat "$work/out" "$work/err" | grep -qF -- "$pattern" ||
        { cat "$work/err"; fail "no '$pattern' from: $*"; }
}

# A valid EID (GSMA SGP.29 check digits) from a number.
eid() {
    /usr/bin/python3 -c 'import sys
d = "890490320000%018d" % int(sys.argv[1])
print(d + "%02d" % (98 - int(d + "00") % 97))' "$1"
}

json_get() { # json_get EXPRESSION < JSON: print a Python expression over j
    /usr/bin/python3 -c 'import json, sys
j = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=other -keyout "$work/other.key" -out "$work/other.pem" 2>/dev/null
"$platform" app-create --db "$db" --keys "$work/storage.key" --tenant ctl-test \
    >"$work/create.out"
app_id=$(sed -n 's/^appId: //p' "$work/create.out")
secret=$(sed -n 's/^appSecret: //p' "$work/create.out")
(umask 077 && printf '%s\n' "$secret" >"$work/secret")
"$platform" app-create --db "$db" --keys "$work/storage.key" --tenant ctl-test \
    --rate 1 --burst 1 --quota 0 >"$work/slow.out"
slow_id=$(sed -n 's/^appId: //p' "$work/slow.out")
slow_secret=$(sed -n 's/^appSecret: //p' "$work/slow.out")
"$scope" "$db" ctl-test iot-data

: >"$work/serve.log"
# --credential-cache 0: the 429 case below changes the app's limits from
# another process (airwrite-platform app-limits) and expects them at once.
# A port from free_port, not port 0: the restart below binds it again after
# seconds without a server, when a port of the kernel's ephemeral range may
# have gone to any other process's bind to port 0 or connect()
"$platform" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
    --key "$work/tls.key" --port "$(free_port)" --credential-cache 0 2>"$work/serve.log" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^airwrite-platform: listening on 127.0.0.1 port \([0-9]*\)$/\1/p' "$work/serve.log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "serve exited"
    sleep 0.1
done
[ -n "$port" ] || fail "serve did not start"

# The connection: options for some calls, the environment for the rest.
HOME="$work/home"
mkdir -p "$HOME"
export HOME
unset XDG_CACHE_HOME AIRWRITE_APP_SECRET AIRWRITE_APP_SECRET_FILE AIRWRITE_TOKEN_CACHE || true
url="https://127.0.0.1:$port"
: >"$work/all.err"

# ---- usage and configuration refusals (2) ----
expect 0 "Exit status:" "$ctl" --help
expect 0 "order watch ORDER_ID" "$ctl" --help
expect 2 "unknown command: order" "$ctl" order
expect 2 "missing operand" "$ctl" order get --url "$url"
expect 2 "never taken on the command line" "$ctl" token --secret "$secret"
expect 2 "needs --url, --ca, --app-id" "$ctl" token
expect 2 "unknown option: --bogus" "$ctl" token --bogus
chmod 0644 "$work/secret"
expect 2 "mode 0600" "$ctl" token --url "$url" --ca "$work/tls.pem" --app-id "$app_id" \
    --secret-file "$work/secret"
chmod 0600 "$work/secret"
expect 2 "missing-secret: not found" "$ctl" token --url "$url" --ca "$work/tls.pem" --app-id "$app_id" \
    --secret-file "$work/missing-secret"
(umask 077 && printf '\n' >"$work/empty-secret")
expect 2 "holding the secret on one line" "$ctl" token --url "$url" --ca "$work/tls.pem" \
    --app-id "$app_id" --secret-file "$work/empty-secret"
expect 2 "--max-wait is a number from 0 to 3600" "$ctl" token --url "$url" --ca "$work/tls.pem" \
    --app-id "$app_id" --secret-file "$work/secret" --max-wait -1
expect 2 "--interval is seconds from 0.1 to 3600" "$ctl" order watch ord_x --interval 0
expect 2 "--interval is seconds from 0.1 to 3600" "$ctl" cards enable 89049032123451234512345678901235 \
    8986001234567890123 --wait --interval 0.05
expect 2 "--timeout is a number from 0 to" "$ctl" order watch ord_x --timeout x
expect 2 "--url given twice" "$ctl" token --url "$url" --url "$url"
expect 2 "check --url" "$ctl" token --url "http://127.0.0.1:$port" --ca "$work/tls.pem" \
    --app-id "$app_id" --secret-file "$work/secret"

# ---- token: issued, then cached at the default place, mode 0600 ----
expect 0 "token: valid until" "$ctl" token --url "$url" --ca "$work/tls.pem" \
    --app-id "$app_id" --secret-file "$work/secret"
grep -q "(7[0-9]* s left, issued)" "$work/out" || fail "not issued: $(cat "$work/out")"
grep -qx "tenant: ctl-test" "$work/out" || fail "tenant"
if grep -q "awat_" "$work/out"; then fail "token printed without --show"; fi
cache="$HOME/.cache/airwrite/token-$app_id.json"
[ "$(stat -c %a "$cache")" = 600 ] || fail "token cache not mode 0600"
[ "$(stat -c %a "$HOME/.cache/airwrite")" = 700 ] || fail "cache directory not private"

export AIRWRITE_URL="$url" AIRWRITE_CA_FILE="$work/tls.pem" AIRWRITE_APP_ID="$app_id"
export AIRWRITE_APP_SECRET_FILE="$work/secret"
expect 0 ", cached)" "$ctl" token
expect 0 "accessToken: awat_" "$ctl" token --show
expect 0 "" "$ctl" token --json
[ "$(json_get '"accessToken" in j' <"$work/out")" = False ] || fail "--json showed the token"
[ "$(json_get 'j["source"]' <"$work/out")" = cached ] || fail "--json source"
[ "$(json_get 'j["appId"]' <"$work/out")" = "$app_id" ] || fail "--json appId"
expect 0 "" "$ctl" token --json --show
json_get 'j["accessToken"]' <"$work/out" | grep -Eq '^awat_[0-9a-f]{64}$' || fail "--show --json"

# the cache says the token expired: refreshed (the secret is not needed)
/usr/bin/python3 - "$cache" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    j = json.load(f)
j["accessExpiresAt"] = 0
with open(sys.argv[1], "w") as f:
    json.dump(j, f)
EOF
expect 0 ", refreshed)" "$ctl" token
[ "$(stat -c %a "$cache")" = 600 ] || fail "refreshed cache not mode 0600"

# a token the platform refuses though the cache calls it valid (its pair was
# replaced by a refresh elsewhere): renewed, a new pair issued
cp "$cache" "$work/stale.json"
expect 0 ", refreshed)" "$ctl" token --new
expect 0 ", issued)" "$ctl" token --token-cache "$work/stale.json"

# the secret in the environment; the wrong one (14: authentication)
expect 0 "token: valid until" env -u AIRWRITE_APP_SECRET_FILE AIRWRITE_APP_SECRET="$secret" \
    "$ctl" token --no-token-cache
wrong=$(printf '%s' "$secret" | tr '0-9a-f' '1-9a-f0')
expect 14 "I2004 signature does not verify (HTTP 401, requestId " \
    env -u AIRWRITE_APP_SECRET_FILE AIRWRITE_APP_SECRET="$wrong" "$ctl" token --no-token-cache
expect 14 "" env -u AIRWRITE_APP_SECRET_FILE AIRWRITE_APP_SECRET="$wrong" \
    "$ctl" token --no-token-cache --json
[ "$(json_get 'j["code"]' <"$work/out")" = I2004 ] || fail "--json error body"

# no answer, an untrusted server (16)
expect 16 "AW_ERR_HTTP_CONNECT" "$ctl" token --url https://127.0.0.1:1 --no-token-cache
expect 16 "AW_ERR_HTTP_CERTIFICATE" "$ctl" token --ca "$work/other.pem" --no-token-cache

# ---- orders ----
e1=$(eid 1)
e2=$(eid 2)
e3=$(eid 3)
printf 'eid\n%s\n%s\n%s\n' "$e1" "$e2" "$e3" >"$work/batch.csv"
expect 0 "" "$ctl" order submit --csv "$work/batch.csv" --profile-type iot-data \
    --idempotency-key batch-1
order=$(cat "$work/out")
echo "$order" | grep -Eqx 'ord_[0-9a-f]{24}' || fail "order id: $order"
expect 0 "Idempotent-Replayed" "$ctl" order submit --csv "$work/batch.csv" \
    --profile-type iot-data --idempotency-key batch-1
[ "$(cat "$work/out")" = "$order" ] || fail "a repeat gave another order"
printf '%s\n' "$e1" >"$work/one.csv"
expect 12 "I4001" "$ctl" order submit --csv "$work/one.csv" --profile-type iot-data \
    --idempotency-key batch-1
printf 'eid\n%s\n123\n%s\n' "$e1" "$e1" >"$work/bad.csv"
expect 10 "line 3: A1001" "$ctl" order submit --csv "$work/bad.csv" --profile-type iot-data
grep -qF "line 4: A1002" "$work/err" || fail "the second bad line"
expect 2 "one of --profile-type, --number-pool" "$ctl" order submit --csv "$work/batch.csv"
expect 2 "one of --profile-type, --number-pool" "$ctl" order submit --csv "$work/batch.csv" \
    --profile-type a --number-pool b
expect 2 "AW_ERR_NOT_FOUND" "$ctl" order submit --csv "$work/missing.csv" --profile-type a
expect 0 "" "$ctl" order submit --csv "$work/one.csv" --profile-type iot-data --json
[ "$(json_get 'j["profileType"]' <"$work/out")" = iot-data ] || fail "submit --json"
[ "$(json_get 'j["itemCount"]' <"$work/out")" = 1 ] || fail "submit --json count"
# a number pool the tenant does not have (the target reached the platform)
expect 10 "A4003" "$ctl" order submit --csv "$work/one.csv" --number-pool pool-1

expect 0 "items: 3 (pending 3, in progress 0, written 0, failed 0, cancelled 0)" \
    "$ctl" order get "$order"
grep -qx "status: accepted" "$work/out" || fail "order get status"
grep -qx "profileType: iot-data" "$work/out" || fail "order get target"
grep -qx "idempotencyKey: batch-1" "$work/out" || fail "order get key"
expect 0 "" "$ctl" order get "$order" --json
[ "$(json_get 'j["orderId"]' <"$work/out")" = "$order" ] || fail "get --json"
expect 10 "A2001" "$ctl" order get ord_000000000000000000000000
expect 10 "A2001" "$ctl" order get "../../ping"

expect 0 "3 items" "$ctl" order items "$order"
grep -qx "$e2 pending line 3" "$work/out" || fail "items line"
expect 0 "3 items" "$ctl" order items "$order" --status pending
expect 0 "0 items" "$ctl" order items "$order" --status written
expect 12 "I1002" "$ctl" order items "$order" --status bogus
expect 0 "" "$ctl" order items "$order" --json
[ "$(json_get 'len(j["items"])' <"$work/out")" = 3 ] || fail "items --json"

# order list: the newest first, --limit, the platform's and the local checks
expect 0 "1 order" "$ctl" order list --limit 1
expect 0 "" "$ctl" order list --status accepted --json
json_get 'j["orders"][-1]["orderId"]' <"$work/out" | grep -qx "$order" || fail "list --json"
expect 12 "I1002" "$ctl" order list --status bogus
expect 2 "--limit is 1..200" "$ctl" order list --limit 201

# watch: never finishing (4), then finished by a cancel (3)
expect 4 "not finished after 1 s" "$ctl" order watch "$order" --interval 0.3 --timeout 1
grep -q "s accepted: 0/3 done, written 0, failed 0, pending 3" "$work/out" ||
    fail "watch plain line"
"$ctl" order watch "$order" --interval 0.2 --timeout 60 >"$work/watch.out" 2>&1 &
watch_pid=$!
sleep 1
expect 0 "status: cancelled" "$ctl" order cancel "$order"
grep -q "cancelled 3)" "$work/out" || fail "cancel counts"
status=0
wait "$watch_pid" || status=$?
watch_pid=""
[ "$status" -eq 3 ] || { cat "$work/watch.out"; fail "watch exit $status after the cancel"; }
grep -q "order $order cancelled: 0 written, 0 failed, 3 cancelled of 3 in" "$work/watch.out" ||
    fail "watch summary: $(cat "$work/watch.out")"
expect 10 "A2002" "$ctl" order cancel "$order"
expect 10 "A2002" "$ctl" order retry "$order"
expect 3 "" "$ctl" order watch "$order" --json
[ "$(json_get 'j["status"]' <"$work/out")" = cancelled ] || fail "watch --json"
# on a terminal (script(1) gives it one): the bar, redrawn with CR, cleared
# to the end of the line; all cancelled: '-' cells only
if command -v script >/dev/null 2>&1; then
    status=0
    script -qec "stty cols 100 2>/dev/null; '$ctl' order watch $order" /dev/null \
        >"$work/tty.out" 2>&1 </dev/null || status=$?
    [ "$status" -eq 3 ] || { cat "$work/tty.out"; fail "watch on a terminal: exit $status"; }
    tr -d '\n' <"$work/tty.out" | grep -q "$(printf '\r')\[-*\] 3/3 written 0 failed 0 pending 0 cancelled 3 0\.0/s ETA 0:00$(printf '\033')\[K" ||
        { od -c "$work/tty.out" | head -20; fail "no progress bar on the terminal"; }
    bar=$(tr '\r' '\n' <"$work/tty.out" | sed -n 's/^\(\[-*\]\) 3\/3.*/\1/p' | head -1)
    line=$(tr '\r' '\n' <"$work/tty.out" | grep "^\[-*\] 3/3" | head -1 | sed 's/\x1b\[K.*//')
    [ "${#line}" -eq 99 ] || fail "the bar is ${#line} columns, not 99 of 100: $line"
    [ -n "$bar" ] || fail "no bar"
fi

# watch outlives a platform restart (no answer: polls again); without a
# platform for 30 polls in a row it gives up (16)
expect 0 "" "$ctl" order submit --csv "$work/one.csv" --profile-type iot-data
order2=$(cat "$work/out")
"$ctl" order watch "$order2" --interval 0.5 --timeout 120 >"$work/watch2.out" \
    2>"$work/watch2.err" &
watch_pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid" || fail "serve exit status at the restart"
pid=""
expect 16 "polling again (30/30)" "$ctl" order watch "$order2" --interval 0.1
grep -qF "AW_ERR_HTTP_CONNECT" "$work/err" || fail "the last outage not reported"
: >"$work/serve.log"
"$platform" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
    --key "$work/tls.key" --port "$port" --credential-cache 0 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on 127.0.0.1 port $port" "$work/serve.log" && break
    kill -0 "$pid" 2>/dev/null || fail "serve did not restart on port $port"
    sleep 0.1
done
expect 0 "status: cancelled" "$ctl" order cancel "$order2"
status=0
wait "$watch_pid" || status=$?
watch_pid=""
[ "$status" -eq 3 ] || { cat "$work/watch2.err"; fail "watch across the restart: exit $status"; }
grep -q "polling again (1/30)" "$work/watch2.err" || fail "the outage was not reported"
grep -q "order $order2 cancelled: 0 written, 0 failed, 1 cancelled of 1" "$work/watch2.out" ||
    fail "watch across the restart: $(cat "$work/watch2.out")"

# ---- cards (none written yet: the executor writes them) ----
expect 10 "A5001" "$ctl" cards get "$e1"
expect 10 "A5001" "$ctl" cards history "$e1"
expect 0 "0 cards" "$ctl" cards find --msisdn 1440000000001
expect 0 "" "$ctl" cards find --imsi 460001234567890 --json
[ "$(json_get 'j["cards"]' <"$work/out")" = "[]" ] || fail "cards find --json"
expect 12 "I1002" "$ctl" cards find --iccid 123
expect 2 "exactly one of --iccid, --imsi, --msisdn" "$ctl" cards find

# ---- dead letters ----
expect 0 "0 dead letters" "$ctl" dead-letters list
expect 0 "" "$ctl" dead-letters list --json
[ "$(json_get 'j["deadLetters"]' <"$work/out")" = "[]" ] || fail "dead-letters --json"
expect 10 "A3002" "$ctl" dead-letters replay dlv_000000000000000000000000

# ---- callbacks: a secret made by --generate-secret, then the demo's form
# (--secret-file); the id alone on stdout, listed, deleted ----
hook="https://127.0.0.1:1/hook"
events=order.accepted,order.finished,item.written,item.failed
expect 0 "" "$ctl" callbacks register --url "$hook" --generate-secret "$work/hook.secret" \
    --events "$events"
[ "$(stat -c %a "$work/hook.secret")" = 600 ] || fail "generated secret not mode 0600"
expect 0 ": deleted" "$ctl" callbacks delete "$(cat "$work/out")"
expect 0 "" "$ctl" callbacks register --url "$hook" --secret-file "$work/hook.secret" \
    --events "$events"
cb=$(cat "$work/out")
echo "$cb" | grep -Eqx 'cb_[0-9a-f]{24}' || fail "callbacks register printed: $cb"
expect 12 "I4003" "$ctl" callbacks register --url "$hook" --secret-file "$work/hook.secret" \
    --events "$events"
expect 0 "$cb $hook $events created " "$ctl" callbacks list
expect 0 "$cb: deleted" "$ctl" callbacks delete "$cb"
expect 10 "A3001" "$ctl" callbacks delete "$cb"
expect 0 "0 callbacks" "$ctl" callbacks list

# ---- 429: waited out for Retry-After, or beyond --max-wait (15) ----
"$platform" app-limits --db "$db" "$app_id" --rate 60 --burst 1 --quota 0
expect 0 "" "$ctl" order get "$order"
# the 429 from two calls of one process a few ms apart (token --new: the
# token call takes the bucket's one call, its ping waits): two processes,
# as "order get" twice was, let a stall of 1 s between them on a loaded
# machine refill the bucket (60 a minute), and the second went through
# without a 429
expect 0 "retrying in 1 s (Retry-After)" "$ctl" token --new
# the slow app: one call a minute; its token call takes it, the ping waits
# about 60 s, beyond --max-wait 5
slow() {
    env -u AIRWRITE_APP_SECRET_FILE AIRWRITE_APP_ID="$slow_id" AIRWRITE_APP_SECRET="$slow_secret" \
        "$ctl" "$@" --no-token-cache
}
expect 15 "I3001 call rate limit reached (HTTP 429" slow token --max-wait 5
grep -q "Retry-After [1-6][0-9]* s (waited 0 s, bound --max-wait)" "$work/err" ||
    fail "Retry-After not reported"
expect 15 "I3001" slow token --max-wait 0

# the secret never reached any output, nor the token caches
if grep -qF "$secret" "$work/all.err" "$work/out" "$work/watch.out" "$cache" \
        "$work/stale.json"; then
    fail "the secret appeared in the output or a cache"
fi
if grep -qF "$(cat "$work/hook.secret")" "$work/all.err" "$work/out"; then
    fail "the callback's secret appeared in the output"
fi

kill -TERM "$pid"
wait "$pid" || fail "serve exit status"
pid=""
echo "ok"
