#!/bin/sh
# airwrite-smdp operations from the command line: --help documents the
# serve options; add-key and rekey rotate the storage key of a key ring
# directory (progress printed, no row left under the old key, a missing key
# id refused); serve with the ES2+ listener (operator CA and allowed
# subjects, mutual TLS; certificates made with the openssl CLI), a plain
# HTTP metrics listener and a JSON log file, checked with curl; serve with
# an order lifetime notifying the operator (HandleDownloadProgressInfo over
# mutual TLS to a Python HTTPS server) when an order expires.
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

# subscribers FIRST COUNT: a CSV batch with valid ICCIDs (Luhn, E.118)
subscribers() {
    awk -v first="$1" -v count="$2" 'BEGIN {
        print "iccid,imsi,ki,opc"
        for (i = first; i < first + count; i++) {
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
    }'
}

# ---- --help and usage errors ----------------------------------------------
expect_status 0 "$tool" --help
for option in --es2p-ca --es2p-port --es2p-allow --metrics-port --metrics-address \
    --metrics-on-es9p --log-file --log-level "airwrite-smdp add-key" "airwrite-smdp rekey" \
    "SIGHUP reopens the log file and reloads the" "<id>.key"; do
    grep -q -- "$option" "$dir/out" || fail "--help does not document $option"
done
db="sqlite:$dir/smdp.db"
keys="$dir/keys"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --log-level loud
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --es2p-port 1
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --es2p-allow CN=x
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" \
    --metrics-address 127.0.0.1
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" --metrics-port 70000
expect_status 2 "$tool" add-key
expect_status 2 "$tool" rekey --db "$db"
expect_status 1 "$tool" add-key --keys "$dir/none"

# ---- key rotation -----------------------------------------------------------
expect_status 0 "$pki_tool" init "$dir/pki"
expect_status 0 "$saip_tool" build --iccid 8988211000000012347 --imsi 001010000000001 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der"
expect_status 0 "$tool" import-type --db "$db" iot "$dir/template.der"
mkdir -m 700 "$keys"
expect_status 0 "$tool" add-key --keys "$keys"
grep -q "^key id 1: $keys/1.key$" "$dir/out" || fail "add-key: $(cat "$dir/out")"
[ "$(stat -c %a "$keys/1.key")" = 600 ] || fail "new key not 0600"
subscribers 1 150 >"$dir/first.csv"
expect_status 0 "$tool" import --db "$db" --keys "$keys" --type iot "$dir/first.csv"
expect_status 0 "$tool" add-key --keys "$keys"
grep -q "^key id 2: " "$dir/out" || fail "second add-key: $(cat "$dir/out")"
subscribers 151 2 >"$dir/second.csv"
expect_status 0 "$tool" import --db "$db" --keys "$keys" --type iot "$dir/second.csv"
[ "$(sqlite3 "$dir/smdp.db" 'SELECT key_id, COUNT(*) FROM smdp_profiles GROUP BY key_id')" = \
    "$(printf '1|150\n2|2')" ] || fail "imports not under keys 1 and 2"
expect_status 0 "$tool" rekey --db "$db" --keys "$keys"
grep -q "^150 rows to re-encrypt under key id 2$" "$dir/out" || fail "rekey: $(cat "$dir/out")"
grep -q "^re-encrypted 150 rows; 0 left under older keys$" "$dir/out" ||
    fail "rekey summary: $(cat "$dir/out")"
# the dump: no row under key 1, no Ki or OPc in clear
sqlite3 "$dir/smdp.db" .dump >"$dir/dump.sql"
grep -q "INSERT INTO smdp_profiles" "$dir/dump.sql" || fail "dump has no profiles"
[ "$(sqlite3 "$dir/smdp.db" 'SELECT COUNT(*) FROM smdp_profiles WHERE key_id = 1')" = 0 ] ||
    fail "rows left under key 1"
grep -qi "C0FFEE000001" "$dir/dump.sql" && fail "Ki in clear in the dump"
grep -qi "BADC0DE000001" "$dir/dump.sql" && fail "OPc in clear in the dump"
# resumable: a second run has nothing left to do
expect_status 0 "$tool" rekey --db "$db" --keys "$keys"
grep -q "^re-encrypted 0 rows; 0 left under older keys$" "$dir/out" || fail "rekey again"
# key 1 retired; a row under key 3 whose file is lost is refused by name
rm "$keys/1.key"
expect_status 0 "$tool" add-key --keys "$keys"
subscribers 153 1 >"$dir/third.csv"
expect_status 0 "$tool" import --db "$db" --keys "$keys" --type iot "$dir/third.csv"
rm "$keys/3.key"
expect_status 1 "$tool" rekey --db "$db" --keys "$keys"
grep -q "encrypted under key id 3, which is not in $keys" "$dir/err" ||
    fail "missing key id not named: $(cat "$dir/err")"
grep -q "AW_ERR_SMDP_KEY_MISSING" "$dir/err" || fail "missing key: $(cat "$dir/err")"
expect_status 1 "$tool" serve --pki "$dir/pki" --db "$db" --keys "$keys" \
    --log-file "$dir/refused.log"
grep -q "AW_ERR_SMDP_KEY_MISSING" "$dir/err" || fail "serve with a missing key id"
grep -q '"event":"key_ring_refused".*"missing_key_id":3' "$dir/refused.log" ||
    fail "no key_ring_refused log line: $(cat "$dir/refused.log")"

# ---- serve: ES2+ listener, metrics listener, JSON log ---------------------
db2="sqlite:$dir/serve.db"
expect_status 0 "$tool" import-type --db "$db2" iot "$dir/template.der"
expect_status 0 "$tool" import --db "$db2" --keys "$keys" --type iot "$dir/first.csv"
(
    cd "$dir" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout opca.key \
        -out opca.pem -days 2 -subj '/CN=Operator CA' \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
    for name in one two; do
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "op-$name.key" -out "op-$name.csr" -subj "/O=Operator/CN=Operator $name" &&
        openssl x509 -req -in "op-$name.csr" -CA opca.pem -CAkey opca.key -set_serial 7 \
            -days 2 -out "op-$name.pem" || exit 1
    done
) >/dev/null 2>&1 || fail "openssl could not issue the operator certificates"
"$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" --port 0 \
    --smdp-address smdp.example.com --es2p-ca "$dir/opca.pem" --es2p-port 0 \
    --es2p-allow "CN=Operator zero,O=Operator" --es2p-allow "CN=Operator one,O=Operator" \
    --metrics-port 0 --log-file "$dir/smdp.log" --log-level info 2>"$dir/serve.err" &
server=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/serve.err")
    es2p=$(sed -n 's/.*ES2+ on port \([0-9]*\).*/\1/p' "$dir/serve.err")
    metrics=$(sed -n 's/.*metrics on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/serve.err")
    [ -n "$port" ] && [ -n "$es2p" ] && [ -n "$metrics" ] && break
    sleep 0.1
done
if [ -z "$port" ] || [ -z "$es2p" ] || [ -z "$metrics" ]; then
    fail "serve did not start"
    cat "$dir/serve.err"
else
    header='"header":{"functionRequesterIdentifier":"op","functionCallIdentifier":"c1"}'
    es2p_call() { # NAME FUNCTION BODY: POST as operator NAME
        curl -sS --cacert "$dir/pki/ci.pem" --cert "$dir/op-$1.pem" --key "$dir/op-$1.key" \
            -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
            -o "$dir/es2p.body" -w '%{http_code}' -d "$3" \
            "https://127.0.0.1:$es2p/gsma/rsp2/es2plus/$2"
    }
    code=$(es2p_call one downloadOrder "{$header,\"iccid\":\"89440000000000000018\"}")
    [ "$code" = 200 ] || fail "ES2+ as an allowed operator: HTTP $code"
    grep -q '"subjectCode": *"8.2.1"' "$dir/es2p.body" || fail "unknown ICCID: $(cat "$dir/es2p.body")"
    iccid=$(sed -n 2p "$dir/first.csv" | cut -d, -f1)
    code=$(es2p_call one downloadOrder "{$header,\"iccid\":\"$iccid\"}")
    [ "$code" = 200 ] || fail "DownloadOrder: HTTP $code"
    grep -q '"status": *"Executed-Success"' "$dir/es2p.body" ||
        fail "DownloadOrder: $(cat "$dir/es2p.body")"
    code=$(es2p_call two downloadOrder "{$header,\"iccid\":\"$iccid\"}")
    [ "$code" = 403 ] || fail "ES2+ as a subject not allowed: HTTP $code"
    curl -sS --cacert "$dir/pki/ci.pem" -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
        -o /dev/null -d '{}' "https://127.0.0.1:$port/gsma/rsp2/es9plus/initiateAuthentication" ||
        fail "ES9+ call failed"
    curl -sS -D "$dir/metrics.headers" -o "$dir/metrics.txt" "http://127.0.0.1:$metrics/metrics" ||
        fail "scrape failed"
    grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$dir/metrics.headers" ||
        fail "metrics content type"
    for sample in \
        'airwrite_smdp_es2p_requests_total{function="downloadOrder",result="failed",subject_code="8.2.1",reason_code="3.9"} 1' \
        'airwrite_smdp_es2p_requests_total{function="downloadOrder",result="success",subject_code="",reason_code=""} 1' \
        'airwrite_smdp_es2p_requests_total{function="downloadOrder",result="forbidden",subject_code="",reason_code=""} 1' \
        'airwrite_smdp_es9p_requests_total{function="initiateAuthentication",result="failed"} 1' \
        'airwrite_smdp_request_duration_seconds_count{interface="es2p",function="downloadOrder"} 3'; do
        grep -qxF "$sample" "$dir/metrics.txt" || fail "no sample: $sample"
    done
    # the ES9+ listener does not serve metrics unless asked to
    code=$(curl -sS --cacert "$dir/pki/ci.pem" -o /dev/null -w '%{http_code}' \
        "https://127.0.0.1:$port/metrics")
    [ "$code" = 404 ] || fail "metrics on the ES9+ listener without --metrics-on-es9p: $code"
    # log rotation: the file moved away, SIGHUP opens a new one (and reloads
    # the key ring, which is logged in it)
    mv "$dir/smdp.log" "$dir/smdp.log.1"
    kill -HUP "$server"
    for _ in $(seq 1 100); do
        grep -q "key ring reloaded" "$dir/serve.err" && break
        sleep 0.1
    done
    grep -q "key ring reloaded" "$dir/serve.err" || fail "SIGHUP: no key ring reload"
    curl -sS --cacert "$dir/pki/ci.pem" -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
        -o /dev/null -d '{}' "https://127.0.0.1:$port/gsma/rsp2/es9plus/cancelSession" ||
        fail "ES9+ call after SIGHUP failed"
    kill -TERM "$server"
    wait "$server"
    status=$?
    server=
    [ "$status" -eq 0 ] || fail "serve exit $status after SIGTERM"
    # one JSON object per line; the requests, startup and stop are logged
    /usr/bin/python3 - "$dir/smdp.log.1" "$dir/smdp.log" <<'EOF' ||
import json, sys
before = [json.loads(line) for line in open(sys.argv[1])]
after = [json.loads(line) for line in open(sys.argv[2])]
assert [e["event"] for e in after] == ["key_ring_loaded", "es9p_request", "stopped"], after
assert after[1]["function"] == "cancelSession", after
events = before + after
names = [e["event"] for e in before]
assert names[0] == "key_ring_loaded" and names[1] == "startup", names
assert names.count("es2p_request") == 3 and names.count("es9p_request") == 1, names
assert all(e["ts"].endswith("Z") and e["component"] == "smdp" for e in events)
forbidden = [e for e in events if e.get("result") == "forbidden"]
assert len(forbidden) == 1 and forbidden[0]["level"] == "warning", forbidden
assert forbidden[0]["operator"] == "CN=Operator two,O=Operator", forbidden
allowed = [e for e in events if e["event"] == "es2p_request" and e["result"] != "forbidden"]
assert all(e["operator"] == "CN=Operator one,O=Operator" for e in allowed), allowed
assert [e["function"] for e in allowed] == ["downloadOrder", "downloadOrder"], allowed
EOF
        fail "log lines are not the expected JSON"
fi

# ---- serve: order expiry and HandleDownloadProgressInfo to the operator -----
# The operator's HTTPS server (Python's ssl, certificate from the operator
# CA, SM-DP+ client certificate required, chained to the RSP CI) records
# the one notification: an order not downloaded within --order-lifetime
# expires and the operator hears notificationPointId 1 (SGP.22 5.3.5).
(
    cd "$dir" &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout opsrv.key \
        -out opsrv.csr -subj '/CN=127.0.0.1' &&
    printf 'subjectAltName=IP:127.0.0.1\n' >opsrv.ext &&
    openssl x509 -req -in opsrv.csr -CA opca.pem -CAkey opca.key -set_serial 9 -days 2 \
        -extfile opsrv.ext -out opsrv.pem
) >/dev/null 2>&1 || fail "openssl could not issue the operator server certificate"
/usr/bin/python3 - "$dir" <<'EOF' &
import http.server, ssl, sys, os
d = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(os.path.join(d, "notified.tmp"), "wb") as f:
            f.write(self.path.encode() + b"\n" + body)
        os.rename(os.path.join(d, "notified.tmp"), os.path.join(d, "notified"))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(d, "opsrv.pem"), os.path.join(d, "opsrv.key"))
context.verify_mode = ssl.CERT_REQUIRED
context.load_verify_locations(os.path.join(d, "pki", "ci.pem"))
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(os.path.join(d, "operator.port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(d, "operator.port.tmp"), os.path.join(d, "operator.port"))
server.timeout = 30
server.handle_request()
EOF
operator_server=$!
for _ in $(seq 1 100); do
    [ -s "$dir/operator.port" ] && break
    sleep 0.1
done
operator_port=$(cat "$dir/operator.port" 2>/dev/null)
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" \
    --notify-ca "$dir/opca.pem"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" \
    --operator "op=https://127.0.0.1:1"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" \
    --notify-ca "$dir/opca.pem" --operator "op=http://127.0.0.1:1"
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" --order-lifetime 0
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" --session-lifetime 0
expect_status 2 "$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" \
    --session-lifetime 31708801
"$tool" serve --pki "$dir/pki" --db "$db2" --keys "$keys" --port 0 \
    --smdp-address smdp.example.com --es2p-ca "$dir/opca.pem" --es2p-port 0 \
    --order-lifetime 1 --session-lifetime 3600 --notify-ca "$dir/opca.pem" \
    --requester-id smdp-test \
    --operator "CN=Operator one,O=Operator|op=https://127.0.0.1:$operator_port" \
    --log-file "$dir/notify.log" 2>"$dir/serve2.err" &
server=$!
es2p=
for _ in $(seq 1 100); do
    es2p=$(sed -n 's/.*ES2+ on port \([0-9]*\).*/\1/p' "$dir/serve2.err")
    [ -n "$es2p" ] && break
    sleep 0.1
done
if [ -z "$es2p" ] || [ -z "$operator_port" ]; then
    fail "serve with notifications, or the operator server, did not start"
    cat "$dir/serve2.err"
else
    iccid=$(sed -n 3p "$dir/first.csv" | cut -d, -f1)
    code=$(es2p_call one downloadOrder "{$header,\"iccid\":\"$iccid\"}")
    [ "$code" = 200 ] || fail "DownloadOrder for expiry: HTTP $code"
    for _ in $(seq 1 200); do
        [ -s "$dir/notified" ] && break
        sleep 0.1
    done
    /usr/bin/python3 - "$dir/notified" "$iccid" <<'EOF' ||
import json, sys
path, body = open(sys.argv[1], "rb").read().split(b"\n", 1)
assert path == b"/gsma/rsp2/es2plus/handleDownloadProgressInfo", path
n = json.loads(body)
assert n["header"]["functionRequesterIdentifier"] == "smdp-test", n
assert n["iccid"] == sys.argv[2] and n["notificationPointId"] == 1, n
EOF
        fail "no expiry notification: $(cat "$dir/notified" 2>/dev/null)"
    kill -TERM "$server"
    wait "$server"
    server=
fi
wait "$operator_server" 2>/dev/null

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-smdp operations CLI tests passed"
