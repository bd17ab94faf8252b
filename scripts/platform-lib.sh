# Shared steps of scripts/demo, scripts/crash-platform and the end-to-end tests that run
# airwrited with simulated devices (sourced, POSIX sh): stopping processes,
# airwrited with every role on loopback, the SM-DP+'s subscribers, the
# platform's profile type, scope and app, and the simulated devices. The
# caller defines die MESSAGE (exits) and run CMD... (bounded, output in
# $dir/out and $dir/err), and sets dir, cli, N and (without AW_SOURCE_ROOT,
# as scripts/demo) here, the scripts directory, before sourcing; after it,
# it may point platform_db, eim_db and smdp_db elsewhere (one PostgreSQL
# URL for all three: tests/test_platform_pg_pair.sh).

# stop VARIABLE: SIGTERM the process whose pid the variable holds, wait up to 10 s, then
# SIGKILL; its exit status in $stopped, the variable emptied (nothing when it is empty)
stop() {
    eval "pid=\$$1"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    stopped=$?
    eval "$1="
    return 0
}

# json FILE EXPRESSION: a Python expression over the JSON document j
json() {
    /usr/bin/python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

state="$dir/state"
pki="$state/pki"
platform_db="sqlite:$state/platform.db"
eim_db="sqlite:$state/eim.db"
smdp_db="sqlite:$state/smdp.db"
type=iot-data
tenant=demo-enterprise
eim_id=demo.eim.airwrite

# free_port: scripts/free-port.sh (the end-to-end tests that run no airwrited
# take it alone); its file of ports given is $dir/ports
. "${AW_SOURCE_ROOT:-$here/..}/scripts/free-port.sh"

# listening ROLE LISTENER: the last port airwrited logged for it (JSON lines)
listening() {
    /usr/bin/python3 -c 'import json, sys
port = ""
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == "listening" and e.get("role") == sys.argv[2] and \
            e.get("listener") == sys.argv[3]:
        port = e["port"]
print(port)' "$dir/airwrited.log" "$1" "$2"
}

# platform_config NOTIFY_PORT [API EIM SMDP]: airwrited.conf with every role
# on 127.0.0.1 on the databases above, the executor on (its job lease $lease
# seconds when set), the SM-DP+'s ES2+ on port $es2p_port when set (else an
# ephemeral one), callbacks to receivers certified by receiver.pem (made
# here); ports 0 (ephemeral) unless given
platform_config() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$dir/receiver.key" -out "$dir/receiver.pem" >"$dir/out" 2>"$dir/err" ||
        die "openssl could not make the callback receiver's certificate"
    cat >"$dir/airwrited.conf" <<CONF
# every role on loopback
[airwrited]
state_directory = $state
address = 127.0.0.1
log_file = $dir/airwrited.log
[platform]
port = ${2:-0}
database = $platform_db
callback_ca = $dir/receiver.pem
[eim]
port = ${3:-0}
database = $eim_db
[smdp]
port = ${4:-0}
database = $smdp_db
${es2p_port:+es2p_ca = $pki/ci.pem}
${es2p_port:+es2p_port = $es2p_port}
[executor]
enabled = yes
notify_port = $1
${lease:+lease = $lease}
CONF
}

# start_daemon: airwrited in the background (daemon_pid), ready, and its
# ports in api_port, eim_port, smdp_port
start_daemon() {
    ready_before=$(grep -c '"event":"ready"' "$dir/airwrited.log" 2>/dev/null)
    "$cli/airwrited" --config "$dir/airwrited.conf" 2>>"$dir/airwrited.err" &
    daemon_pid=$!
    up=0
    for _ in $(seq 1 600); do
        # no log yet: no count (grep -c prints nothing for a missing file)
        ready_now=$(grep -c '"event":"ready"' "$dir/airwrited.log" 2>/dev/null)
        [ "${ready_now:-0}" -gt "${ready_before:-0}" ] && { up=1; break; }
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ $up -eq 1 ] || die "airwrited did not become ready"
    api_port=$(listening platform api)
    eim_port=$(listening eim esipa)
    smdp_port=$(listening smdp es9p)
    [ -n "$api_port" ] && [ -n "$eim_port" ] && [ -n "$smdp_port" ] || die "no ports in the log"
}

# import_subscribers: the profile type at the SM-DP+ and N subscribers (ICCIDs
# with their Luhn digit, ITU-T E.118; fresh random Ki/OPc, kept only sealed)
import_subscribers() {
    run "$cli/airwrite-saip" build --iccid 8986000000000000001 --imsi 460000000000000 \
        --ki 00000000000000000000000000000000 --opc 00000000000000000000000000000000 \
        --puk1 12345678 --puk2 87654321 --adm1 11111111 --spn Airwrite -o "$dir/template.der" ||
        die "airwrite-saip build"
    run "$cli/airwrite-smdp" import-type --db "$smdp_db" --provider Airwrite "$type" \
        "$dir/template.der" || die "airwrite-smdp import-type"
    /usr/bin/python3 -c 'import secrets, sys
n = int(sys.argv[1])
print("iccid,imsi,ki,opc")
for i in range(1, n + 1):
    body = "89860%014d" % i
    total = 0
    for k, c in enumerate(reversed(body)):
        d = int(c) * (2 if k % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    print("%s%d,46000%010d,%s,%s" % (body, (10 - total % 10) % 10, i,
                                    secrets.token_hex(16).upper(), secrets.token_hex(16).upper()))
' "$N" >"$dir/batch.csv" || die "could not write the subscriber batch"
    run "$cli/airwrite-smdp" import --db "$smdp_db" --keys "$state/smdp-keys" --type "$type" \
        "$dir/batch.csv" || die "airwrite-smdp import"
    rm -f "$dir/batch.csv"
}

# platform_app: the profile type and the tenant's scope (data only) at the
# platform, and an app (app_id; its secret in $dir/app.secret, 0600)
platform_app() {
    run "$cli/airwrite-platform" profile-type-set --db "$platform_db" --data "$type" ||
        die "airwrite-platform profile-type-set"
    run "$cli/airwrite-platform" scope-set --db "$platform_db" --tenant "$tenant" --data ||
        die "airwrite-platform scope-set"
    run "$cli/airwrite-platform" app-create --db "$platform_db" --keys "$state/platform.key" \
        --tenant "$tenant" --rate 6000 --burst 200 || die "airwrite-platform app-create"
    app_id=$(sed -n 's/^appId: //p' "$dir/out")
    app_suite=$(sed -n 's/^suite: //p' "$dir/out") # its signature scheme (docs/api-signature.md)
    (umask 077 && sed -n 's/^appSecret: //p' "$dir/out" >"$dir/app.secret")
    : >"$dir/out"
    [ -n "$app_id" ] && [ -s "$dir/app.secret" ] || die "no appId/appSecret from app-create"
    export AIRWRITE_URL="https://127.0.0.1:$api_port" AIRWRITE_CA_FILE="$pki/ci.pem" \
        AIRWRITE_APP_ID="$app_id" AIRWRITE_APP_SECRET_FILE="$dir/app.secret"
    export HOME="$dir" # airwritectl's token cache lives under it
}

# provision_devices: N simulated devices registered with the eIM in bulk
provision_devices() {
    timeout 3600 "$cli/airwrite-devsim" provision --pki "$pki" --count "$N" \
        --out "$dir/devices" --eim-id "$eim_id" >"$dir/out" 2>"$dir/devsim.log" ||
        die "airwrite-devsim provision"
    for file in "$dir"/devices/eim-register*.csv; do
        run "$cli/airwrite-eim" register --db "$eim_db" --eim-id "$eim_id" --pki "$pki" \
            "$file" || die "airwrite-eim register $file"
    done
    [ "$(tail -n +2 "$dir/devices/eids.csv" | wc -l)" -eq "$N" ] || die "eids.csv lacks devices"
}

# start_devices: the devices poll the eIM (devsim_pid)
start_devices() {
    "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
        --ca "$pki/ci.pem" --threads 4 --poll-interval "${poll_ms:-500}" --duration 86400 \
        >/dev/null 2>>"$dir/devsim.log" &
    devsim_pid=$!
}
