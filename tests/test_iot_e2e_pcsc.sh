#!/bin/sh
# The SGP.32 IoT chain end to end over PC/SC (issue 5, "Tests"): pcscd with
# the vsmartcard vpcd reader on a private reader.conf.d and port, the
# software eUICC (airwrite-euicc --vpcd) in it, airwrite-ipa --pcsc as the
# IPA. A profile is downloaded directly from airwrite-smdp (SGP.22 3.1.3,
# `download AC`); the eIM (airwrite-eim, SGP.32 2.11) then enables it, lists
# it (listProfileInfo), disables and deletes it by signed PSMOs, each queued
# alone and run by one `poll --once`; every result is checked as the eIM
# recorded it (done, counterValue, seqNumber) and the card's state after
# every step (airwrite-ipa profiles).
# Refusals (SGP.32 5.9.1 LoadEuiccPackage steps 1-4), each an `enable` that
# must leave the profile disabled and be recorded by the eIM as failed:
#   a package signed with another eIM's key (a second airwrite-pki init):
#     eimSignature fails, EuiccPackageErrorUnsigned;
#   a package from an eimId the eUICC does not hold: EuiccPackageErrorUnsigned;
#   a replayed counterValue (a second eIM database for the same eimId and
#     key, its counter back at 0): signed replayError(4).
# invalidEid(3) has no CLI path (the eIM hands out only the asking EID's
# packages): tests/test_iot_wrong_eid.c (eIM library + in-process eUICC),
# and tests/test_euicc_sgp32.c (test_package_errors) for the eUICC alone.
# Exit 77 (skip) with the reason when pcscd or the vpcd driver is missing, or
# another pcscd owns /run/pcscd/pcscd.comm (Debian's pcscd ignores
# PCSCLITE_CSOCK_NAME: the approach of tests/test_ipa_pcsc.c).
# Arguments: airwrite-pki airwrite-saip airwrite-smdp airwrite-euicc
#            airwrite-eim airwrite-ipa.
set -u
PCSCD=/usr/sbin/pcscd
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[ $# -eq 6 ] || { echo "usage: $0 PKI SAIP SMDP EUICC EIM IPA" >&2; exit 1; }
pki="$1"
saip="$2"
smdp="$3"
euicc="$4"
eim="$5"
ipa="$6"

if [ ! -x "$PCSCD" ] || [ ! -r "$VPCD_DRIVER" ]; then
    echo "skipped: needs $PCSCD and $VPCD_DRIVER (scripts/setup-deps installs pcscd and" \
        "vsmartcard-vpcd)"
    exit 77
fi
if [ -r /run/pcscd/pcscd.pid ]; then
    other=$(cat /run/pcscd/pcscd.pid 2>/dev/null)
    if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
        echo "skipped: another pcscd (pid $other) owns /run/pcscd/pcscd.comm"
        exit 77
    fi
fi
for command in openssl base64 /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done

start_time=$(date +%s)
dir=$(mktemp -d)
pcscd_pid=
card_pid=
smdp_pid=
eim_pid=
stop() {
    # $1: the variable holding the pid; SIGTERM, a bounded wait, SIGKILL
    eval "pid=\$$1"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    eval "$1="
}
cleanup() {
    stop eim_pid
    stop card_pid
    stop pcscd_pid
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
# die MESSAGE: a step the rest depends on failed
die() {
    echo "FAIL: $*"
    for log in pcscd.log card.log smdp.log eim.log out err; do
        [ -s "$dir/$log" ] && { echo "---- $log"; tail -n 15 "$dir/$log"; }
    done
    exit 1
}
expect_status() {
    want="$1"
    shift
    timeout 60 "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/out" "$dir/err"; }
}
# wait_port LOG PID: the port the server PID printed to LOG
wait_port() {
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/$1" | head -n 1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

eid=89049032000000000000000000000163 # airwrite-pki init's default EID
iccid=8944000000000000019
iccid_bcd=984400000000000010F9 # its ICCID data object (SGP.22 2.x, swapped nibbles)
ac='1$smdp.example.com$E2E-PCSC-1'

# --- the PKI, the profile and the SM-DP+
"$pki" init "$dir/pki" --eid $eid >/dev/null || die "airwrite-pki init"
# another eIM's key, never configured on the eUICC
"$pki" init "$dir/other" --eid $eid >/dev/null || die "airwrite-pki init (other)"
"$saip" build --iccid 8944000000000000001 --imsi 234150000000000 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der" >/dev/null ||
    die "airwrite-saip build"
smdp_db="sqlite:$dir/smdp.db"
"$smdp" import-type --db "$smdp_db" iot "$dir/template.der" >/dev/null ||
    die "airwrite-smdp import-type"
printf 'iccid,imsi,ki,opc\n%s,234150000000001,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n' \
    "$iccid" >"$dir/batch.csv"
"$smdp" import --db "$smdp_db" --keys "$dir/keys" --type iot "$dir/batch.csv" >/dev/null ||
    die "airwrite-smdp import"
"$smdp" order --db "$smdp_db" --iccid "$iccid" --eid "$eid" --matching-id E2E-PCSC-1 \
    --release >/dev/null || die "airwrite-smdp order"
"$smdp" serve --pki "$dir/pki" --db "$smdp_db" --keys "$dir/keys" --port 0 \
    --smdp-address smdp.example.com 2>"$dir/smdp.log" &
smdp_pid=$!
smdp_port=$(wait_port smdp.log "$smdp_pid") || die "airwrite-smdp serve did not come up"
route="--route smdp.example.com=https://127.0.0.1:$smdp_port"

# --- pcscd with the vpcd reader on a private port, the eUICC in it
port=$(/usr/bin/python3 -c 'import socket
for p in range(20000 + __import__("os").getpid() % 20000, 60000, 7):
    try:
        a = socket.socket(); a.bind(("127.0.0.1", p))
        b = socket.socket(); b.bind(("127.0.0.1", p + 1))
        print(p); break
    except OSError:
        pass') || die "no free port pair for vpcd"
mkdir "$dir/reader.conf.d"
printf 'FRIENDLYNAME "airwrite eUICC"\nDEVICENAME /dev/null:%s\nLIBPATH %s\n' "$port" \
    "$VPCD_DRIVER" >"$dir/reader.conf.d/airwrite-euicc"
"$PCSCD" --foreground --config "$dir/reader.conf.d" --debug >"$dir/pcscd.log" 2>&1 &
pcscd_pid=$!
"$euicc" --state "$dir/card" --identity "$dir/pki" --vpcd "127.0.0.1:$port" \
    2>"$dir/card.log" &
card_pid=$!
pcsc="--pcsc airwrite"
up=0
for _ in $(seq 1 150); do
    if "$ipa" $pcsc eid >"$dir/out" 2>"$dir/err"; then
        up=1
        break
    fi
    sleep 0.1
done
[ $up -eq 1 ] || die "the eUICC did not appear in pcscd's reader"
[ "$(cat "$dir/out")" = "$eid" ] || fail "EID over PC/SC: $(cat "$dir/out")"

# profile_state STATE: airwrite-ipa profiles shows the profile in STATE
# (enabled/disabled), or absent
profile_state() {
    expect_status 0 "$ipa" $pcsc profiles
    if [ "$1" = absent ]; then
        grep -q "^$iccid" "$dir/out" && fail "$iccid still installed: $(cat "$dir/out")"
    else
        grep -q "^$iccid $1" "$dir/out" || fail "$iccid not $1: $(cat "$dir/out")"
    fi
}

# --- the direct download (ES9+) over PC/SC
expect_status 0 "$ipa" $pcsc --timeout 20000 download "$ac" --smdp-ca "$dir/pki/ci.pem" $route
grep -q "^installed" "$dir/out" || die "not installed: $(cat "$dir/out")"
grep -q "ProfileInstallationResult delivered" "$dir/out" ||
    fail "PIR not delivered: $(cat "$dir/out")"
profile_state disabled

# --- the eIM: the eUICC registered, the eIM configured on the eUICC
cert=$(openssl x509 -in "$dir/pki/euicc.pem" -outform DER | base64 -w0)
eum=$(openssl x509 -in "$dir/pki/eum.pem" -outform DER | base64 -w0)
printf 'eid,counter_value,euicc_certificate,eum_certificate\n%s,0,%s,%s\n' \
    "$eid" "$cert" "$eum" >"$dir/euiccs.csv"
db="sqlite:$dir/eim.db"
expect_status 0 "$eim" register --db "$db" --eim-id eim.e2e --pki "$dir/pki" "$dir/euiccs.csv"
expect_status 0 "$ipa" $pcsc add-initial-eim --eim-id eim.e2e --eim-fqdn 127.0.0.1 \
    --eim-cert "$dir/pki/eim.pem"

# eim_serve DB: (re)start airwrite-eim serve on DB; eim_url is its address
eim_serve() {
    stop eim_pid
    : >"$dir/eim.log"
    "$eim" serve --pki "$dir/pki" --db "$1" --port 0 2>"$dir/eim.log" &
    eim_pid=$!
    eim_port=$(wait_port eim.log "$eim_pid") || die "airwrite-eim serve did not come up"
    eim_url="https://127.0.0.1:$eim_port"
}
# poll_once: one `airwrite-ipa --pcsc poll --once` that ran one eUICC Package
poll_once() {
    expect_status 0 "$ipa" $pcsc --timeout 20000 poll --eim "$eim_url" --ca "$dir/pki/ci.pem" \
        --once
    grep -q "^eUICC package, 1 delivered" "$dir/out" || fail "package not run: $(cat "$dir/out")"
    grep -q "refused" "$dir/out" && fail "the eIM refused the result: $(cat "$dir/out")"
    tail -n 1 "$dir/out" | grep -q "^no package" || fail "poll did not drain: $(cat "$dir/out")"
}
# results_line DB N: the eIM's record of package N of DB (in $line)
results_line() {
    expect_status 0 "$eim" results --db "$1" "$eid"
    line=$(grep "^package $2 " "$dir/out")
}
# psmo N COUNTER OPERATION [ARG]: queue one signed PSMO on the eIM, run it,
# check the eIM recorded it done with counterValue COUNTER and a seqNumber
last_seq=0
psmo() {
    n=$1
    counter=$2
    shift 2
    expect_status 0 "$eim" queue --db "$db" --pki "$dir/pki" "$eid" "$@"
    grep -q "queued package $n " "$dir/out" || fail "queue $*: $(cat "$dir/out")"
    eim_serve "$db"
    poll_once
    results_line "$db" "$n"
    seq=$(echo "$line" | sed -n "s/^package $n counterValue $counter done seqNumber \([0-9]*\).*/\1/p")
    if [ -z "$seq" ]; then
        fail "$* not recorded done with counterValue $counter: $line"
    else
        [ "$seq" -gt "$last_seq" ] || fail "$*: seqNumber $seq not after $last_seq"
        last_seq=$seq
    fi
}

psmo 1 1 enable "$iccid"
profile_state enabled
psmo 2 2 list-profiles
echo "$line" | grep -q "result .*$iccid_bcd" || fail "listProfileInfo lacks $iccid: $line"
profile_state enabled
psmo 3 3 disable "$iccid"
profile_state disabled

# refused N DB WHAT: package N of DB was refused by the eUICC with a signed
# error: the eIM recorded it failed; the profile is still disabled
refused() {
    results_line "$2" "$1"
    echo "$line" | grep -q "^package $1 counterValue [0-9]* failed" ||
        fail "$3: not recorded as refused: $line"
    profile_state disabled
}
# refused_unsigned N DB WHAT: package N of DB was refused by the eUICC with
# an EuiccPackageErrorUnsigned, which proves nothing (anyone can forge it):
# the eIM ends that package as failed (so it is not handed out forever)
# but would still take a signed answer for it; `poll --once` ends; the
# profile is still disabled.
refused_unsigned() {
    timeout 20 "$ipa" $pcsc --timeout 20000 poll --eim "$eim_url" --ca "$dir/pki/ci.pem" --once \
        >"$dir/out" 2>"$dir/err" || fail "$3: poll --once did not end cleanly: $(cat "$dir/err")"
    head -n 1 "$dir/out" | grep -q "^eUICC package, 1 delivered" ||
        fail "$3: the unsigned error was not delivered: $(head -n 3 "$dir/out")"
    grep -q "refused" "$dir/out" && fail "$3: the eIM refused the unsigned error: $(cat "$dir/out")"
    results_line "$2" "$1"
    echo "$line" | grep -q "^package $1 counterValue [0-9]* failed" ||
        fail "$3: not recorded as failed: $line"
    profile_state disabled
}

# a package signed with another eIM's key: eimSignature fails (step 2).
# On a database of its own, its counter well ahead (11: no replay)
foreign_db="sqlite:$dir/foreign.db"
sed 's/,0,/,10,/' "$dir/euiccs.csv" >"$dir/euiccs10.csv"
expect_status 0 "$eim" register --db "$foreign_db" --eim-id eim.e2e --pki "$dir/pki" \
    "$dir/euiccs10.csv"
expect_status 0 "$eim" queue --db "$foreign_db" --pki "$dir/other" "$eid" enable "$iccid"
grep -q "counterValue 11" "$dir/out" || fail "foreign key: $(cat "$dir/out")"
eim_serve "$foreign_db"
refused_unsigned 1 "$foreign_db" "foreign eIM key"

# a package from an eimId the eUICC does not hold (step 1)
unknown_db="sqlite:$dir/unknown.db"
expect_status 0 "$eim" register --db "$unknown_db" --eim-id eim.unknown --pki "$dir/pki" \
    "$dir/euiccs.csv"
expect_status 0 "$eim" queue --db "$unknown_db" --pki "$dir/pki" "$eid" enable "$iccid"
eim_serve "$unknown_db"
refused_unsigned 1 "$unknown_db" "unknown eimId"

# a replayed counterValue: the same eimId and key, the counter back at 0
# (step 4): the eUICC answers replayError(4), signed
replay_db="sqlite:$dir/replay.db"
expect_status 0 "$eim" register --db "$replay_db" --eim-id eim.e2e --pki "$dir/pki" \
    "$dir/euiccs.csv"
expect_status 0 "$eim" queue --db "$replay_db" --pki "$dir/pki" "$eid" enable "$iccid"
eim_serve "$replay_db"
poll_once
refused 1 "$replay_db" "replayed counterValue"
echo "$line" | grep -q "error code 4\b" || fail "replay: not replayError(4): $line"

# the eIM's own packages go on after the refusals
psmo 4 4 delete "$iccid"
profile_state absent

stop eim_pid
elapsed=$(($(date +%s) - start_time))
[ "$failures" -eq 0 ] || exit 1
echo "all IoT end-to-end PC/SC tests passed in ${elapsed}s"
