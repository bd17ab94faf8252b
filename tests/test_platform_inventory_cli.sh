#!/bin/sh
# airwrite-platform: profile types with their business scope, a tenant's
# scope, a number pool with segments and IMSI ranges, numbers added, shown;
# every refusal exits non-zero with its message.
#   test_platform_inventory_cli.sh AIRWRITE_PLATFORM
set -eu
cli=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="sqlite:$work/platform.db"

fail() {
    echo "FAIL: $*"
    exit 1
}
refuse() {
    if "$@" >"$work/refused.out" 2>&1; then fail "accepted: $*"; fi
}

"$cli" profile-type-set --db "$db" --data --sms 10658888,+8613800000000 iot-sms
"$cli" profile-type-show --db "$db" iot-sms >"$work/type.out"
grep -qx "data: yes" "$work/type.out" || fail "type data"
grep -qx "sms: 10658888,+8613800000000" "$work/type.out" || fail "type sms"
grep -qx "voice: no" "$work/type.out" || fail "type voice"
"$cli" profile-type-set --db "$db" --data iot-data

"$cli" scope-show --db "$db" --tenant t1 | grep -qx "data: no" || fail "default scope"
"$cli" scope-set --db "$db" --tenant t1 --data --sms 10658888
"$cli" scope-show --db "$db" --tenant t1 >"$work/scope.out"
grep -qx "sms: 10658888" "$work/scope.out" || fail "scope sms"

"$cli" pool-create --db "$db" --tenant t1 --profile-type iot-data --segment 14409 \
    --segment 1064 --imsi-range 460040000000000-460040000099999 --cooling-days 90 pool-a
"$cli" number-add --db "$db" --tenant t1 --pool pool-a --msisdn 1440900000000 \
    --imsi 460040000000000 --count 25 | grep -qx "added: 25" || fail "number-add"
"$cli" pool-show --db "$db" --tenant t1 pool-a >"$work/pool.out"
grep -qx "free: 25" "$work/pool.out" || fail "pool free: $(cat "$work/pool.out")"
grep -qx "coolingDays: 90" "$work/pool.out" || fail "pool cooling"
grep -qx "segment: 1064" "$work/pool.out" || fail "pool segment"
grep -qx "imsiRange: 460040000000000-460040000099999" "$work/pool.out" || fail "pool range"

# refusals
refuse "$cli" profile-type-show --db "$db" nope
grep -q "no such profile type" "$work/refused.out" || fail "unknown type message"
refuse "$cli" profile-type-set --db "$db" empty
refuse "$cli" profile-type-set --db "$db" --sms 1 bad-sms
refuse "$cli" scope-set --db "$db" --data
refuse "$cli" pool-create --db "$db" --tenant t1 --profile-type iot-data --segment 144091 \
    --imsi-range 460050000000000-460050000099999 pool-b
grep -q "overlapping another pool" "$work/refused.out" || fail "overlap message"
refuse "$cli" pool-create --db "$db" --tenant t1 --profile-type nope --segment 1450 \
    --imsi-range 460050000000000-460050000099999 pool-b
refuse "$cli" pool-create --db "$db" --tenant t1 --profile-type iot-data --segment 1450 \
    --imsi-range 460050000000000 pool-b
refuse "$cli" pool-create --db "$db" --tenant t1 --profile-type iot-data --segment 1450 \
    --imsi-range 460050000000000-460050000099999 --cooling-days -1 pool-b
refuse "$cli" number-add --db "$db" --tenant t1 --pool pool-a --msisdn 1450000000000 \
    --imsi 460040000001000
grep -q "outside the pool" "$work/refused.out" || fail "range message"
refuse "$cli" number-add --db "$db" --tenant t1 --pool pool-a --msisdn 1440900000000 \
    --imsi 460040000001000
refuse "$cli" number-add --db "$db" --tenant t2 --pool pool-a --msisdn 1440900001000 \
    --imsi 460040000001000
grep -q "no such number pool" "$work/refused.out" || fail "other tenant's pool message"
refuse "$cli" pool-show --db "$db" --tenant t2 pool-a
refuse "$cli" pool-show --db "$db" pool-a
echo "ok"
