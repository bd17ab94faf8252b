#!/bin/sh
# airwrite-platform serve: the /api/v1 server as a process, called by an
# independent client (tests/platform_client.py, Python standard library)
# over HTTPS with a certificate made by the openssl CLI; stopped by SIGTERM.
# The callback worker (--callback-ca) delivers an order's event to the
# client's own HTTPS receiver, which verifies the signature in Python.
#   test_platform_serve.sh AIRWRITE_PLATFORM
set -eu
cli=$1
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
"$cli" app-create --db "$db" --keys "$work/storage.key" --tenant serve-test >"$work/create.out"
app_id=$(sed -n 's/^appId: //p' "$work/create.out")
secret=$(sed -n 's/^appSecret: //p' "$work/create.out")
# the client's order names profile type serve-test: defined, inside the tenant's scope
"$cli" profile-type-set --db "$db" --data serve-test
"$cli" scope-set --db "$db" --tenant serve-test --data

# refusals before serving
if "$cli" serve --db "$db" --keys "$work/missing.key" --cert "$work/tls.pem" \
        --key "$work/tls.key" 2>/dev/null; then fail "served without a storage key"; fi
if "$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/missing.pem" \
        --key "$work/tls.key" 2>/dev/null; then fail "served without a certificate"; fi
if "$cli" serve --db "$db" --keys "$work/storage.key" --port 70000 2>/dev/null; then
    fail "accepted port 70000"
fi

: >"$work/serve.log"
"$cli" serve --db "$db" --keys "$work/storage.key" --cert "$work/tls.pem" \
    --key "$work/tls.key" --port 0 --callback-ca "$work/tls.pem" 2>"$work/serve.log" &
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
    "$app_id" "$secret" "$work/tls.key" || fail "client"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "serve exited with $status after SIGTERM"
grep -q "airwrite-platform: stopped" "$work/serve.log" || fail "no orderly stop"
echo "ok"
