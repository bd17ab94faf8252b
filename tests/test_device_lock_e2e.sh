#!/bin/sh
# Card-device locking (机卡互锁) end to end (docs/device-lock.md): airwrited
# with every role on loopback (platform API, executor with the eIM's signing
# key and a 1 s sweep, eIM, SM-DP+), one simulated device (airwrite-devsim:
# software eUICC + IPA whose DeviceInfo carries --imei), the API called by a
# tenant user, an operator and a platform administrator
# (tests/device_lock_client.py).
# [device_lock] enabled = yes:
#  - the operator binds the card to IMEI A; the sweep takes it to the eIM;
#  - in device A an order is written and its profile enabled (bound device);
#  - the card moves to device B: the next order's download is refused by the
#    eIM (the eUICC-signed DeviceInfo names B), the sweep raises T3101, locks
#    the card and queues a PSMO disable, which the eUICC carries out;
#  - the locked card takes no card operation (A7201); the operator may not
#    unlock (I2201), the platform administrator does.
#  Per profile (before the card moves), on a second card bound to nothing: the operator binds every
#  ICCID of the profile type to IMEI A (PUT /profiles/{iccid}/device-binding);
#  - in device A the card's order is written (the executor gave the eIM the
#    profile's device with the trigger; the eUICC-signed DeviceInfo is A);
#  - in device B the next order's download is refused by the eIM: T3101
#    naming the ICCID, the card not locked (no card binding).
# [device_lock] enabled = no (the same daemon restarted): device B, still
#  not the bound one, is written like any device (its profile bound to A
#  too); no new T3101.
# Arguments: the build directory. Needs openssl, timeout, /usr/bin/python3.
set -u
BUILD=$1
cli="$BUILD/src/cli"
here="$AW_SOURCE_ROOT/scripts"
client="$AW_SOURCE_ROOT/tests/device_lock_client.py"
N=6 # subscribers (ICCIDs) and devices: five orders reach the SM-DP+
IMEI_A=490154203237518
IMEI_B=356938035643809
for command in openssl timeout /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-device-lock.XXXXXX")
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

# api WHO METHOD PATH [BODY]: one call as WHO (user, operator, admin); the
# status in $status, the body in $dir/answer.json
api() {
    who=$1
    shift
    eval "id=\$${who}_id"
    timeout 60 /usr/bin/python3 "$client" "$api_port" "$pki/ci.pem" "$id" "$dir/$who.secret" \
        "$@" >"$dir/answer" 2>"$dir/err" || die "api $*: client failed"
    status=$(sed -n 1p "$dir/answer")
    sed -n 2p "$dir/answer" >"$dir/answer.json"
}
# role_app ROLE NAME: an app of the tenant with ROLE; NAME_id, $dir/NAME.secret
role_app() {
    run "$cli/airwrite-platform" app-create --db "$platform_db" --keys "$state/platform.key" \
        --tenant "$tenant" --rate 6000 --burst 200 --role "$1" || die "app-create $1"
    eval "$2_id=$(sed -n 's/^appId: //p' "$dir/out")"
    (umask 077 && sed -n 's/^appSecret: //p' "$dir/out" >"$dir/$2.secret")
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
    limit=$1
    shift
    for _ in $(seq 1 "$((limit * 2))"); do
        "$@" && return 0
        sleep 0.5
    done
    return 1
}
configure() {
    platform_config "$notify_port"
    cat >>"$dir/airwrited.conf" <<CONF
eim_signing_key = pki/eim.key.pem
card_op_timeout = 300
[exceptions]
sweep_interval = 1s
[device_lock]
enabled = $1
CONF
}
devices() {
    stop devsim_pid
    "$cli/airwrite-devsim" run --dir "$dir/devices" --eim "https://127.0.0.1:$eim_port" \
        --ca "$pki/ci.pem" --threads 2 --poll-interval 500 --duration 86400 --imei "$1" \
        >/dev/null 2>>"$dir/devsim.log" &
    devsim_pid=$!
}
# write KEY [CSV]: an order for the card (CSV: another card's file), watched until written
write() {
    run "$cli/airwritectl" order submit --csv "${2:-$dir/one.csv}" --profile-type "$type" \
        --idempotency-key "device-lock-$1" || die "order submit $1 (exit $?)"
    order_id=$(head -n 1 "$dir/out")
    run "$cli/airwritectl" order watch "$order_id" --interval 0.2 --timeout 150 || die "order $1 not written"
}
binding_is() {
    api user GET "/api/v1/cards/$eid/device-binding"
    [ "$status" = 200 ] && [ "$(json "$dir/answer.json" "$1")" = True ]
}
t3101_count() {
    api user GET /api/v1/exceptions
    json "$dir/answer.json" 'sum(e["count"] for e in j["exceptions"] if e["code"] == "T3101")'
}
disable_done() {
    api user GET "/api/v1/cards/$eid/operations"
    [ "$(json "$dir/answer.json" '[o["status"] for o in j["operations"] if o["operation"] == "disable"][-1:] == ["succeeded"]')" = True ]
}

notify_port=$(free_port) || die "no free port"
configure yes
start_daemon
import_subscribers
platform_app
user_id=$app_id
cp "$dir/app.secret" "$dir/user.secret"
role_app operator operator
role_app platform_admin admin
provision_devices
eid=$(sed -n 2p "$dir/devices/eids.csv")
printf 'eid\n%s\n' "$eid" >"$dir/one.csv"

# ---- policy on -------------------------------------------------------------
api operator PUT "/api/v1/cards/$eid/device-binding" "{\"device\":\"$IMEI_A\"}"
[ "$status" = 404 ] && grep -q A5001 "$dir/answer.json" ||
    die "binding a card the platform does not have yet: $status"
devices "$IMEI_A"
write first
api user PUT "/api/v1/cards/$eid/device-binding" "{\"device\":\"$IMEI_A\"}"
[ "$status" = 403 ] && grep -q I2201 "$dir/answer.json" || die "tenant user bound: $status"
api operator PUT "/api/v1/cards/$eid/device-binding" "{\"device\":\"$IMEI_A\"}"
[ "$status" = 200 ] || die "operator bind: $status $(cat "$dir/answer.json")"
wait_for 30 binding_is 'j["atEim"]' || die "the binding never reached the eIM"
run "$cli/airwritectl" cards get "$eid" --json || die "cards get (exit $?)"
iccid1=$(json "$dir/out" 'j["profiles"][0]["iccid"]')
run "$cli/airwritectl" cards enable "$eid" "$iccid1" --wait --interval 0.2 --timeout 150 --json ||
    die "cards enable (exit $?): $(cat "$dir/out" "$dir/err")"
[ "$(json "$dir/out" 'j["status"]')" = succeeded ] || die "enable: $(cat "$dir/out")"
[ "$(t3101_count)" = 0 ] || die "T3101 raised for the bound device"

# ---- per profile (policy on): a second card, bound to nothing -------------
eid2=$(sed -n 3p "$dir/devices/eids.csv")
printf 'eid\n%s\n' "$eid2" >"$dir/two.csv"
# every ICCID import_subscribers made (platform-lib.sh), bound to IMEI A
for iccid in $(/usr/bin/python3 -c 'import sys
for i in range(1, int(sys.argv[1]) + 1):
    body = "89860%014d" % i
    total = 0
    for k, c in enumerate(reversed(body)):
        d = int(c) * (2 if k % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    print("%s%d" % (body, (10 - total % 10) % 10))' "$N"); do
    api operator PUT "/api/v1/profiles/$iccid/device-binding" "{\"device\":\"$IMEI_A\"}"
    [ "$status" = 200 ] || die "profile bind $iccid: $status $(cat "$dir/answer.json")"
done
api user PUT "/api/v1/profiles/$iccid/device-binding" "{\"device\":\"$IMEI_A\"}"
[ "$status" = 403 ] && grep -q I2201 "$dir/answer.json" || die "tenant user bound a profile: $status"
count_before=$(t3101_count)
devices "$IMEI_A"
write profile-a "$dir/two.csv"
[ "$(t3101_count)" = "$count_before" ] || die "T3101 raised for the profile's bound device"
# in device B the bound profile's download is refused by the eIM
devices "$IMEI_B"
run "$cli/airwritectl" order submit --csv "$dir/two.csv" --profile-type "$type" \
    --idempotency-key device-lock-profile-b || die "order submit profile-b (exit $?)"
profile_order=$(head -n 1 "$dir/out")
t3101_profile() {
    api user GET /api/v1/exceptions
    [ "$(json "$dir/answer.json" '[e["iccid"] for e in j["exceptions"] if e["code"] == "T3101" and e.get("iccid") and e.get("eid") == "'"$eid2"'"][:1] != []')" = True ]
}
wait_for 120 t3101_profile || die "no T3101 for the bound profile's refused download"
run "$cli/airwritectl" cards get "$eid2" --json || die "cards get (exit $?)"
[ "$(json "$dir/out" 'len([p for p in j["profiles"] if p["state"] in ("installed", "enabled", "disabled")])')" = 1 ] ||
    die "the refused profile was written: $(cat "$dir/out")"
run "$cli/airwritectl" order cancel "$profile_order" || true
api user GET "/api/v1/cards/$eid2/device-binding"
[ "$status" = 404 ] || die "the second card has a card binding: $status"

# the card in another device: refused by the eIM, T3101, locked, disabled
devices "$IMEI_B"
run "$cli/airwritectl" order submit --csv "$dir/one.csv" --profile-type "$type" \
    --idempotency-key device-lock-moved || die "order submit moved (exit $?)"
moved_order=$(head -n 1 "$dir/out")
wait_for 120 binding_is 'j["locked"]' || die "the card was not locked"
[ "$(json "$dir/answer.json" 'j["lockCause"]')" = T3101 ] || die "lock cause: $(cat "$dir/answer.json")"
[ "$(t3101_count)" -ge 1 ] || die "no T3101 exception"
wait_for 120 disable_done || die "the PSMO disable did not succeed: $(cat "$dir/answer.json")"
run "$cli/airwritectl" cards get "$eid" --json || die "cards get (exit $?)"
[ "$(json "$dir/out" '[p["state"] for p in j["profiles"] if p["iccid"] == "'"$iccid1"'"][0]')" = disabled ] ||
    die "profile not disabled by the lock: $(cat "$dir/out")"
run "$cli/airwritectl" order cancel "$moved_order" || true
# nothing more to download (the refused orders' triggers stay queued at the
# eIM): the devices stop and a few sweeps collect every mismatch recorded, so
# none locks the card again after the unlock below
stop devsim_pid
sleep 3
status=0
run "$cli/airwritectl" cards enable "$eid" "$iccid1" || status=$?
[ "$status" = 10 ] && grep -q A7201 "$dir/err" || die "card operation on a locked card: exit $status"
api operator POST "/api/v1/cards/$eid/device-binding/unlock"
[ "$status" = 403 ] && grep -q I2201 "$dir/answer.json" || die "operator unlocked: $status"
api admin POST "/api/v1/cards/$eid/device-binding/unlock"
[ "$status" = 200 ] && [ "$(json "$dir/answer.json" 'j["locked"]')" = False ] ||
    die "admin unlock: $status $(cat "$dir/answer.json")"
count_on=$(t3101_count)

# ---- policy off: the same mismatch, nothing refused -------------------------
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
configure no
start_daemon
export AIRWRITE_URL="https://127.0.0.1:$api_port"
devices "$IMEI_B"
write off
[ "$(t3101_count)" = "$count_on" ] || die "T3101 raised with the policy off"
binding_is 'not j["locked"]' || die "locked with the policy off"

stop devsim_pid
stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
echo "device lock: bound device written; moved card refused, T3101, locked, disabled, unlocked by the administrator only; bound profile written in its device, refused in another (T3101, no lock); policy off unchanged"
exit 0
