#!/bin/sh
# The audit log of a serving platform (docs/rbac.md "Audit"): airwrite-platform
# serve --audit-key signs a checkpoint every --audit-interval entries; the
# independent client (tests/platform_client.py) gets a token (recorded
# after the CLI's app.create: a checkpoint over entry 2); airwritectl audit verify with the public key then
# finds the chain intact with checkpoints, and deleting the tail (as the
# database's owner could, dropping the append-only trigger) is found by the
# checkpoint. Also the refusals of a bad --audit-key and --audit-interval.
# With AIRWRITED, the same through airwrited's [platform] audit_key and
# audit_checkpoint_interval, and --check-config of a good and two bad settings.
#   test_platform_audit_serve.sh AIRWRITE_PLATFORM AIRWRITECTL [AIRWRITED]
set -eu
cli=$1
ctl=$2
daemon=${3:-}
for tool in openssl sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: the $tool command is not installed"
        exit 77
    fi
done
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
db="sqlite:$work/platform.db"

fail() {
    echo "FAIL: $*"
    [ -f "$work/serve.log" ] && cat "$work/serve.log"
    exit 1
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/audit.pem" 2>/dev/null
openssl pkey -in "$work/audit.pem" -pubout -out "$work/audit.pub.pem"
"$cli" app-create --db "$db" --keys "$work/storage.key" --tenant audit-test >"$work/create.out"
app_id=$(sed -n 's/^appId: //p' "$work/create.out")
secret=$(sed -n 's/^appSecret: //p' "$work/create.out")

# refusals: a key file that is no private key, an absent one, interval 0
if "$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
        --key "$work/tls.key" --audit-key "$work/audit.pub.pem" 2>"$work/bad.out"; then
    fail "served with a public key as the audit key"
fi
grep -q "audit.pub.pem" "$work/bad.out" || fail "the refusal does not name the file"
if "$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
        --key "$work/tls.key" --audit-key "$work/missing.pem" 2>/dev/null; then
    fail "served with an absent audit key"
fi
if "$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
        --key "$work/tls.key" --audit-key "$work/audit.pem" --audit-interval 0 2>/dev/null; then
    fail "served with audit interval 0"
fi

: >"$work/serve.log"
"$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
    --key "$work/tls.key" --port 0 --audit-key "$work/audit.pem" --audit-interval 2 \
    2>"$work/serve.log" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^airwrite-platform: listening on 127.0.0.1 port \([0-9]*\)$/\1/p' "$work/serve.log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "serve exited"
    sleep 0.1
done
[ -n "$port" ] || fail "serve did not start"
/usr/bin/python3 "$AW_SOURCE_ROOT/tests/platform_client.py" "$port" "$work/tls.pem" \
    "$app_id" "$secret" || fail "client"
kill -TERM "$pid"
wait "$pid" || fail "serve exited with an error after SIGTERM"
pid=""

"$ctl" audit list --db "$db" >"$work/log.jsonl" || fail "audit list"
grep -q '"action":"token.issue","target":"","outcome":"success"' "$work/log.jsonl" ||
    fail "no token.issue record: $(cat "$work/log.jsonl")"
grep -q '"action":"app.create"' "$work/log.jsonl" || fail "no app.create record"
"$ctl" audit verify --db "$db" --public-key "$work/audit.pub.pem" >"$work/verify.out" ||
    fail "verify: $(cat "$work/verify.out")"
cat "$work/verify.out"
grep -q "intact" "$work/verify.out" || fail "not intact"
grep -q " 0 checkpoints" "$work/verify.out" && fail "the server made no checkpoint"

# delete every entry after the first: the checkpoints sign a longer chain
sqlite3 "$work/platform.db" "DROP TRIGGER aw_audit_entry_no_delete;
    DELETE FROM aw_audit_entry WHERE seq > 1;"
if "$ctl" audit verify --db "$db" --public-key "$work/audit.pub.pem" >"$work/verify.out"; then
    fail "verify passed after the tail was deleted"
fi
cat "$work/verify.out"
grep -q "TAMPERED" "$work/verify.out" || fail "no tampering reported"
[ -n "$daemon" ] || { echo "ok"; exit 0; }

# ---- airwrited ------------------------------------------------------------------
state="$work/state"
printf '[airwrited]\nroles = platform\nstate_directory = %s\nshutdown_grace_ms = 200\n[platform]\nport = 0\naudit_key = %s\naudit_checkpoint_interval = 2\n' \
    "$state" "$work/audit.pem" >"$work/d.conf"
"$daemon" --config "$work/d.conf" --check-config >"$work/check.out" 2>&1 ||
    fail "check: $(cat "$work/check.out")"
grep -q "ok   platform audit key .*(international, a checkpoint every 2 entries)" \
    "$work/check.out" || fail "audit key not checked: $(cat "$work/check.out")"
sed "s|^audit_key = .*|audit_key = $work/audit.pub.pem|" "$work/d.conf" >"$work/bad.conf"
if "$daemon" --config "$work/bad.conf" --check-config >"$work/check.out" 2>&1; then
    fail "a public key passed as the audit key"
fi
grep -q "platform audit key" "$work/check.out" || fail "bad key: $(cat "$work/check.out")"
sed "s|^audit_checkpoint_interval = .*|audit_checkpoint_interval = 0|" "$work/d.conf" \
    >"$work/bad.conf"
if "$daemon" --config "$work/bad.conf" --check-config >"$work/check.out" 2>&1; then
    fail "interval 0 passed"
fi
grep -q "audit_checkpoint_interval" "$work/check.out" || fail "interval: $(cat "$work/check.out")"

: >"$work/daemon.log"
"$daemon" --config "$work/d.conf" 2>"$work/daemon.log" &
pid=$!
for _ in $(seq 1 300); do
    grep -q '"event":"ready"' "$work/daemon.log" && break
    kill -0 "$pid" 2>/dev/null || fail "airwrited exited: $(cat "$work/daemon.log")"
    sleep 0.1
done
pattern='"event":"listening","role":"platform","listener":"api"'
port=$(sed -n "s/.*$pattern.*\"port\":\([0-9]*\).*/\1/p" "$work/daemon.log" | tail -n 1)
[ -n "$port" ] || fail "airwrited: no platform port: $(cat "$work/daemon.log")"
ddb="sqlite:$state/platform.db"
"$cli" app-create --db "$ddb" --keys "$state/platform.key" --tenant audit-test >"$work/create.out"
app_id=$(sed -n 's/^appId: //p' "$work/create.out")
secret=$(sed -n 's/^appSecret: //p' "$work/create.out")
/usr/bin/python3 "$AW_SOURCE_ROOT/tests/platform_client.py" "$port" "$state/pki/ci.pem" \
    "$app_id" "$secret" || fail "client of airwrited"
kill -TERM "$pid"
wait "$pid" || fail "airwrited exited with an error after SIGTERM"
pid=""
"$ctl" audit verify --db "$ddb" --public-key "$work/audit.pub.pem" >"$work/verify.out" ||
    fail "verify of airwrited's log: $(cat "$work/verify.out")"
cat "$work/verify.out"
grep -q " 1 checkpoints" "$work/verify.out" || fail "airwrited made no checkpoint"
echo "ok"
