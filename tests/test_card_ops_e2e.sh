#!/bin/sh
# Card operations end to end (issue 6; docs/lifecycle.md "Card operations"):
# airwrited with every role on loopback (platform API + executor holding the
# eIM's signing key, eIM, SM-DP+), one simulated device (airwrite-devsim: a
# software eUICC + an IPA polling the eIM) and a callback receiver that
# verifies every event's signature.
#  - two write orders for the device's EID write two profiles to its card;
#  - airwritectl cards enable / disable / enable / switch / delete --wait:
#    each one PSMO signed by the executor, fetched by the device's IPA,
#    executed by its eUICC, the signed result verified by the eIM; each
#    outcome shows in GET /cards/{eid} (airwritectl cards get), in the
#    lifecycle history (actor card-ops) and on the device's eUICC
#    (airwrite-devsim profiles);
#  - card.operation.finished callbacks received, signatures verified;
#  - refusals: a delete of the enabled profile (A6002, exit 10), an
#    operation on a card the platform does not have (A5001, exit 10), a bad
#    operand count (exit 2).
# Arguments: the build directory. Needs openssl, timeout, /usr/bin/python3.
set -u
BUILD=$1
cli="$BUILD/src/cli"
here="$AW_SOURCE_ROOT/scripts"
N=2
for command in openssl timeout /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 || { echo "skipped: $command not found"; exit 77; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-card-ops.XXXXXX")
daemon_pid=
devsim_pid=
receiver_pid=
. "$here/platform-lib.sh"
cleanup() {
    stop devsim_pid
    stop receiver_pid
    stop daemon_pid
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() {
    echo "FAIL: $*" >&2
    for log in airwrited.log devsim.log receiver.log out err; do
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


notify_port=$(free_port) || die "no free port"
platform_config "$notify_port"
cat >>"$dir/airwrited.conf" <<CONF
eim_signing_key = pki/eim.key.pem
card_op_timeout = 300
CONF
start_daemon
import_subscribers
platform_app
provision_devices

/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))' >"$dir/callback.secret"
chmod 600 "$dir/callback.secret"
/usr/bin/python3 "$here/demo-receiver.py" "$dir/receiver.pem" "$dir/receiver.key" \
    "$dir/callback.secret" "$dir/receiver.port" "$dir/callbacks.json" 2>"$dir/receiver.log" &
receiver_pid=$!
for _ in $(seq 1 100); do
    [ -s "$dir/receiver.port" ] && break
    sleep 0.1
done
[ -s "$dir/receiver.port" ] || die "the callback receiver did not start"
run "$cli/airwritectl" callbacks register --url "https://127.0.0.1:$(cat "$dir/receiver.port")/hook" \
    --secret-file "$dir/callback.secret" --events card.operation.finished,lifecycle.changed ||
    die "airwritectl callbacks register (exit $?)"
start_devices

# two orders for the first device: two profiles on its card
eid=$(sed -n 2p "$dir/devices/eids.csv")
other_eid=$(sed -n 3p "$dir/devices/eids.csv")
printf 'eid\n%s\n' "$eid" >"$dir/one.csv"
for key in first second; do
    run "$cli/airwritectl" order submit --csv "$dir/one.csv" --profile-type "$type" \
        --idempotency-key "card-ops-$key" || die "order submit $key (exit $?)"
    order_id=$(head -n 1 "$dir/out")
    run "$cli/airwritectl" order watch "$order_id" --interval 0.2 --timeout 150 || die "order $key not written"
done
run "$cli/airwritectl" cards get "$eid" --json || die "cards get (exit $?)"
cp "$dir/out" "$dir/card.json"
[ "$(json "$dir/card.json" 'len(j["profiles"])')" = 2 ] || die "two profiles expected: $(cat "$dir/card.json")"
iccid1=$(json "$dir/card.json" 'j["profiles"][0]["iccid"]')
iccid2=$(json "$dir/card.json" 'j["profiles"][1]["iccid"]')

# state ICCID: the profile's state in GET /cards/{eid}
state() {
    run "$cli/airwritectl" cards get "$eid" --json || die "cards get (exit $?)"
    json "$dir/out" '[p["state"] for p in j["profiles"] if p["iccid"] == "'"$1"'"][0]'
}
# operate OPERATION OPERANDS...: --wait for it; it must succeed
operate() {
    run "$cli/airwritectl" cards "$@" --wait --interval 0.2 --timeout 150 --json ||
        die "cards $* (exit $?): $(cat "$dir/out" "$dir/err")"
    [ "$(json "$dir/out" 'j["status"]')" = succeeded ] || die "cards $*: $(cat "$dir/out")"
    [ "$(json "$dir/out" 'j["euiccResult"]')" = ok ] || die "cards $*: $(cat "$dir/out")"
}
operate enable "$eid" "$iccid1"
[ "$(state "$iccid1")" = enabled ] || die "$iccid1 not enabled"
operate disable "$eid" "$iccid1"
[ "$(state "$iccid1")" = disabled ] || die "$iccid1 not disabled"
operate enable "$eid" "$iccid1"
[ "$(state "$iccid1")" = enabled ] || die "$iccid1 not enabled again"
operate switch "$eid" "$iccid1" "$iccid2"
[ "$(state "$iccid2")" = enabled ] && [ "$(state "$iccid1")" = disabled ] ||
    die "switch: $iccid2 not enabled in place of $iccid1"

# refusals: the enabled profile cannot be deleted (SGP.22 5.7.18); no such card; usage
status=0
run "$cli/airwritectl" cards delete "$eid" "$iccid2" --wait || status=$?
[ "$status" = 10 ] && grep -q A6002 "$dir/err" || die "delete of the enabled profile: exit $status"
status=0
run "$cli/airwritectl" cards enable "$other_eid" "$iccid1" || status=$?
[ "$status" = 10 ] && grep -q A5001 "$dir/err" || die "unknown card: exit $status"
status=0
run "$cli/airwritectl" cards switch "$eid" "$iccid1" || status=$?
[ "$status" = 2 ] || die "switch without TO_ICCID: exit $status"

operate delete "$eid" "$iccid1"
[ "$(state "$iccid1")" = deleted ] || die "$iccid1 not deleted"

# the history: every step recorded with the worker as actor
run "$cli/airwritectl" cards history "$eid" --json || die "cards history (exit $?)"
steps=$(json "$dir/out" 'len([e for e in j["events"] if e["actor"] == "card-ops"])')
[ "$steps" = 6 ] || die "history: $steps transitions by card-ops, 6 expected"

# the device's eUICC holds what the platform says
stop devsim_pid
run "$cli/airwrite-devsim" profiles --dir "$dir/devices" || die "airwrite-devsim profiles"
grep -q "^$eid $iccid2 enabled" "$dir/out" || die "eUICC: $iccid2 not enabled: $(cat "$dir/out")"
! grep -q " $iccid1 " "$dir/out" || die "eUICC: $iccid1 still there: $(cat "$dir/out")"

# callbacks: five card.operation.finished, every signature verified
for _ in $(seq 1 100); do
    got=$(json "$dir/callbacks.json" 'j.get("card.operation.finished", 0)' 2>/dev/null)
    [ "$got" = 5 ] && break
    sleep 0.2
done
[ "$got" = 5 ] || die "callbacks: $(cat "$dir/callbacks.json")"
[ "$(json "$dir/callbacks.json" 'j.get("refused", 0)')" = 0 ] || die "a callback signature failed"

stop daemon_pid
[ "$stopped" -eq 0 ] || die "airwrited did not stop cleanly (exit $stopped)"
echo "card operations: enable, disable, enable, switch, delete written through the eUICC; refusals checked"
exit 0
