#!/bin/sh
# Location-bound writing end to end (issue 8 境外禁写; docs/location.md):
# airwrited with every role on loopback (platform API + executor holding the
# eIM's signing key, eIM, SM-DP+) and three simulated devices
# (airwrite-devsim: software eUICC + IPA polling the eIM). The devices report
# their own fixes through the encrypted terminal information channel
# (docs/terminal-info.md): before each poll cycle each device's IPA
# (ipa/terminal_info.h in airwrite-devsim run --info-*) seals its record to
# the platform's key, signs it with the key of its device certificate
# (airwrite-pki device) and POSTs it over mutual TLS to airwrited's terminal
# listener ([terminal] info_required, info_key), which decrypts it and hands
# the fix to platform_location_record. A test moves a device by rewriting its
# location file (DIR/devices/EID/location, read at each visit) and waits for
# the platform to have recorded that fix (its fix time, unique per move).
# Every case is reachable by a device; no fix is written to the platform
# behind the channel's back.
# [location] ON (region CN, the shipped data/regions), the devices sealing
# to the platform's SM2 key (domestic suite):
#  - a device in Beijing is written (inside);
#  - a device in Seoul: its item fails T3301, a terminal exception T3301
#    (serious) is raised;
#  - a device whose last fix is an hour old: its item is held (in_progress,
#    nothing ordered), then written once a fresh fix from Shanghai arrives;
#  - an enable on the Beijing card after it reported a fix in Seoul fails
#    T3301 (no PSMO sent); after it reported 0/0 (a receiver's "no fix") it
#    fails T3304 (implausible); back home, reporting a Chinese cell (MCC 460,
#    no position), the enable succeeds.
# [location] OFF (airwrited restarted, the devices restarted sealing to its
# P-256 key, international suite; a device without its own location file
# reports the run's --location): the Seoul device is written anyway; both
# suites' records are stored, sealed (no IMEI in the database files).
# The devices' failures: a report sealed to a key id the platform does not
# hold is refused T3205 and the poll goes on; a malformed location file or a
# missing device key fails that device's visit; bad options exit 2.
# Arguments: the build directory. Needs openssl, timeout, sqlite3, /usr/bin/python3.
set -u
BUILD=$1
cli="$BUILD/src/cli"
here="$AW_SOURCE_ROOT/scripts"
N=3
for command in openssl timeout sqlite3 /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-location.XXXXXX")
daemon_pid=
devsim_pid=
. "$here/platform-lib.sh"
cleanup() {
    stop devsim_pid
    stop daemon_pid
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() {
    echo "FAIL: $*" >&2
    for log in airwrited.log devsim.log out err; do
        if [ -s "$dir/$log" ]; then
            echo "---- $log (last lines)" >&2
            tail -n 15 "$dir/$log" >&2
        fi
    done
    exit 1
}
run() {
    timeout 180 "$@" >"$dir/out" 2>"$dir/err"
}

# fix EID (gnss LAT LON AGE_S | cell MCC MNC): the device's location file
# (written whole, renamed into place) with a fix taken AGE_S ago (a cell: now);
# then wait (60 s) until the platform recorded it from the device's report.
# No two moves have the same fix time (an earlier one is taken when it was
# used), so the wait cannot be satisfied by an earlier report.
used=" "
# unique_at AGE_S: a fix time AGE_S ago (or earlier) used by no move before, in at
unique_at() {
    at=$(($(date +%s) - $1))
    while case "$used" in *" $at "*) true ;; *) false ;; esac; do
        at=$((at - 1))
    done
    used="$used$at "
}
fix() {
    unique_at "${5:-0}"
    if [ "$2" = gnss ]; then
        line="$3,$4,5,$at"
    else
        line="cell,$3,$4,6699,27054532,$at"
    fi
    printf '%s\n' "$line" >"$dir/devices/devices/$1/location.new" &&
        mv "$dir/devices/devices/$1/location.new" "$dir/devices/devices/$1/location" ||
        die "cannot write the location of $1"
    wait_fix "$1"
}
# wait_fix EID: until the platform recorded the fix of time $at for EID (60 s)
wait_fix() {
    for _ in $(seq 1 600); do
        recorded=$(sqlite3 "$state/platform.db" \
            "SELECT fix_time FROM platform_location_fixes WHERE eid = '$1'" 2>/dev/null)
        [ "$recorded" = "$at" ] && return 0
        sleep 0.1
    done
    die "the platform did not record $1 at $line from its report (fix time ${recorded:-none})"
}
# devices SUITE KEY_ID PEM [OPTION...]: the devices poll the eIM and report
# their terminal information to the platform's key PEM (devsim_pid)
devices() {
    suite=$1 key_id=$2 key=$3
    shift 3
    "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
        --ca "$pki/ci.pem" --threads 4 --poll-interval 500 --duration 86400 \
        --info-url "https://127.0.0.1:$terminal_port/terminal/v1/info" \
        --info-platform-key "$key" --info-suite "$suite" --info-key-id "$key_id" \
        --imei "$imei" "$@" >/dev/null 2>>"$dir/devsim.log" &
    devsim_pid=$!
}
# item ORDER EID MEMBER: the item's status or errorCode ("" when none)
item() {
    run "$cli/airwritectl" order items "$1" --json || die "order items (exit $?)"
    json "$dir/out" '[i.get("'"$3"'", "") for i in j["items"] if i["eid"] == "'"$2"'"][0]'
}
# wait_item ORDER EID STATUS: until the item is in STATUS (150 s)
wait_item() {
    for _ in $(seq 1 300); do
        [ "$(item "$1" "$2" status)" = "$3" ] && return 0
        sleep 0.5
    done
    die "item $2 of $1 not $3 but $(item "$1" "$2" status)"
}
# submit KEY EID...: an order for the EIDs; its id in order_id
submit() {
    key=$1
    shift
    printf 'eid\n' >"$dir/order.csv"
    for e in "$@"; do printf '%s\n' "$e" >>"$dir/order.csv"; done
    run "$cli/airwritectl" order submit --csv "$dir/order.csv" --profile-type "$type" \
        --idempotency-key "location-$key" || die "order submit $key (exit $?)"
    order_id=$(head -n 1 "$dir/out")
}

# fixed ports: the devices and airwritectl reach the restarted daemon at the same ones
notify_port=$(free_port) && api_fixed=$(free_port) && eim_fixed=$(free_port) &&
    smdp_fixed=$(free_port) && terminal_port=$(free_port) || die "no free port"
imei=356938035643809
platform_config "$notify_port" "$api_fixed" "$eim_fixed" "$smdp_fixed"
# the device CA of the terminal listener, the platform's keys of the
# terminal information (P-256 for ECIES, SM2) and the public keys devices hold
run "$cli/airwrite-pki" device-ca --out "$dir/device-ca" || die "airwrite-pki device-ca"
mkdir -p "$state/keys" || die "no state directory"
for curve in P-256 SM2; do
    openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" \
        -out "$state/keys/info-$curve.pem" 2>"$dir/err" &&
        openssl pkey -in "$state/keys/info-$curve.pem" -pubout \
            -out "$dir/info-$curve.pub.pem" 2>"$dir/err" || die "openssl $curve: $(cat "$dir/err")"
done
cat >>"$dir/airwrited.conf" <<CONF
eim_signing_key = pki/eim.key.pem
card_op_timeout = 300
[terminal]
device_ca = $dir/device-ca/device-ca.pem
port = $terminal_port
info_required = yes
info_key = 1 international keys/info-P-256.pem
info_key = 2 domestic keys/info-SM2.pem
[location]
enabled = yes
region = CN
data_dir = $AW_SOURCE_ROOT/data/regions
max_age_s = 300
max_speed_kmh = 0
hold_s = 120
CONF
# [location] refusals of the configuration: each names its key
bad_config() { # KEY LINE: [location] with LINE for KEY must fail --check-config naming KEY
    sed "/^\[location\]/,\$ {/^$1 = /d}" "$dir/airwrited.conf" >"$dir/bad.conf"
    printf '%s\n' "$2" >>"$dir/bad.conf"
    status=0
    timeout 60 "$cli/airwrited" --config "$dir/bad.conf" --check-config >"$dir/out" 2>"$dir/err" ||
        status=$?
    [ "$status" != 0 ] && grep -q "\[location\] $1" "$dir/out" "$dir/err" ||
        die "[location] $2 accepted (exit $status): $(cat "$dir/out" "$dir/err")"
}
bad_config on_stale "on_stale = wait"
bad_config max_age_s "max_age_s = 0"
bad_config hold_s "hold_s = 604801"
bad_config enabled "enabled = maybe"
bad_config region "region = XX"
bad_config data_dir "data_dir = $dir/no-regions"
start_daemon
import_subscribers
platform_app
provision_devices
# each device's TLS client certificate (subject serialNumber = its EID)
for eid in $(tail -n +2 "$dir/devices/eids.csv"); do
    run "$cli/airwrite-pki" device --eid "$eid" --ca "$dir/device-ca/device-ca.pem" \
        --out "$dir/devices/devices/$eid" || die "airwrite-pki device --eid $eid"
done
devices domestic 2 "$dir/info-SM2.pub.pem"

beijing=$(sed -n 2p "$dir/devices/eids.csv")
seoul=$(sed -n 3p "$dir/devices/eids.csv")
stale=$(sed -n 4p "$dir/devices/eids.csv")
fix "$beijing" gnss 39.9042 116.4074 5
fix "$seoul" gnss 37.5665 126.9780 5
fix "$stale" gnss 31.2304 121.4737 3600

# ON: one order for the three
submit on "$beijing" "$seoul" "$stale"
on_order=$order_id
wait_item "$on_order" "$beijing" written
wait_item "$on_order" "$seoul" failed
[ "$(item "$on_order" "$seoul" errorCode)" = T3301 ] || die "Seoul: $(item "$on_order" "$seoul" errorCode), T3301 expected"
# the stale one is held: started, nothing ordered, for as long as no fresh fix comes
sleep 3
[ "$(item "$on_order" "$stale" status)" = in_progress ] || die "stale fix: $(item "$on_order" "$stale" status), held (in_progress) expected"
run "$cli/airwritectl" cards get "$stale" --json && die "a held card has a profile: $(cat "$dir/out")"
fix "$stale" gnss 31.2304 121.4737 1
wait_item "$on_order" "$stale" written

# the terminal exception of the refusal, serious
run "$cli/airwritectl" exceptions list --class terminal || die "exceptions list (exit $?)"
grep T3301 "$dir/out" | grep -q serious || die "no serious T3301 exception: $(cat "$dir/out")"

# an enable on the Beijing card from Seoul: T3301, no PSMO; back home it succeeds
run "$cli/airwritectl" cards get "$beijing" --json || die "cards get (exit $?)"
iccid=$(json "$dir/out" 'j["profiles"][0]["iccid"]')
fix "$beijing" gnss 37.5665 126.9780 1
status=0
run "$cli/airwritectl" cards enable "$beijing" "$iccid" --wait --interval 0.2 --timeout 150 --json ||
    status=$?
[ "$status" = 11 ] || die "enable from Seoul: exit $status: $(cat "$dir/out" "$dir/err")"
[ "$(json "$dir/out" 'j["errorCode"]')" = T3301 ] || die "enable from Seoul: $(cat "$dir/out")"
fix "$beijing" gnss 0 0 1 # a receiver's "no fix": implausible, refused by default
status=0
run "$cli/airwritectl" cards enable "$beijing" "$iccid" --wait --interval 0.2 --timeout 150 --json ||
    status=$?
[ "$status" = 11 ] && [ "$(json "$dir/out" 'j["errorCode"]')" = T3304 ] ||
    die "enable at 0/0: exit $status: $(cat "$dir/out" "$dir/err")"
fix "$beijing" cell 460 00 # a Chinese cell, no position: inside by its MCC
run "$cli/airwritectl" cards enable "$beijing" "$iccid" --wait --interval 0.2 --timeout 150 --json \
    --idempotency-key location-enable-home || die "enable at home (exit $?): $(cat "$dir/out" "$dir/err")"
[ "$(json "$dir/out" 'j["status"]')" = succeeded ] || die "enable at home: $(cat "$dir/out")"

# OFF: airwrited again without the policy, the devices sealing to its P-256
# key; the Seoul device reports from Seoul and is written
stop devsim_pid
[ "$stopped" -eq 0 ] || die "airwrite-devsim did not stop cleanly (exit $stopped)"
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
sed -i '/^\[location\]/,$ s/^enabled = yes$/enabled = no/' "$dir/airwrited.conf"
sed -n '/^\[location\]/,$p' "$dir/airwrited.conf" | grep -q '^enabled = no$' || die "policy not off"
sed -n '/^\[executor\]/,/^\[/p' "$dir/airwrited.conf" | grep -q '^enabled = yes$' || die "executor off"
start_daemon
[ "$api_port" = "$api_fixed" ] && [ "$eim_port" = "$eim_fixed" ] || die "ports moved"
# the run's --location for a device without its own file (Shenzhen)
unique_at 2
rm "$dir/devices/devices/$stale/location" || die "no location file of $stale"
devices international 1 "$dir/info-P-256.pub.pem" --location "22.5431,114.0579,5,$at"
line="--location 22.5431,114.0579,5,$at"
wait_fix "$stale"
fix "$seoul" gnss 37.5665 126.9780 1
submit off "$seoul"
run "$cli/airwritectl" order watch "$order_id" --interval 0.2 --timeout 150 || die "policy off: Seoul not written"

stop devsim_pid
[ "$stopped" -eq 0 ] || die "airwrite-devsim did not stop cleanly (exit $stopped)"
# the devices' failures: sealed to a key id the platform does not hold (400
# T3205, the poll goes on); a malformed location file and a missing device key
# (the visit fails, named); then the options refused before any device runs
printf '91,0,5\n' >"$dir/devices/devices/$beijing/location"
mv "$dir/devices/devices/$stale/device-$stale.key.pem" "$dir/stale.key.pem"
run "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
    --ca "$pki/ci.pem" --poll-interval 500 --duration 3 --progress 0 \
    --info-url "https://127.0.0.1:$terminal_port/terminal/v1/info" \
    --info-platform-key "$dir/info-P-256.pub.pem" --info-key-id 3 ||
    die "airwrite-devsim with failing reports (exit $?)"
grep -q "device $seoul: terminal information: the platform answered 400 T3205" "$dir/err" ||
    die "no T3205 refusal: $(cat "$dir/err")"
grep -q "device $beijing: .*(AW_ERR_ARGUMENT)" "$dir/err" || die "malformed location: $(cat "$dir/err")"
grep -q "device $stale: .*(AW_ERR_NOT_FOUND)" "$dir/err" || die "no device key: $(cat "$dir/err")"
grep -q "terminal information: 0 reports taken, [1-9][0-9]* refused or not sent" "$dir/err" ||
    die "failures not counted: $(cat "$dir/err")"
grep -q "^devices 3 contacted 1 " "$dir/out" || die "the Seoul device did not poll: $(cat "$dir/out")"
# usage VALUE...: airwrite-devsim run refuses the options (exit 2)
usage() {
    status=0
    run "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
        --ca "$pki/ci.pem" --duration 1 "$@" || status=$?
    [ "$status" = 2 ] || die "airwrite-devsim run $*: exit $status, 2 expected"
}
usage --info-url "https://127.0.0.1:$terminal_port/terminal/v1/info"
usage --info-platform-key "$dir/info-P-256.pub.pem"
usage --info-url https://x/ --info-platform-key "$dir/info-P-256.pub.pem" --info-suite other
usage --info-url https://x/ --info-platform-key "$dir/info-P-256.pub.pem" --info-key-id 0
usage --location 39.9,116.4
usage --location cell,460,00,1
usage --info-url
status=0
run "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
    --ca "$pki/ci.pem" --duration 1 --info-url https://x/ --info-platform-key "$dir/receiver.pem" ||
    status=$?
[ "$status" = 1 ] && grep -q "info-platform-key" "$dir/err" ||
    die "a certificate as the platform key: exit $status: $(cat "$dir/err")"
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
# the reports of both suites stored, sealed: no IMEI in the database files
suites=$(sqlite3 "$state/platform.db" \
    "SELECT group_concat(suite, ',') FROM (SELECT DISTINCT suite FROM platform_terminal_info
     WHERE eid = '$seoul' ORDER BY suite)")
[ "$suites" = "domestic,international" ] || die "the Seoul device's stored suites: $suites"
for f in "$state/platform.db" "$state/platform.db-wal"; do
    [ -f "$f" ] || continue
    if grep -q "$imei" "$f"; then die "$f holds the IMEI in clear"; fi
done
grep -q "refused or not sent" "$dir/devsim.log" || die "no terminal information summary"
if grep -q "terminal information: the platform answered" "$dir/devsim.log"; then
    die "a report was refused: $(grep "terminal information:" "$dir/devsim.log" | head -n 3)"
fi
echo "location (devices reporting sealed, both suites): inside written, outside refused T3301 with its exception, stale held then written, enable refused outside (T3301) and at 0/0 (T3304), allowed inside; off: outside written; report failures named"
exit 0
