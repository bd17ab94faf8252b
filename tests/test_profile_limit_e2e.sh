#!/bin/sh
# Profile count limit end to end (issue 8 "Profile count limit"; docs/COMPLIANCE.md section
# profilelimit): airwrited with every role on loopback (platform API + executor, eIM, SM-DP+),
# two simulated devices (airwrite-devsim: software eUICC + IPA polling the eIM) and
# airwritectl.
#  1. the policy ON ([profile_limit] enabled, max_per_euicc 2): two orders for device 1 are
#     written, the third is refused by the platform (A7401, exit 10) and stores nothing;
#  2. the policy OFF (airwrited restarted without it): the third order for device 1 is
#     written (plain SGP.22/SGP.32 behaviour, three profiles on its eUICC); device 2's eUICC
#     has its own limit of 1 (airwrite-devsim profile-limit): its first order is written, its
#     second fails on the card with errorReason installFailedDueToInsufficientMemoryForProfile
#     (SGP.22 5.7.6), whose PIR reaches the SM-DP+ and the platform: the item fails W7402;
#     the eUICC holds one profile.
# Arguments: the build directory. Needs openssl, timeout, /usr/bin/python3.
set -u
BUILD=$1
cli="$BUILD/src/cli"
here="$AW_SOURCE_ROOT/scripts"
N=2
for command in openssl timeout /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-profile-limit.XXXXXX")
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


# every port fixed (free_port: below the ephemeral range), as the restart in
# 2. binds them again
notify_port=$(free_port) && api_port=$(free_port) && eim_port=$(free_port) &&
    smdp_port=$(free_port) || die "no free port"
platform_config "$notify_port" "$api_port" "$eim_port" "$smdp_port"
cp "$dir/airwrited.conf" "$dir/airwrited-base.conf"
# values out of range are refused with their line (docs/airwrited.md)
for bad in "max_per_euicc = 0" "max_per_euicc = 256" "enabled = maybe"; do
    { cat "$dir/airwrited-base.conf"; printf '[profile_limit]\n%s\n' "$bad"; } >"$dir/bad.conf"
    status=0
    run "$cli/airwrited" --config "$dir/bad.conf" --check-config || status=$?
    [ "$status" != 0 ] && grep -q "profile_limit" "$dir/out" "$dir/err" ||
        die "[profile_limit] $bad accepted (exit $status)"
done
cat >>"$dir/airwrited.conf" <<CONF
[profile_limit]
enabled = yes
max_per_euicc = 2
CONF
start_daemon
N=6 # subscribers at the SM-DP+: one per order below
import_subscribers
N=2 # devices
platform_app
provision_devices
eid=$(sed -n 2p "$dir/devices/eids.csv")
eid2=$(sed -n 3p "$dir/devices/eids.csv")
# device 2's eUICC takes one profile (kept in its state)
run "$cli/airwrite-devsim" profile-limit --dir "$dir/devices" --eid "$eid2" 1 ||
    die "airwrite-devsim profile-limit (exit $?)"
status=0
run "$cli/airwrite-devsim" profile-limit --dir "$dir/devices" --eid "$eid2" 99 || status=$?
[ "$status" = 2 ] || die "profile-limit above the capacity: exit $status"
start_devices

# order KEY EID: submit one order for EID; its id in $order_id (exit status in $status)
order() {
    printf 'eid\n%s\n' "$2" >"$dir/one.csv"
    status=0
    run "$cli/airwritectl" order submit --csv "$dir/one.csv" --profile-type "$type" \
        --idempotency-key "limit-$1" || status=$?
    order_id=$(head -n 1 "$dir/out")
}
# written KEY EID: an order for EID, written
written() {
    order "$1" "$2"
    [ "$status" = 0 ] || die "order $1 refused (exit $status): $(cat "$dir/err")"
    run "$cli/airwritectl" order watch "$order_id" --interval 0.2 --timeout 150 ||
        die "order $1 not written (exit $?): $(cat "$dir/out")"
}
profiles() {
    run "$cli/airwritectl" cards get "$1" --json || die "cards get (exit $?)"
    json "$dir/out" \
        'len([p for p in j["profiles"] if p["state"] in ("installed", "enabled", "disabled")])'
}

# 1. the policy ON: two written, the third refused by the platform
written on-1 "$eid"
written on-2 "$eid"
order on-3 "$eid"
[ "$status" = 10 ] && grep -q A7401 "$dir/err" ||
    die "third order under the limit: exit $status, $(cat "$dir/err")"
[ "$(profiles "$eid")" = 2 ] || die "two profiles expected on $eid"
run "$cli/airwritectl" order list --json || die "order list (exit $?)"
[ "$(json "$dir/out" 'len(j["orders"])')" = 2 ] ||
    die "the refused order was stored: $(cat "$dir/out")"

# 2. the policy OFF: airwrited again without [profile_limit], on the ports it had (the
#    devices and airwritectl keep them)
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
platform_config "$notify_port" "$api_port" "$eim_port" "$smdp_port"
start_daemon
written off-3 "$eid"
[ "$(profiles "$eid")" = 3 ] || die "three profiles expected on $eid with the policy off"
# device 2: its eUICC's own limit
written dev2-1 "$eid2"
order dev2-2 "$eid2"
[ "$status" = 0 ] || die "order for device 2 refused by the platform (exit $status)"
status=0
run "$cli/airwritectl" order watch "$order_id" --interval 0.2 --timeout 150 || status=$?
[ "$status" = 3 ] || die "device 2's second order: watch exit $status, $(cat "$dir/out")"
run "$cli/airwritectl" order items "$order_id" --json || die "order items (exit $?)"
[ "$(json "$dir/out" 'j["items"][0]["errorCode"]')" = W7402 ] ||
    die "the eUICC's refusal is not W7402: $(cat "$dir/out")"
[ "$(profiles "$eid2")" = 1 ] || die "one profile expected on $eid2"

# the devices' eUICCs hold what the platform says
stop devsim_pid
run "$cli/airwrite-devsim" profiles --dir "$dir/devices" || die "airwrite-devsim profiles"
[ "$(grep -c "^$eid " "$dir/out")" = 3 ] || die "eUICC of $eid: $(cat "$dir/out")"
[ "$(grep -c "^$eid2 " "$dir/out")" = 1 ] || die "eUICC of $eid2: $(cat "$dir/out")"

stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
echo "profile limit: A7401 with the policy on; written with it off;" \
    "the eUICC's own limit: errorReason 10, W7402"
exit 0
