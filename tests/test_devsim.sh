#!/bin/sh
# airwrite-devsim end to end (issue 6, "Tools and demo"): 20 simulated
# devices against a real airwrite-eim and airwrite-smdp on loopback.
#  - provision: 20 eUICC identities under the PKI's EUM, each eUICC's eIM
#    configured (AddInitialEim); the registration CSV registered with the
#    eIM (airwrite-eim register, certificate chains checked); the EID list;
#  - for each device an SM-DP+ order (airwrite-smdp order, ES2+ Download-
#    and ConfirmOrder on the database, released) and a Profile Download
#    Trigger queued on the eIM with its Activation Code;
#  - run --until-idle: every device polls, downloads through the eIM's relay
#    (SGP.32 indirect), returns the result; every eUICC then holds its
#    profile (airwrite-devsim profiles), the eIM recorded each trigger done
#    exactly once, the summary says 20 installed and 0 failed;
#  - restart: 20 more devices, stopped mid-run with SIGTERM (a clean stop:
#    exit 0), then with SIGKILL, then run to the end: all 20 installed, each
#    eIM result recorded once and done, no device with a second profile;
#  - usage errors (exit 2) and an existing simulation refused (exit 1).
# Arguments: airwrite-devsim airwrite-pki airwrite-saip airwrite-smdp
#            airwrite-eim.
set -u
devsim="$1"
pki="$2"
saip="$3"
smdp="$4"
eim="$5"
N=20
for command in openssl base64 /usr/bin/python3 timeout; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d)
smdp_pid=
eim_pid=
run_pid=
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
    eval "$1="
}
cleanup() {
    stop run_pid
    stop eim_pid
    stop smdp_pid
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
die() {
    echo "FAIL: $*"
    for log in smdp.log eim.log run.err out err; do
        [ -s "$dir/$log" ] && { echo "---- $log"; tail -n 20 "$dir/$log"; }
    done
    exit 1
}
expect_status() {
    want="$1"
    shift
    timeout 300 "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; tail -n 20 "$dir/err"; }
}
wait_port() {
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/$1" | head -n 1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# iccid I: a 19-digit ICCID with its Luhn check digit (ITU-T E.118)
iccid() {
    /usr/bin/python3 -c 'import sys
body = "894400000000%06d" % int(sys.argv[1])
total = 0
for i, c in enumerate(reversed(body)):
    d = int(c) * (2 if i % 2 == 0 else 1)
    total += d - 9 if d > 9 else d
print(body + str((10 - total % 10) % 10))' "$1"
}

# --- usage
expect_status 2 "$devsim"
expect_status 2 "$devsim" frobnicate
expect_status 2 "$devsim" provision --pki "$dir/pki" --out "$dir/x"
expect_status 2 "$devsim" provision --pki "$dir/pki" --out "$dir/x" --count 0
expect_status 2 "$devsim" run --dir "$dir/x" --eim https://127.0.0.1:1
expect_status 2 "$devsim" run --dir "$dir/x" --eim https://127.0.0.1:1 --ca x --until-idle 1 \
    --duration 1
expect_status 2 "$devsim" run --dir "$dir/x" --eim https://127.0.0.1:1 --ca x \
    --download-mode direct
expect_status 2 "$devsim" profiles
expect_status 0 "$devsim" --help
expect_status 0 "$devsim" run --help
# no simulation, or a malformed EID list: refused before any device runs
expect_status 1 "$devsim" run --dir "$dir/none" --eim https://127.0.0.1:1 --ca x
grep -q "AW_ERR_NOT_FOUND" "$dir/err" || fail "missing eids.csv: $(cat "$dir/err")"
mkdir "$dir/bad" && printf 'eid\n8904903200000000000010000000006\n' >"$dir/bad/eids.csv"
expect_status 1 "$devsim" run --dir "$dir/bad" --eim https://127.0.0.1:1 --ca x
grep -q "AW_ERR_ARGUMENT" "$dir/err" || fail "malformed eids.csv: $(cat "$dir/err")"
expect_status 1 "$devsim" profiles --dir "$dir/bad"

# --- the PKI, the profile type, 2N subscribers
"$pki" init "$dir/pki" >/dev/null || die "airwrite-pki init"
# a PKI without its EUM key cannot issue eUICC certificates
mkdir "$dir/nokey" && cp "$dir/pki/ci.pem" "$dir/pki/eum.pem" "$dir/nokey/"
expect_status 1 "$devsim" provision --pki "$dir/nokey" --count 1 --out "$dir/x"
# EIDs outside the EUM's EIN (SGP.22 4.5.2.1.0.2 name constraints) are refused
expect_status 2 "$devsim" provision --pki "$dir/pki" --count 1 --out "$dir/x" --eid-prefix 123
expect_status 1 "$devsim" provision --pki "$dir/pki" --count 1 --out "$dir/x" \
    --eid-prefix 89049999000000000000
grep -q "AW_ERR_PKI_NAME_CONSTRAINTS" "$dir/err" || fail "foreign EIN: $(cat "$dir/err")"
[ -f "$dir/x/eids.csv" ] && fail "a failed provision wrote eids.csv"
"$saip" build --iccid 8944000000000000001 --imsi 234150000000000 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der" >/dev/null ||
    die "airwrite-saip build"
smdp_db="sqlite:$dir/smdp.db"
"$smdp" import-type --db "$smdp_db" iot "$dir/template.der" >/dev/null ||
    die "airwrite-smdp import-type"
echo "iccid,imsi,ki,opc" >"$dir/batch.csv"
for i in $(seq 1 $((2 * N + 3))); do
    printf '%s,2341500000%05d,%032X,%032X\n' "$(iccid "$i")" "$i" "$i" "$((i + 1000))" \
        >>"$dir/batch.csv"
done
"$smdp" import --db "$smdp_db" --keys "$dir/keys" --type iot "$dir/batch.csv" >/dev/null ||
    die "airwrite-smdp import"

# --- two simulations of N devices each (the second for the restart test)
eim_db="sqlite:$dir/eim.db"
expect_status 0 "$devsim" provision --pki "$dir/pki" --count $N --out "$dir/sim" \
    --eim-id eim.test
[ "$(wc -l <"$dir/sim/eids.csv")" -eq $((N + 1)) ] || fail "eids.csv: $(head -3 "$dir/sim/eids.csv")"
head -n 1 "$dir/sim/eids.csv" | grep -qx eid || fail "eids.csv has no 'eid' header"
expect_status 1 "$devsim" provision --pki "$dir/pki" --count $N --out "$dir/sim"
grep -q "already holds devices" "$dir/err" || fail "existing simulation not refused: $(cat "$dir/err")"
expect_status 0 "$devsim" provision --pki "$dir/pki" --count $N --out "$dir/sim2" \
    --eim-id eim.test --first 1000 --threads 3
tail -q -n +2 "$dir/sim/eids.csv" "$dir/sim2/eids.csv" | sort | uniq -d | grep -q . &&
    fail "two simulations share an EID"
for sim in sim sim2; do
    expect_status 0 "$eim" register --db "$eim_db" --eim-id eim.test --pki "$dir/pki" \
        "$dir/$sim/eim-register.csv"
    grep -q "registered $N eUICCs" "$dir/out" || fail "register $sim: $(cat "$dir/out")"
done
# one device each for the kill points (AIRWRITE_DEVSIM_KILL_AT): sim3
# result-saved, sim4 delivering, sim5 installed
expect_status 0 "$devsim" provision --pki "$dir/pki" --count 1 --out "$dir/sim3" \
    --eim-id eim.test --first 2000
expect_status 0 "$devsim" provision --pki "$dir/pki" --count 1 --out "$dir/sim4" \
    --eim-id eim.test --first 3000
expect_status 0 "$devsim" provision --pki "$dir/pki" --count 1 --out "$dir/sim5" \
    --eim-id eim.test --first 4000
for sim in sim3 sim4 sim5; do
    expect_status 0 "$eim" register --db "$eim_db" --eim-id eim.test --pki "$dir/pki" \
        "$dir/$sim/eim-register.csv"
done
# an order and a trigger per device, then the servers
i=0
for eid in $(tail -q -n +2 "$dir/sim/eids.csv" "$dir/sim2/eids.csv" "$dir/sim3/eids.csv" \
    "$dir/sim4/eids.csv" "$dir/sim5/eids.csv"); do
    i=$((i + 1))
    "$smdp" order --db "$smdp_db" --iccid "$(iccid $i)" --eid "$eid" --matching-id "DEVSIM-$i" \
        --release >/dev/null || die "airwrite-smdp order $i"
    "$eim" queue --db "$eim_db" "$eid" download "1\$smdp.example.com\$DEVSIM-$i" >/dev/null ||
        die "airwrite-eim queue $i"
    echo "$eid $(iccid $i)" >>"$dir/expected"
done

"$smdp" serve --pki "$dir/pki" --db "$smdp_db" --keys "$dir/keys" --port 0 \
    --smdp-address smdp.example.com 2>"$dir/smdp.log" &
smdp_pid=$!
smdp_port=$(wait_port smdp.log "$smdp_pid") || die "airwrite-smdp serve did not come up"
"$eim" serve --pki "$dir/pki" --db "$eim_db" --port 0 \
    --route "smdp.example.com=https://127.0.0.1:$smdp_port" 2>"$dir/eim.log" &
eim_pid=$!
eim_port=$(wait_port eim.log "$eim_pid") || die "airwrite-eim serve did not come up"
eim_url="https://127.0.0.1:$eim_port"
run="run --eim $eim_url --ca $dir/pki/ci.pem --threads 4 --poll-interval 300 --progress 1"

# check_profiles SIM: every device of SIM holds exactly its profile
check_profiles() {
    expect_status 0 "$devsim" profiles --dir "$dir/$1"
    [ "$(wc -l <"$dir/out")" -eq $N ] || fail "$1: $(wc -l <"$dir/out") profiles, want $N"
    cp "$dir/out" "$dir/profiles"
    for eid in $(tail -n +2 "$dir/$1/eids.csv"); do
        want=$(grep "^$eid " "$dir/expected" | cut -d' ' -f2)
        grep -q "^$eid $want disabled$" "$dir/profiles" || fail "$eid lacks $want"
    done
}
# check_results SIM: the eIM recorded each device's trigger done, once. Read
# once airwrite-eim serve has stopped: while it runs, another process's
# reads of its SQLite file were seen to miss its latest writes
check_results() {
    for eid in $(tail -n +2 "$dir/$1/eids.csv"); do
        expect_status 0 "$eim" results --db "$eim_db" "$eid"
        [ "$(grep -c '^package ' "$dir/out")" -eq 1 ] || fail "$eid: $(cat "$dir/out")"
        grep -q "^package [0-9]* download trigger done" "$dir/out" ||
            fail "$eid: trigger not done: $(cat "$dir/out")"
    done
}

# --- N devices until idle
echo "phase: $N devices until idle"
expect_status 0 "$devsim" $run --dir "$dir/sim" --until-idle 2
cp "$dir/err" "$dir/run.err"
grep -q "^devices $N contacted $N installed $N failed 0 errors 0$" "$dir/out" ||
    fail "summary: $(cat "$dir/out") $(tail -n 5 "$dir/err")"
grep -q "KiB per device" "$dir/err" || fail "no memory figure: $(tail -n 3 "$dir/err")"
check_profiles sim
# a second run finds nothing to do and changes nothing
expect_status 0 "$devsim" $run --dir "$dir/sim" --until-idle 1
grep -q "^devices $N contacted $N installed 0 failed 0 errors 0$" "$dir/out" ||
    fail "second run: $(cat "$dir/out")"

echo "phase: restarts (SIGTERM, SIGKILL)"
# --- restart: SIGTERM, then SIGKILL mid-run (three times), then to the end;
# the first polls spread over 4 s so the stops land among the downloads
slow="run --eim $eim_url --ca $dir/pki/ci.pem --threads 2 --poll-interval 4000 --progress 1"
# run_until PATTERN: devsim in the background until its stderr matches PATTERN
run_until() {
    # emptied first: the child truncates its files only after the fork, and a
    # match on the last run's output would signal a process not yet set up
    : >"$dir/run.out"
    : >"$dir/run.err"
    "$devsim" $slow --dir "$dir/sim2" >"$dir/run.out" 2>"$dir/run.err" &
    run_pid=$!
    for _ in $(seq 1 600); do
        grep -q "$1" "$dir/run.err" && return 0
        kill -0 "$run_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
run_until " [1-9][0-9]* installed" || fail "the first run installed nothing"
kill -TERM "$run_pid"
wait "$run_pid"
status=$?
run_pid=
[ "$status" -eq 0 ] || fail "SIGTERM: exit $status"
grep -q "stopped by a signal" "$dir/run.err" || fail "SIGTERM: $(tail -n 3 "$dir/run.err")"
first=$(sed -n 's/^devices [0-9]* contacted [0-9]* installed \([0-9]*\) .*/\1/p' "$dir/run.out")
[ -n "$first" ] && [ "$first" -lt $N ] ||
    fail "SIGTERM did not stop the run midway (${first:-?} of $N installed)"
for delay in 0.7 1.3 2.1; do
    run_until "devices, 2 threads" || fail "a run did not start"
    sleep $delay
    kill -KILL "$run_pid"
    wait "$run_pid" 2>/dev/null
    run_pid=
done
expect_status 0 "$devsim" $run --dir "$dir/sim2" --until-idle 2
grep -q "^devices $N contacted $N installed [0-9]* failed 0 errors 0$" "$dir/out" ||
    fail "after the restarts: $(cat "$dir/out") $(tail -n 5 "$dir/err")"
tail -n 2 "$dir/err" | head -n 1 | sed 's/^/note: last run: /'
check_profiles sim2

echo "phase: kill points"
# --- killed where the result exists only in download.der (sim3, a direct
# download over ES9+: the eIM learns the outcome from the IPA alone), or
# only in the poll journal (sim4): the next run replays / delivers it and
# downloads nothing again
direct="--download-mode direct --smdp-ca $dir/pki/ci.pem
    --route smdp.example.com=https://127.0.0.1:$smdp_port"
AIRWRITE_DEVSIM_KILL_AT=result-saved expect_status 137 "$devsim" $run --duration 120 \
    --dir "$dir/sim3" $direct
AIRWRITE_DEVSIM_KILL_AT=delivering expect_status 137 "$devsim" $run --duration 120 \
    --dir "$dir/sim4"
expect_status 0 "$devsim" $run --dir "$dir/sim3" --until-idle 1 $direct
grep -q " 0 installed, 0 failed, 0 recovered, 1 replayed, 0 errors" "$dir/err" ||
    fail "sim3 not replayed: $(tail -n 2 "$dir/err")"
expect_status 0 "$devsim" $run --dir "$dir/sim4" --until-idle 1
grep -q " 0 packages, 0 installed, 0 failed, 1 recovered, 0 replayed, 0 errors" "$dir/err" ||
    fail "sim4 not recovered: $(tail -n 2 "$dir/err")"
# killed as the eUICC answered with its PIR (the profile installed, the
# SM-DP+ and the eIM told nothing): the next run takes the PIR pending on
# the eUICC as the trigger's result and sends it on, downloads nothing again
AIRWRITE_DEVSIM_KILL_AT=installed expect_status 137 "$devsim" $run --duration 120 \
    --dir "$dir/sim5"
expect_status 0 "$devsim" $run --dir "$dir/sim5" --until-idle 1
grep -q " 1 packages, 0 installed, 0 failed, 0 recovered, 1 replayed, 0 errors" "$dir/err" ||
    fail "sim5 not recovered from the eUICC: $(tail -n 2 "$dir/err")"
N=1 check_profiles sim3
N=1 check_profiles sim4
N=1 check_profiles sim5
stop eim_pid
check_results sim
check_results sim2
check_results sim3
check_results sim4
check_results sim5

[ "$failures" -eq 0 ] || exit 1
echo "all airwrite-devsim tests passed"
