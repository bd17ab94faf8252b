#!/bin/sh
# Key rotation of the secrets sealed at rest without downtime (issue 7,
# docs/keys.md): airwrited (platform role) with a storage key directory
# serves signed API calls of an app (airwritectl token, a new token each
# time: the app secret is opened for every call) in a loop while
#   airwritectl keys generate  -> key 2; SIGHUP: the daemon adds it;
#   airwritectl keys rotate --max-chunks 2  -> interrupted, rows left;
#   airwritectl keys rotate  -> resumed to the end;
# every call succeeds during and after; afterwards no row is under key 1
# (keys status), key 1's file is removed and a restarted daemon still
# serves. The SM-DP+'s Ki/OPc rotate with the same command (airwrite-smdp
# import under key 1, add-key, keys rotate). No secret and no key appears
# in any output or log. Refusals: usage, missing key directory, a database
# with no sealed table.
#   test_airwritectl_keys.sh AIRWRITECTL AIRWRITED AIRWRITE_PLATFORM
#                            AIRWRITE_SMDP AIRWRITE_PKI AIRWRITE_SAIP
set -eu
ctl=$1
daemon=$2
platform=$3
smdp=$4
pki_tool=$5
saip_tool=$6
work=$(mktemp -d "${TMPDIR:-/tmp}/aw-keys.XXXXXX")
pid=""
loop_pid=""
cleanup() {
    [ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null || true
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    [ -n "${AW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$work"/*.log "$work"/out "$work"/err "$work"/calls.err; do
        [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }
    done
    exit 1
}

# expect STATUS PATTERN CMD...: stdout to $work/out, stderr to $work/err,
# both kept in $work/all.out; PATTERN a fixed string ("" for any).
expect() {
    want=$1
    pattern=$2
    shift 2
    status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    cat "$work/out" "$work/err" >>"$work/all.out"
    [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $*"
    [ -z "$pattern" ] || cat "$work/out" "$work/err" | grep -qF -- "$pattern" ||
        fail "no '$pattern' from: $*"
}

start() {
    : >"$work/daemon.log"
    "$daemon" --config "$work/airwrited.conf" --role platform 2>"$work/daemon.log" &
    pid=$!
    for _ in $(seq 1 300); do
        grep -q '"event":"ready"' "$work/daemon.log" && return 0
        kill -0 "$pid" 2>/dev/null || fail "airwrited exited before ready"
        sleep 0.1
    done
    fail "airwrited not ready within 30 s"
}

stop() {
    kill -TERM "$pid"
    wait "$pid" || fail "airwrited: exit $? after SIGTERM"
    pid=""
}

keys="$work/keys"
state="$work/state"
db="sqlite:$state/platform.db"

# ---- usage and refusals -------------------------------------------------------
expect 2 "--key-dir DIR is required" "$ctl" keys rotate --db "$db"
expect 2 "unknown, repeated or incomplete option" "$ctl" keys rotate --key-dir "$keys" --bogus 1
expect 2 "--chunk is a number" "$ctl" keys rotate --key-dir "$keys" --db "$db" --chunk 0
expect 2 "at least one --db" "$ctl" keys rotate --key-dir "$keys"
expect 2 "keys generate takes no --db" "$ctl" keys generate --key-dir "$keys" --db "$db"
expect 2 "--max-chunks is a number" "$ctl" keys rotate --key-dir "$keys" --db "$db" \
    --max-chunks 0
expect 2 "unknown, repeated or incomplete option: --generate" "$ctl" keys status \
    --key-dir "$keys" --generate
expect 2 "unknown, repeated or incomplete option: --key-dir" "$ctl" keys status \
    --key-dir "$keys" --key-dir "$keys"
expect 2 "AW_ERR_NOT_FOUND" "$ctl" keys generate --key-dir "$keys"
expect 2 "AW_ERR_NOT_FOUND" "$ctl" keys status --key-dir "$keys"
mkdir -m 700 "$keys"
expect 2 "AW_ERR_NOT_FOUND" "$ctl" keys status --key-dir "$keys" # no key yet
expect 0 "key 1 created: $keys/1.key" "$ctl" keys generate --key-dir "$keys"
[ "$(stat -c %a "$keys/1.key")" = 600 ] || fail "key 1 is not mode 0600"
expect 2 "AW_ERR_NOT_FOUND" "$ctl" keys status --key-dir "$keys" --db "sqlite:$work/none.db"
: >"$work/empty.db"
expect 2 "holds no platform or SM-DP+ schema" "$ctl" keys status --key-dir "$keys" \
    --db "sqlite:$work/empty.db"

# ---- airwrited serving an app's signed calls ----------------------------------
cat >"$work/airwrited.conf" <<EOF
[airwrited]
state_directory = $state
shutdown_grace_ms = 200

[platform]
port = 0
storage_key = $keys
EOF
expect 0 "ok   platform storage keys" "$daemon" --config "$work/airwrited.conf" --role platform \
    --check-config
start
port=$(sed -n 's/.*"event":"listening","role":"platform","listener":"api".*"port":\([0-9]*\).*/\1/p' \
    "$work/daemon.log" | tail -n 1)
[ -n "$port" ] || fail "no platform port logged"
ca="$state/pki/ci.pem"
for i in $(seq 1 40); do
    "$platform" app-create --db "$db" --keys "1:$keys/1.key" --tenant keys-test \
        --rate 1000000 --burst 100000 --quota 0 >"$work/app$i.out" ||
        fail "app-create $i"
done
app_id=$(sed -n 's/^appId: //p' "$work/app1.out")
secret=$(sed -n 's/^appSecret: //p' "$work/app1.out")
(umask 077 && printf '%s\n' "$secret" >"$work/secret")
api="--url https://127.0.0.1:$port --ca $ca --app-id $app_id --secret-file $work/secret"
expect 0 "" "$ctl" callbacks register --platform-url "https://127.0.0.1:$port" --ca "$ca" \
    --app-id "$app_id" --app-secret-file "$work/secret" --no-token-cache \
    --url https://127.0.0.1:9/cb --generate-secret "$work/cb.secret" --events order.finished
cb_secret=$(cat "$work/cb.secret")
expect 0 "current key 1; keys 1" "$ctl" keys status --key-dir "$keys" --db "$db"
grep -q "platform_apps:" "$work/out" && grep -q "  key 1: 40 rows (current)" "$work/out" ||
    fail "status before: $(cat "$work/out")"

# the app calls all the time: a new token each call, so a secret is opened each call
: >"$work/calls.out"
: >"$work/calls.err"
(
    while [ ! -f "$work/stop" ]; do
        # shellcheck disable=SC2086
        if "$ctl" token $api --no-token-cache --new >>"$work/calls.out" 2>>"$work/calls.err"; then
            echo ok >>"$work/calls.ok"
        else
            echo failed >>"$work/calls.failed"
        fi
    done
) &
loop_pid=$!
calls() { [ -f "$work/calls.ok" ] && wc -l <"$work/calls.ok" || echo 0; }
wait_calls() { # wait_calls N: N more successful calls than now
    target=$(($(calls) + $1))
    for _ in $(seq 1 300); do
        [ "$(calls)" -ge "$target" ] && return 0
        [ -f "$work/calls.failed" ] && fail "a call failed: $(tail -n 3 "$work/calls.err")"
        sleep 0.1
    done
    fail "calls stalled"
}
wait_calls 3

# the next key; the daemon picks it up on SIGHUP
expect 0 "key 2 created" "$ctl" keys generate --key-dir "$keys"
kill -HUP "$pid"
for _ in $(seq 1 100); do
    grep -q '"platform_keys_added":1' "$work/daemon.log" && break
    sleep 0.1
done
grep -q '"event":"reloaded".*"platform_keys":"reloaded","platform_keys_added":1,"platform_current_key":2' \
    "$work/daemon.log" || fail "SIGHUP did not add key 2"
wait_calls 2

# interrupted after two chunks of 8: rows are left under key 1
expect 0 "still under older keys: run airwritectl keys rotate again" \
    "$ctl" keys rotate --key-dir "$keys" --db "$db" --chunk 8 --max-chunks 2
grep -q "re-encrypting under key 2 (2 keys in $keys)" "$work/out" || fail "rotate header"
grep -q "platform_apps: 16 re-encrypted, 0 changed meanwhile, 24 under other keys" "$work/out" ||
    fail "interrupted rotation: $(cat "$work/out")"
expect 0 "  key 1: 24 rows" "$ctl" keys status --key-dir "$keys" --db "$db"
wait_calls 2
# resumed
expect 0 "done: every sealed secret is under key 2" \
    "$ctl" keys rotate --key-dir "$keys" --db "$db" --chunk 8
grep -q "platform_apps: 24 re-encrypted, 0 changed meanwhile, 0 under other keys" "$work/out" ||
    fail "resumed rotation: $(cat "$work/out")"
grep -q "platform_callbacks: 1 re-encrypted, 0 changed meanwhile, 0 under other keys" \
    "$work/out" || fail "callback secret not rotated: $(cat "$work/out")"
grep -q "(chunk 3)" "$work/out" || fail "no progress lines: $(cat "$work/out")"
wait_calls 3
touch "$work/stop"
wait "$loop_pid" || true
loop_pid=""
[ -f "$work/calls.failed" ] && fail "$(wc -l <"$work/calls.failed") calls failed during rotation"
echo "calls during the rotation: $(calls), none failed"

expect 0 "0 rows under other keys than the current one" \
    "$ctl" keys status --key-dir "$keys" --db "$db"
grep -q "  key 1:" "$work/out" && fail "rows left under key 1: $(cat "$work/out")"
grep -q "  key 2: 40 rows (current)" "$work/out" || fail "status after: $(cat "$work/out")"

# key 1 removed: a restarted daemon holds key 2 alone and serves
stop
cp "$work/daemon.log" "$work/daemon-1.log"
rm "$keys/1.key"
start
port=$(sed -n 's/.*"event":"listening","role":"platform","listener":"api".*"port":\([0-9]*\).*/\1/p' \
    "$work/daemon.log" | tail -n 1)
api="--url https://127.0.0.1:$port --ca $ca --app-id $app_id --secret-file $work/secret"
# shellcheck disable=SC2086
expect 0 "" "$ctl" token $api --no-token-cache --new
# shellcheck disable=SC2086
expect 0 "https://127.0.0.1:9/cb" "$ctl" callbacks list $api --no-token-cache
stop

# ---- the SM-DP+'s Ki/OPc ------------------------------------------------------------
smdp_keys="$work/smdp-keys"
smdp_db="sqlite:$work/smdp.db"
mkdir -m 700 "$smdp_keys"
expect 0 "" "$pki_tool" init "$work/pki"
expect 0 "" "$saip_tool" build --iccid 8988211000000012347 --imsi 001010000000001 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$work/template.der"
expect 0 "" "$smdp" import-type --db "$smdp_db" iot "$work/template.der"
expect 0 "" "$smdp" add-key --keys "$smdp_keys"
awk 'BEGIN {
    print "iccid,imsi,ki,opc"
    for (i = 1; i <= 20; i++) {
        base = sprintf("894400000000%06d", i)
        sum = 0
        for (pos = 0; pos < 18; pos++) {
            d = substr(base, 18 - pos, 1) + 0
            if (pos % 2 == 0) { d *= 2; if (d > 9) d -= 9 }
            sum += d
        }
        printf "%s%d,23415%010d,C0FFEE%06d0123456789ABCDEF0123,BADC0DE%06d123456789ABCDEF0123\n",
            base, (10 - sum % 10) % 10, i, i, i
    }
}' >"$work/profiles.csv"
expect 0 "" "$smdp" import --db "$smdp_db" --keys "$smdp_keys" --type iot "$work/profiles.csv"
# --generate: the key and the rotation in one run (no daemon holds this ring)
expect 0 "smdp_profiles: 20 re-encrypted, 0 changed meanwhile, 0 under other keys" \
    "$ctl" keys rotate --key-dir "$smdp_keys" --db "$smdp_db" --chunk 6 --generate
grep -q "^key 2 created: $smdp_keys/2.key$" "$work/out" || fail "rotate --generate: no key 2"
expect 0 "  key 2: 20 rows (current)" "$ctl" keys status --key-dir "$smdp_keys" --db "$smdp_db"
rm "$smdp_keys/1.key"
expect 0 "" "$smdp" rekey --db "$smdp_db" --keys "$smdp_keys" # every row opens under key 2

# ---- no secret and no key in any output or log -------------------------------------------
cat "$work"/daemon*.log "$work/calls.out" "$work/calls.err" >>"$work/all.out"
for s in "$secret" "$cb_secret" "C0FFEE000001" "$(od -An -tx1 "$keys/2.key" | tr -d ' \n')"; do
    grep -qiF -- "$s" "$work/all.out" && fail "a secret appears in the output"
done
echo "ok"
