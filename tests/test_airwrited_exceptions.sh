#!/bin/sh
# airwrited's [exceptions] section (docs/exceptions.md, docs/airwrited.md)
# through --check-config on a first start's configuration (nothing created):
# a good section passes; every error is refused naming file, line, section
# and key: malformed and out-of-range durations and counts, an unknown key,
# a graver grade allowed longer than a lighter one of its class.
#   test_airwrited_exceptions.sh AIRWRITED
set -eu
daemon=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*"
    exit 1
}

# conf NAME BODY: $work/NAME.conf with the state directory and [exceptions] BODY.
conf() {
    printf '[airwrited]\nstate_directory = %s/state\n[exceptions]\n%b' "$work" "$2" \
        >"$work/$1.conf"
}

conf good 'write_serious = 2h\nwrite_critical = 30m\nterminal_general = 7d\nsilence = 6h\napi_window = 5m\napi_error_threshold = 500\nsweep_interval = 30s\n'
"$daemon" --config "$work/good.conf" --check-config >"$work/good.out" 2>&1 ||
    fail "good [exceptions]: $(cat "$work/good.out")"
grep -q '^configuration ok' "$work/good.out" || fail "good: $(cat "$work/good.out")"
[ -e "$work/state" ] && fail "--check-config created the state directory"

# bad NAME BODY PATTERN: --check-config exits 1 naming PATTERN.
bad() {
    conf "$1" "$2"
    status=0
    "$daemon" --config "$work/$1.conf" --check-config >"$work/$1.out" 2>&1 || status=$?
    [ "$status" -eq 1 ] || fail "$1: exit $status: $(cat "$work/$1.out")"
    grep -q -- "$3" "$work/$1.out" || fail "$1: $(cat "$work/$1.out")"
}

bad zero 'write_serious = 0s\n' "zero.conf:4: \[exceptions\] write_serious:.*AW_ERR_CONFIG_VALUE"
bad unit 'application_general = 3w\n' \
    "unit.conf:4: \[exceptions\] application_general:.*AW_ERR_CONFIG_VALUE"
bad number 'interface_critical = h\n' \
    "number.conf:4: \[exceptions\] interface_critical:.*AW_ERR_CONFIG_VALUE"
bad leading_zero 'silence = 01h\n' "leading_zero.conf:4: \[exceptions\] silence:.*AW_ERR_CONFIG_VALUE"
bad too_long 'silence = 91d\n' "too_long.conf:4: \[exceptions\] silence:.*AW_ERR_CONFIG_VALUE"
bad window 'api_window = 0m\n' "window.conf:4: \[exceptions\] api_window:.*AW_ERR_CONFIG_VALUE"
bad threshold 'api_error_threshold = 0\n' \
    "threshold.conf:4: \[exceptions\] api_error_threshold:.*AW_ERR_CONFIG_VALUE"
bad threshold_big 'api_error_threshold = 1000001\n' \
    "threshold_big.conf:4: \[exceptions\] api_error_threshold:.*AW_ERR_CONFIG_VALUE"
bad sweep 'sweep_interval = 500\n' "sweep.conf:4: \[exceptions\] sweep_interval:.*AW_ERR_CONFIG_VALUE"
bad key 'write_urgent = 1h\n' "key.conf:4: \[exceptions\] write_urgent:.*AW_ERR_CONFIG_KEY"
bad duplicate 'silence = 1h\nsilence = 2h\n' \
    "duplicate.conf:5: \[exceptions\] silence:.*AW_ERR_CONFIG_DUPLICATE"
# a critical terminal exception allowed 3 days, a general one (default) 72 h: fine;
# 4 days is longer than the general one's: the critical key is named
bad conflict 'terminal_critical = 4d\n' \
    "conflict.conf:4: \[exceptions\] terminal_critical:.*AW_ERR_CONFIG_CONFLICT"
# the lighter grade made shorter than its graver neighbour's default
bad conflict_lighter 'write_general = 1h\n' \
    "conflict_lighter.conf:4: \[exceptions\] write_general:.*AW_ERR_CONFIG_CONFLICT"
echo "ok: [exceptions] checked"
