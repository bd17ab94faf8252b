#!/bin/sh
# Location-bound writing end to end (issue 8 境外禁写; docs/location.md):
# airwrited with every role on loopback (platform API + executor holding the
# eIM's signing key, eIM, SM-DP+) and three simulated devices
# (airwrite-devsim: software eUICC + IPA polling the eIM). The devices'
# fixes are recorded through platform_location_record (tests/location_feed,
# as the terminal information channel does with each decrypted fix).
# [location] ON (region CN, the shipped data/regions):
#  - a device in Beijing is written (inside);
#  - a device in Seoul: its item fails T3301, a terminal exception T3301
#    (serious) is raised;
#  - a device whose last fix is an hour old: its item is held (in_progress,
#    nothing ordered), then written once a fresh fix from Shanghai arrives;
#  - an enable on the Beijing card after it reported a fix in Seoul fails
#    T3301 (no PSMO sent); back in Beijing the enable succeeds;
#  - a cell fix of MCC 460 (China) without a position allows the write path too.
# [location] OFF (airwrited restarted): the Seoul device is written anyway.
# Arguments: the build directory. Needs openssl, timeout, /usr/bin/python3.
set -u
BUILD=$1
cli="$BUILD/src/cli"
feed="$BUILD/tests/location_feed"
here="$AW_SOURCE_ROOT/scripts"
N=3
for command in openssl timeout /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-location.XXXXXX")
daemon_pid=
devsim_pid=
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
. "$here/platform-lib.sh"

# json FILE EXPRESSION: a Python expression over the JSON document j
json() {
    /usr/bin/python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}
# fix EID ARGS...: record a fix (location_feed)
fix() {
    "$feed" "$platform_db" "$@" >"$dir/out" 2>"$dir/err" || die "location_feed $*: $(cat "$dir/err")"
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
    smdp_fixed=$(free_port) || die "no free port"
platform_config "$notify_port" "$api_fixed" "$eim_fixed" "$smdp_fixed"
cat >>"$dir/airwrited.conf" <<CONF
eim_signing_key = pki/eim.key.pem
card_op_timeout = 300
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
start_devices

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
run "$cli/airwritectl" cards enable "$beijing" "$iccid" --wait --interval 1 --timeout 150 --json ||
    status=$?
[ "$status" = 11 ] || die "enable from Seoul: exit $status: $(cat "$dir/out" "$dir/err")"
[ "$(json "$dir/out" 'j["errorCode"]')" = T3301 ] || die "enable from Seoul: $(cat "$dir/out")"
fix "$beijing" cell 460 00 1 # a Chinese cell, no position: inside by its MCC
run "$cli/airwritectl" cards enable "$beijing" "$iccid" --wait --interval 1 --timeout 150 --json \
    --idempotency-key location-enable-home || die "enable at home (exit $?): $(cat "$dir/out" "$dir/err")"
[ "$(json "$dir/out" 'j["status"]')" = succeeded ] || die "enable at home: $(cat "$dir/out")"

# OFF: airwrited again without the policy; the Seoul device is written
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
sed -i '/^\[location\]/,$ s/^enabled = yes$/enabled = no/' "$dir/airwrited.conf"
sed -n '/^\[location\]/,$p' "$dir/airwrited.conf" | grep -q '^enabled = no$' || die "policy not off"
sed -n '/^\[executor\]/,/^\[/p' "$dir/airwrited.conf" | grep -q '^enabled = yes$' || die "executor off"
start_daemon
[ "$api_port" = "$api_fixed" ] && [ "$eim_port" = "$eim_fixed" ] || die "ports moved"
fix "$seoul" gnss 37.5665 126.9780 1
submit off "$seoul"
run "$cli/airwritectl" order watch "$order_id" --timeout 150 || die "policy off: Seoul not written"

stop devsim_pid
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
echo "location: inside written, outside refused T3301 with its exception, stale held then written, enable refused outside and allowed inside; off: outside written"
exit 0
