#!/bin/sh
# airwrited's [indicators] section (docs/indicators.md, docs/airwrited.md)
# through --check-config on a first start's configuration (nothing created):
# a good section passes; every error is refused naming file, line, section
# and key: malformed and out-of-range ratios, durations and counts, an
# unknown key, an evaluation interval longer than the window. Then the
# platform role as a process with metrics_on_api: GET /metrics on its API
# listener answers the indicator gauges (curl against the test PKI's CI).
#   test_airwrited_indicators.sh AIRWRITED
set -eu
daemon=$1
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    [ -f "$work/serve.log" ] && cat "$work/serve.log"
    exit 1
}

# conf NAME BODY: $work/NAME.conf with the state directory and [indicators] BODY.
conf() {
    printf '[airwrited]\nstate_directory = %s/state\n[indicators]\n%b' "$work" "$2" \
        >"$work/$1.conf"
}

conf good 'write_success_min = 0.95\nfirst_attempt_min = 90%\nwrite_time_average_max = 2m\nwrite_time_p95_max = 500s\napi_success_min = 99.5%\ncallback_success_min = 0.99\nexception_closure_min = 0.8\nwindow = 1h\ninterval = 5m\nmin_samples = 20\nmetrics_on_api = true\n'
"$daemon" --config "$work/good.conf" --check-config >"$work/good.out" 2>&1 ||
    fail "good [indicators]: $(cat "$work/good.out")"
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

bad ratio_big 'write_success_min = 1.5\n' \
    "ratio_big.conf:4: \[indicators\] write_success_min:.*AW_ERR_CONFIG_VALUE"
bad ratio_digits 'api_success_min = 0.1234567\n' \
    "ratio_digits.conf:4: \[indicators\] api_success_min:.*AW_ERR_CONFIG_VALUE"
bad percent 'callback_success_min = 101%\n' \
    "percent.conf:4: \[indicators\] callback_success_min:.*AW_ERR_CONFIG_VALUE"
bad no_unit 'write_time_p95_max = 30\n' \
    "no_unit.conf:4: \[indicators\] write_time_p95_max:.*AW_ERR_CONFIG_VALUE"
bad zero_time 'write_time_average_max = 0s\n' \
    "zero_time.conf:4: \[indicators\] write_time_average_max:.*AW_ERR_CONFIG_VALUE"
bad window 'window = 40d\n' "window.conf:4: \[indicators\] window:.*AW_ERR_CONFIG_VALUE"
bad samples 'min_samples = 0\n' "samples.conf:4: \[indicators\] min_samples:.*AW_ERR_CONFIG_VALUE"
bad metrics 'metrics_on_api = yes\n' \
    "metrics.conf:4: \[indicators\] metrics_on_api:.*AW_ERR_CONFIG_VALUE"
bad key 'write_success_max = 0.9\n' \
    "key.conf:4: \[indicators\] write_success_max:.*AW_ERR_CONFIG_KEY"
bad conflict 'window = 10m\ninterval = 1h\n' \
    "conflict.conf:5: \[indicators\] interval:.*AW_ERR_CONFIG_CONFLICT"

# ---- the platform role serving /metrics ------------------------------------------
conf serve 'metrics_on_api = true\ninterval = 1s\n'
printf '[platform]\nport = 0\n' >>"$work/serve.conf"
: >"$work/serve.log"
"$daemon" --config "$work/serve.conf" --role platform 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 300); do
    grep -q '"event":"ready"' "$work/serve.log" && break
    kill -0 "$pid" 2>/dev/null || fail "airwrited exited before ready"
    sleep 0.1
done
grep -q '"event":"ready"' "$work/serve.log" || fail "not ready within 30 s"
pattern='"event":"listening","role":"platform","listener":"api"'
port=$(sed -n "s/.*$pattern.*\"port\":\([0-9]*\).*/\1/p" "$work/serve.log" | tail -n 1)
[ -n "$port" ] || fail "the API port is not logged"
code=$(curl -sS --cacert "$work/state/pki/ci.pem" -o "$work/metrics.txt" -w '%{http_code}' \
    "https://127.0.0.1:$port/metrics") || fail "curl /metrics failed"
[ "$code" = 200 ] || fail "/metrics answered $code"
grep -q '^# TYPE airwrite_write_success_ratio gauge$' "$work/metrics.txt" ||
    fail "no gauge family: $(cat "$work/metrics.txt")"
grep -q '^airwrite_indicator_window_seconds 3600$' "$work/metrics.txt" ||
    fail "no window: $(cat "$work/metrics.txt")"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "exit $status after SIGTERM"
echo "ok"
