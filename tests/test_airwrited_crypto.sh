#!/bin/sh
# airwrited's [crypto] suite (issue 8 商用密码, docs/airwrited.md, docs/keys.md):
# --check-config reports the suite and the OpenSSL's support of it, refuses an
# unknown suite and an audit checkpoint key of the other suite. A domestic
# platform role then records domestic as the default of new apps
# (airwrite-platform app-create without --suite prints "suite: domestic"),
# serves airwritectl signing with AW-HMAC-SM3 (--suite domestic; the default
# international client is refused I7101, an unknown --suite is a usage error),
# and writes an SM3 audit chain with SM2 checkpoints that airwritectl audit
# verify accepts (and refuses with an international key). The app and
# callback secrets then move from the AES key to a new SM4 key with
# airwritectl keys generate --suite domestic and keys rotate while the daemon
# runs (SIGHUP), and the daemon still serves after a restart without the
# AES key. The SM-DP+'s Ki/OPc move to an SM4 key the same way (keys rotate
# --generate --suite domestic), and airwrite-smdp rekey then opens every row
# with the SM4 key alone.
#   test_airwrited_crypto.sh AIRWRITED AIRWRITECTL AIRWRITE_PLATFORM
#                            AIRWRITE_SMDP AIRWRITE_SAIP
set -eu
daemon=$1
ctl=$2
platform=$3
smdp=$4
saip_tool=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/aw-crypto.XXXXXX")
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    [ -n "${AW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$work"/*.log "$work"/out "$work"/err; do
        [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }
    done
    exit 1
}

# expect STATUS PATTERN CMD...: stdout+stderr to $work/out; PATTERN a fixed string.
expect() {
    want=$1
    pattern=$2
    shift 2
    status=0
    "$@" >"$work/out" 2>&1 || status=$?
    [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $*: $(cat "$work/out")"
    [ -z "$pattern" ] || grep -qF -- "$pattern" "$work/out" || fail "no '$pattern' from: $*"
}

state="$work/state"
keys="$work/keys"
db="sqlite:$state/platform.db"
mkdir -m 700 "$keys"
openssl genpkey -algorithm SM2 -out "$work/sm2.key" 2>/dev/null || fail "openssl SM2 key"
openssl pkey -in "$work/sm2.key" -pubout -out "$work/sm2.pub" || fail "openssl SM2 public"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/p256.key" \
    2>/dev/null || fail "openssl P-256 key"
openssl pkey -in "$work/p256.key" -pubout -out "$work/p256.pub" || fail "openssl P-256 public"
chmod 600 "$work/sm2.key" "$work/p256.key"

# conf NAME CRYPTO AUDIT_KEY: $work/NAME.conf, platform role on port 0
conf() {
    {
        printf '[airwrited]\nstate_directory = %s\nshutdown_grace_ms = 200\n' "$state"
        printf '[platform]\nport = 0\nstorage_key = %s\n' "$keys"
        [ -z "$3" ] || printf 'audit_key = %s\naudit_checkpoint_interval = 2\n' "$3"
        [ -z "$2" ] || printf '[crypto]\n%b' "$2"
    } >"$work/$1.conf"
}

# ---- --check-config ---------------------------------------------------------------
expect 0 "key 1 created" "$ctl" keys generate --key-dir "$keys"
conf default "" ""
expect 0 "ok   crypto suite international: new apps sign AW-HMAC-SHA256, audit chain SHA-256" \
    "$daemon" --config "$work/default.conf" --role platform --check-config
conf domestic "suite = domestic\n" "$work/sm2.key"
expect 0 "ok   crypto suite domestic: new apps sign AW-HMAC-SM3, audit chain SM3, firmware signatures SM2 with SM3" \
    "$daemon" --config "$work/domestic.conf" --role platform --check-config
grep -q "openssl: hash yes, hmac yes, signature yes, cipher yes" "$work/out" ||
    fail "support not reported: $(cat "$work/out")"
grep -q "ok   platform audit key $work/sm2.key (domestic" "$work/out" ||
    fail "audit key: $(cat "$work/out")"
conf bad "suite = sm\n" ""
expect 1 "bad.conf:8: [crypto] suite:" "$daemon" --config "$work/bad.conf" --role platform \
    --check-config
grep -q AW_ERR_CONFIG_VALUE "$work/out" || fail "bad suite: $(cat "$work/out")"
conf unknown "cipher = sm4\n" ""
expect 1 "AW_ERR_CONFIG_KEY" "$daemon" --config "$work/unknown.conf" --role platform \
    --check-config
conf mixed "suite = domestic\n" "$work/p256.key"
expect 1 "is a key of the international suite, [crypto] suite is domestic" "$daemon" \
    --config "$work/mixed.conf" --role platform --check-config
# and the start refuses it too
expect 1 "AW_ERR_CONFIG_CONFLICT" "$daemon" --config "$work/mixed.conf" --role platform

# ---- a domestic platform ---------------------------------------------------------
start() {
    : >"$work/daemon.log"
    "$daemon" --config "$work/domestic.conf" --role platform 2>"$work/daemon.log" &
    pid=$!
    for _ in $(seq 1 300); do
        grep -q '"event":"ready"' "$work/daemon.log" && break
        kill -0 "$pid" 2>/dev/null || fail "airwrited exited before ready"
        sleep 0.1
    done
    grep -q '"event":"ready"' "$work/daemon.log" || fail "airwrited not ready"
    port=$(sed -n 's/.*"event":"listening","role":"platform","listener":"api".*"port":\([0-9]*\).*/\1/p' \
        "$work/daemon.log" | tail -n 1)
    [ -n "$port" ] || fail "no platform port logged"
}
stop() {
    kill -TERM "$pid"
    wait "$pid" || fail "airwrited: exit $? after SIGTERM"
    pid=""
}
start
ca="$state/pki/ci.pem"
expect 0 "suite: domestic" "$platform" app-create --db "$db" --keys "1:$keys/1.key" \
    --tenant crypto-test
app_id=$(sed -n 's/^appId: //p' "$work/out")
secret=$(sed -n 's/^appSecret: //p' "$work/out")
(umask 077 && printf '%s\n' "$secret" >"$work/secret")
expect 0 "suite: international" "$platform" app-create --db "$db" --keys "1:$keys/1.key" \
    --tenant crypto-test --suite international
expect 1 "sm: crypto suite: not international or domestic" "$platform" app-create --db "$db" --keys "1:$keys/1.key" \
    --tenant crypto-test --suite sm

api="--url https://127.0.0.1:$port --ca $ca --app-id $app_id --secret-file $work/secret"
# shellcheck disable=SC2086
expect 0 "" "$ctl" token --new --no-token-cache --suite domestic $api
# shellcheck disable=SC2086
AIRWRITE_SUITE=domestic expect 0 "" "$ctl" token --new --no-token-cache $api
# shellcheck disable=SC2086
expect 12 "I7101" "$ctl" token --new --no-token-cache $api
# shellcheck disable=SC2086
expect 2 "--suite must be international or domestic" "$ctl" token --no-token-cache --suite SM3 $api
# a callback (its secret sealed like the app's)
expect 0 "" "$ctl" callbacks register --platform-url "https://127.0.0.1:$port" --ca "$ca" \
    --app-id "$app_id" --app-secret-file "$work/secret" --no-token-cache --suite domestic \
    --url https://127.0.0.1:9/cb --generate-secret "$work/cb.secret" --events order.finished

# ---- the audit chain: SM3 with SM2 checkpoints --------------------------------------
expect 0 "audit log intact (domestic)" "$ctl" audit verify --db "$db" --public-key "$work/sm2.pub"
expect 1 "" "$ctl" audit verify --db "$db" --public-key "$work/p256.pub"
grep -q "TAMPERED (international)" "$work/out" || fail "international verify: $(cat "$work/out")"

# ---- encryption at rest: AES key 1 -> SM4 key 2, no downtime -----------------------------
expect 0 "key 2 created: $keys/2.key (domestic: SM4-GCM)" "$ctl" keys generate --key-dir "$keys" \
    --suite domestic
[ "$(stat -c %s "$keys/2.key")" = 16 ] || fail "key 2 is not an SM4 key"
expect 2 "--suite is international or domestic" "$ctl" keys generate --key-dir "$keys" \
    --suite sm4
expect 2 "--suite names the key --generate makes" "$ctl" keys rotate --key-dir "$keys" \
    --db "$db" --suite domestic
kill -HUP "$pid"
for _ in $(seq 1 100); do
    grep -q '"platform_keys_added":1,"platform_current_key":2' "$work/daemon.log" && break
    sleep 0.1
done
grep -q '"platform_keys_added":1,"platform_current_key":2' "$work/daemon.log" ||
    fail "SIGHUP did not add key 2"
expect 0 "done: every sealed secret is under key 2" "$ctl" keys rotate --key-dir "$keys" \
    --db "$db"
expect 0 "ciphers: 1 AES-256-GCM 2 SM4-GCM" "$ctl" keys status --key-dir "$keys" --db "$db"
grep -q "platform_apps:" "$work/out" && grep -q "  key 2: 2 rows (current)" "$work/out" ||
    fail "status: $(cat "$work/out")"
grep -q "  key 1:" "$work/out" && fail "rows left under key 1: $(cat "$work/out")"
# shellcheck disable=SC2086
expect 0 "" "$ctl" token --new --no-token-cache --suite domestic $api
stop
rm "$keys/1.key"
start
api="--url https://127.0.0.1:$port --ca $ca --app-id $app_id --secret-file $work/secret"
# shellcheck disable=SC2086
expect 0 "" "$ctl" token --new --no-token-cache --suite domestic $api
stop
expect 0 "audit log intact (domestic)" "$ctl" audit verify --db "$db" --public-key "$work/sm2.pub"

# ---- the SM-DP+'s Ki/OPc: AES key 1 -> SM4 key 2 ----------------------------------------
smdp_keys="$work/smdp-keys"
smdp_db="sqlite:$work/smdp.db"
mkdir -m 700 "$smdp_keys"
expect 0 "" "$saip_tool" build --iccid 8988211000000012347 --imsi 001010000000001 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$work/template.der"
expect 0 "" "$smdp" import-type --db "$smdp_db" iot "$work/template.der"
expect 0 "" "$smdp" add-key --keys "$smdp_keys"
printf 'iccid,imsi,ki,opc\n%s\n%s\n' \
    "8944000000000000019,234150000000001,C0FFEE0000010123456789ABCDEF0123,BADC0DE000001123456789ABCDEF0123" \
    "8944000000000000027,234150000000002,C0FFEE0000020123456789ABCDEF0123,BADC0DE000002123456789ABCDEF0123" \
    >"$work/profiles.csv"
expect 0 "" "$smdp" import --db "$smdp_db" --keys "$smdp_keys" --type iot "$work/profiles.csv"
expect 0 "smdp_profiles: 2 re-encrypted, 0 changed meanwhile, 0 under other keys" \
    "$ctl" keys rotate --key-dir "$smdp_keys" --db "$smdp_db" --generate --suite domestic
grep -q "^key 2 created: $smdp_keys/2.key (domestic: SM4-GCM)$" "$work/out" ||
    fail "rotate --generate --suite domestic: no SM4 key 2"
expect 0 "  key 2: 2 rows (current)" "$ctl" keys status --key-dir "$smdp_keys" --db "$smdp_db"
rm "$smdp_keys/1.key"
expect 0 "" "$smdp" rekey --db "$smdp_db" --keys "$smdp_keys" # every row opens under SM4 key 2
echo "ok"
