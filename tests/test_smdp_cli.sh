#!/bin/sh
# airwrite-smdp command-line tests: import-type, import, order (ES2+ on the
# database), serve (ES9+ answers over HTTPS with the PKI of airwrite-pki
# init; clean exit on SIGTERM), usage and error exits.
# Arguments: airwrite-smdp, airwrite-pki, airwrite-saip executables.
set -u
tool="$1"
pki_tool="$2"
saip_tool="$3"
dir=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect_status WANT command... : run and compare the exit status
expect_status() {
    want="$1"
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/err"; }
}

db="sqlite:$dir/smdp.db"
keys="$dir/storage.key"

expect_status 0 "$tool" --help
grep -q "airwrite-smdp serve" "$dir/out" || fail "--help shows no usage"
expect_status 2 "$tool"
expect_status 2 "$tool" frobnicate
expect_status 2 "$tool" serve --db "$db"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --port 70000
expect_status 2 "$tool" import --db "$dir/x" --keys "$keys" batch.csv
expect_status 2 "$tool" order --db "$db"
expect_status 2 "$tool" import-type --db "$db" --class gold t "$dir/t.der"

expect_status 0 "$pki_tool" init "$dir/pki"
expect_status 0 "$saip_tool" build --iccid 8988211000000012347 --imsi 001010000000001 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der"

expect_status 0 "$tool" import-type --db "$db" --provider Airwrite iot "$dir/template.der"
expect_status 1 "$tool" import-type --db "$db" iot "$dir/template.der"   # repeated
expect_status 1 "$tool" import-type --db "$db" other "$dir/missing.der"

printf 'iccid,imsi,ki,opc\n8944000000000120015,234150999999999,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n' \
    >"$dir/batch.csv"
printf 'iccid,imsi,ki,opc\n8944000000000120016,234150999999998,5A,A5\n' >"$dir/bad.csv"
expect_status 1 "$tool" import --db "$db" --keys "$keys" --type iot "$dir/bad.csv"
grep -q "line 2, record 1" "$dir/err" || fail "import error gives no position"
expect_status 0 "$tool" import --db "$db" --keys "$keys" --type iot "$dir/batch.csv"
grep -q "imported 1 profiles of type iot" "$dir/out" || fail "import count"
[ "$(stat -c %a "$keys")" = 600 ] || fail "storage key not 0600"
grep -q ZZZZZZZZZZZZZZZZ "$dir/smdp.db" && fail "Ki in clear in the database"

expect_status 1 "$tool" order --db "$db" --iccid 8944000000000120023
grep -q "DownloadOrder failed" "$dir/err" || fail "unknown ICCID not refused"
expect_status 0 "$tool" order --db "$db" --iccid 8944000000000120015 --matching-id CLI-0001 \
    --release
grep -q "matching-id CLI-0001" "$dir/out" || fail "order shows no matching id"
grep -q "state released" "$dir/out" || fail "order not released"

# serve: missing credentials fail; a running server answers ES9+ JSON
expect_status 1 "$tool" serve --pki "$dir/none" --db "$db" --keys "$keys"
"$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --port 0 \
    --smdp-address smdp.example.com 2>"$dir/serve.err" &
server=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/serve.err")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    fail "serve did not start"
    cat "$dir/serve.err"
else
    curl -sS --cacert "$dir/pki/ci.pem" -H 'Content-Type: application/json' \
        -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' -D "$dir/headers" -o "$dir/body" \
        -d '{"euiccChallenge":"AAAA"}' \
        "https://127.0.0.1:$port/gsma/rsp2/es9plus/initiateAuthentication" ||
        fail "curl to the server failed"
    grep -q '"status": *"Failed"' "$dir/body" || fail "no Failed status: $(cat "$dir/body")"
    grep -qi '^x-admin-protocol: gsma/rsp/v2.2.0' "$dir/headers" || fail "no X-Admin-Protocol"
    grep -qi '^content-type: application/json;charset=UTF-8' "$dir/headers" ||
        fail "no JSON content type"
    kill -TERM "$server"
    wait "$server"
    status=$?
    server=
    [ "$status" -eq 0 ] || fail "serve exit $status after SIGTERM"
    grep -q "stopped" "$dir/serve.err" || fail "serve did not report its stop"
fi

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-smdp CLI tests passed"
