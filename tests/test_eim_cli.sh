#!/bin/sh
# airwrite-eim command-line tests: register (CSV and JSON, all or nothing,
# certificate chains against the CI of airwrite-pki init), queue (signed
# eUICC Packages, counterValue per eUICC), results, and serve (an ESipa
# GetEimPackageRequest over HTTPS answered with the queued package; clean exit
# on SIGTERM); usage and error exits.
# Arguments: airwrite-eim, airwrite-pki executables.
set -u
tool="$1"
pki_tool="$2"
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

expect_status() {
    want="$1"
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/err"; }
}

db="sqlite:$dir/eim.db"
eid=89049032000000000000000000000163   # airwrite-pki init's default EID
other=89049032000000000000000000000260

expect_status 0 "$tool" --help
grep -q "airwrite-eim serve" "$dir/out" || fail "--help shows no usage"
expect_status 2 "$tool"
expect_status 2 "$tool" frobnicate
expect_status 2 "$tool" serve --db "$db"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --port 70000
# --route ADDRESS=URL: an address and an https:// base URL
for route in nourl =https://x a=http://x a=https:// ; do
    expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --route "$route"
done
expect_status 2 "$tool" register --db "$db" "$dir/batch.csv"
expect_status 2 "$tool" queue --db "$db" --pki "$dir/pki" "$eid"
expect_status 2 "$tool" queue --db "$db" --pki "$dir/pki" "$eid" reboot
expect_status 2 "$tool" queue --db "$db" --pki "$dir/pki" "$eid" enable
expect_status 2 "$tool" results --db "$db"

expect_status 0 "$pki_tool" init "$dir/pki"
cert=$(openssl x509 -in "$dir/pki/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$dir/pki/eum.pem" -outform DER | base64 -w0)

# a chain that does not match its EID refuses the whole batch
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,,\n%s,0,%s,%s\n' \
    "$eid" "$other" "$cert" "$eum" >"$dir/bad.csv"
expect_status 1 "$tool" register --db "$db" --eim-id eim.test --pki "$dir/pki" "$dir/bad.csv"
grep -q "record 2" "$dir/err" || fail "register error gives no record"
grep -q "AW_ERR_EIM_IMPORT_CERTIFICATE" "$dir/err" || fail "register error not typed"

printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,4,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/batch.csv"
expect_status 0 "$tool" register --db "$db" --eim-id eim.test --pki "$dir/pki" "$dir/batch.csv"
grep -q "registered 1 eUICCs" "$dir/out" || fail "register count"
expect_status 1 "$tool" register --db "$db" --eim-id eim.test "$dir/batch.csv"
grep -q "AW_ERR_EIM_IMPORT_DUPLICATE" "$dir/err" || fail "second registration not refused"
printf '{"euiccs": [{"eid": "%s", "counter_value": 9}]}' "$other" >"$dir/batch.json"
expect_status 0 "$tool" register --db "$db" --eim-id eim.test "$dir/batch.json"

expect_status 0 "$tool" queue --db "$db" --pki "$dir/pki" "$eid" enable 8944500000000000014 \
    list-profiles
grep -q "counterValue 5" "$dir/out" || fail "first package not counterValue 5: $(cat "$dir/out")"
expect_status 0 "$tool" queue --db "$db" --pki "$dir/pki" "$eid" configure-immediate-enable on \
    --smdp smdp.example.com set-default-dp-address ''
grep -q "counterValue 6" "$dir/out" || fail "second package not counterValue 6"
expect_status 1 "$tool" queue --db "$db" --pki "$dir/pki" "$eid" get-rat list-eim
grep -q "AW_ERR_EIM_PACKAGE" "$dir/err" || fail "PSMO and eCO mixed not refused"
expect_status 1 "$tool" queue --db "$db" --pki "$dir/pki" 89049032000000000000000000000357 \
    get-rat
expect_status 1 "$tool" queue --db "$db" --pki "$dir/none" "$eid" get-rat
expect_status 0 "$tool" queue --db "$db" "$eid" euicc-data A5A6
grep -q "queued package 3 for $eid: IPA eUICC data" "$dir/out" || fail "data request not queued"
expect_status 2 "$tool" queue --db "$db" "$eid" euicc-data XYZ
expect_status 1 "$tool" queue --db "$db" "$eid" euicc-data 01
expect_status 0 "$tool" queue --db "$db" "$eid" download '1$smdp.example.com$MATCH-1'
grep -q "queued package 4 for $eid: download trigger" "$dir/out" || fail "trigger not queued"
expect_status 0 "$tool" queue --db "$db" "$eid" download-smds smds.example.com
expect_status 0 "$tool" queue --db "$db" "$eid" download-default-smdp
expect_status 1 "$tool" queue --db "$db" "$eid" download 'not-an-activation-code'
grep -q "AW_ERR_EIM_PACKAGE" "$dir/err" || fail "malformed Activation Code not refused"
expect_status 2 "$tool" queue --db "$db" "$eid" download
expect_status 2 "$tool" queue --db "$db" "$eid" download-default-smdp extra
expect_status 0 "$tool" results --db "$db" "$eid"
grep -q "package 1 counterValue 5 queued" "$dir/out" || fail "results: $(cat "$dir/out")"
grep -q "package 4 download trigger queued" "$dir/out" || fail "results lack the trigger"
grep -q "package 3 IPA eUICC data queued" "$dir/out" || fail "results lack the data request"
grep -q "package 2 counterValue 6 queued" "$dir/out" || fail "results lack package 2"
expect_status 1 "$tool" results --db "$db" 89049032000000000000000000000357
# set-version: the operator's record of the eUICC's SGP.32 version
expect_status 0 "$tool" results --db "$db" "$eid"
grep -q "SGP.32 v1.2" "$dir/out" || fail "results lack the default version"
expect_status 2 "$tool" set-version --db "$db" "$eid" 2.0
expect_status 2 "$tool" set-version --db "$db" "$eid"
expect_status 1 "$tool" set-version --db "$db" 89049032000000000000000000000357 1.0
expect_status 0 "$tool" set-version --db "$db" "$eid" 1.0
expect_status 0 "$tool" results --db "$db" "$eid"
grep -q "SGP.32 v1.0" "$dir/out" || fail "set-version: $(cat "$dir/out")"
expect_status 0 "$tool" set-version --db "$db" "$eid" 1.2

# serve: a GetEimPackageRequest (BF4F {5A eid}) gets the first package
expect_status 1 "$tool" serve --pki "$dir/none" --db "$db"
"$tool" serve --pki "$dir/pki" --db "$db" --port 0 2>"$dir/serve.err" &
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
    printf 'BF4F125A10%s' "$eid" | xxd -r -p >"$dir/request.der"
    curl -sS --cacert "$dir/pki/ci.pem" -H 'Content-Type: application/x-gsma-rsp-asn1' \
        -D "$dir/headers" -o "$dir/body" --data-binary @"$dir/request.der" \
        "https://127.0.0.1:$port/gsma/rsp2/asn1" || fail "curl to the server failed"
    grep -qi '^content-type: application/x-gsma-rsp-asn1' "$dir/headers" ||
        fail "no ASN.1 content type"
    xxd -p "$dir/body" | tr -d '\n' | grep -qi '^bf4f.*bf51' || fail "no package in the answer"
    kill -TERM "$server"
    wait "$server"
    status=$?
    server=
    [ "$status" -eq 0 ] || fail "serve exit $status after SIGTERM"
    grep -q "stopped" "$dir/serve.err" || fail "serve did not report its stop"
    expect_status 0 "$tool" results --db "$db" "$eid"
    grep -q "package 1 counterValue 5 sent" "$dir/out" || fail "package not marked sent"
fi

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-eim CLI tests passed"
