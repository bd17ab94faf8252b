#!/bin/sh
# The web console (issue 7, docs/console.md) served by airwrited at /console,
# end to end:
#   test_console.sh BUILD_DIR
# airwrited with the platform, eIM and SM-DP+ roles and two simulated devices
# (scripts/platform-lib.sh, as scripts/demo); --check-config on the console
# settings (good and each refusal); the static files' headers, directory
# traversal (plain, percent-encoded, symlink out of the directory) and the
# console's unsigned calls with curl; then Debian chromium headless, driven by
# puppeteer-core (pinned in tests/console/package-lock.json, installed with
# `npm ci` into $AW_BUILD_ROOT/console-browser once): log in, submit an order
# for the devices and see it reach 100% written, check a dashboard screenshot,
# switch to Chinese (tests/console/browser.js). Skips (77) only when chromium,
# node or npm is missing, or the npm registry cannot be reached.
set -u
BUILD=$1
N=2
src=$AW_SOURCE_ROOT/tests/console
tools=$AW_BUILD_ROOT/console-browser
cli="$BUILD/src/cli"

[ -x /usr/bin/chromium ] || { echo "skip: /usr/bin/chromium missing (scripts/setup-deps installs it)"; exit 77; }
for command in node npm curl openssl /usr/bin/python3; do
    command -v "$command" >/dev/null 2>&1 ||
        { echo "skip: $command missing (scripts/setup-deps installs it)"; exit 77; }
done
if ! cmp -s "$src/package-lock.json" "$tools/package-lock.json" 2>/dev/null ||
   [ ! -d "$tools/node_modules/puppeteer-core" ]; then
    rm -rf "$tools"
    mkdir -p "$tools"
    cp "$src/package.json" "$src/package-lock.json" "$tools/"
    if ! (cd "$tools" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund \
            --engine-strict --cache "$tools/.npm-cache" >"$tools/npm.log" 2>&1); then
        cat "$tools/npm.log"
        rm -rf "$tools/node_modules"
        echo "skip: npm ci of puppeteer-core failed (registry unreachable?)"
        exit 77
    fi
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/airwrite-console.XXXXXX")
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
        [ -s "$dir/$log" ] && { echo "---- $log" >&2; tail -n 20 "$dir/$log" >&2; }
    done
    exit 1
}
run() {
    timeout 120 "$@" >"$dir/out" 2>"$dir/err"
}
. "$AW_SOURCE_ROOT/scripts/platform-lib.sh"
t0=$(date +%s)

# ---- set up: daemon, subscribers, app, devices (as scripts/demo) ----
platform_config "$(free_port)"
start_daemon
import_subscribers
platform_app
provision_devices
stop daemon_pid

# ---- the console's settings through --check-config ----
# the served copy of console/ gets a symlink out of its directory
cp -R "$AW_SOURCE_ROOT/console" "$dir/console"
echo "outside secret" >"$dir/secret.js"
ln -s "$dir/secret.js" "$dir/console/leak.js"
cp "$dir/airwrited.conf" "$dir/base.conf"
with_console() { # APP DIR: the config with the console's two settings
    sed "s|^\[platform\]\$|[platform]\nconsole_app = $1\nconsole_dir = $2|" "$dir/base.conf" \
        >"$dir/airwrited.conf"
}
mkdir -p "$dir/empty"
with_console "$app_id" "$dir/empty"
run "$cli/airwrited" --config "$dir/airwrited.conf" --check-config &&
    die "--check-config accepted a console_dir without index.html"
grep -q "console" "$dir/err" "$dir/out" || die "--check-config did not name the console"
with_console "app0123456789abcdef0123456789abcdef" "$dir/console"
run "$cli/airwrited" --config "$dir/airwrited.conf" --check-config &&
    die "--check-config accepted a console_app over 32 characters"
grep -q "console_app" "$dir/err" "$dir/out" || die "--check-config did not name console_app"
with_console "$app_id" "$dir/console"
run "$cli/airwrited" --config "$dir/airwrited.conf" --check-config ||
    die "--check-config refused the console (exit $?)"
grep -q "ok   platform console $dir/console (app $app_id)" "$dir/out" ||
    die "--check-config did not report the console"
echo "check-config: console settings checked (2 refusals, 1 accepted)"

start_daemon
start_devices
base="https://127.0.0.1:$api_port"
export AIRWRITE_URL="$base" # the restarted daemon's port
ca="$pki/ci.pem"

# ---- a console user ----
password="Console-Test-Passphrase-7"
echo "$password" | timeout 60 "$cli/airwrite-platform" user-create --db "$platform_db" \
    --tenant "$tenant" --role operator console.op >"$dir/out" 2>"$dir/err" ||
    die "airwrite-platform user-create"
echo "$password" | timeout 60 "$cli/airwrite-platform" user-create --db "$platform_db" \
    --tenant "$tenant" --role auditor console.audit >"$dir/out" 2>"$dir/err" ||
    die "airwrite-platform user-create (auditor)"

# ---- static files: headers, traversal, methods ----
# status PATH [CURL ARGS]: the HTTP status of GET PATH, headers in $dir/headers
status() {
    p=$1
    shift
    curl -sS --cacert "$ca" --path-as-is -o "$dir/body" -D "$dir/headers" -w '%{http_code}' \
        "$@" "$base$p" 2>>"$dir/err"
}
header() { # NAME: its value in $dir/headers
    tr -d '\r' <"$dir/headers" | sed -n "s/^$1: //Ip" | head -n 1
}
[ "$(status /console/)" = 200 ] || die "GET /console/ not 200"
cmp -s "$dir/body" "$AW_SOURCE_ROOT/console/index.html" || die "/console/ is not index.html"
[ "$(header Content-Type)" = "text/html; charset=utf-8" ] || die "index type $(header Content-Type)"
case "$(header Content-Security-Policy)" in
    "default-src 'self';"*"script-src 'self';"*"frame-ancestors 'none'") ;;
    *) die "CSP: $(header Content-Security-Policy)" ;;
esac
[ "$(header X-Content-Type-Options)" = nosniff ] || die "no nosniff"
[ "$(header Cache-Control)" = no-cache ] || die "Cache-Control $(header Cache-Control)"
[ -z "$(header Set-Cookie)" ] || die "a cookie was set"
[ -z "$(header Access-Control-Allow-Origin)" ] || die "a CORS header was sent"
[ "$(status /console/app.js)" = 200 ] && [ "$(header Content-Type)" = "text/javascript; charset=utf-8" ] ||
    die "app.js: $(header Content-Type)"
[ "$(status /console/style.css)" = 200 ] && [ "$(header Content-Type)" = "text/css; charset=utf-8" ] ||
    die "style.css: $(header Content-Type)"
[ "$(status /console)" = 301 ] && [ "$(header Location)" = /console/ ] || die "/console not redirected"
for p in /console/../etc/passwd /console/..%2f..%2fetc%2fpasswd /console/%2e%2e/%2e%2e/etc/passwd \
    /console/%2E%2E%2Fetc%2Fpasswd /console//etc/passwd /console/./index.html \
    /console/.hidden.js /console/leak.js /console/missing.html /console/app.js.bak \
    '/console/..\..\etc\passwd'; do
    code=$(status "$p")
    case "$code" in
        404 | 400) ;;
        *) die "$p answered $code" ;;
    esac
    grep -q "root:\|outside secret" "$dir/body" && die "$p leaked a file"
done
[ "$(status /console/index.html -X POST)" = 405 ] && [ "$(header Allow)" = GET ] ||
    die "POST /console/index.html not 405"
dd if=/dev/zero of="$dir/console/big.js" bs=1024 count=1025 2>/dev/null
[ "$(status /console/big.js)" = 403 ] || die "a file over 1 MiB was served"
rm -f "$dir/console/big.js"
echo "static files: headers, 11 traversal/hidden/symlink/unknown paths refused, 405, size bound"

# ---- the console's unsigned calls ----
json() { # PATH BODY [TOKEN]: POST JSON without a signature
    curl -sS --cacert "$ca" -o "$dir/body" -D "$dir/headers" -w '%{http_code}' \
        -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
        --data "$2" "$base$1" 2>>"$dir/err"
}
code_is() { grep -q "\"code\":\"$1\"" "$dir/body"; }
[ "$(status /api/v1/ping)" = 401 ] && code_is I2101 || die "unsigned ping without a token: $(cat "$dir/body")"
[ "$(json /api/v1/auth/token '{}')" = 401 ] && code_is I2001 ||
    die "unsigned /auth/token: $(cat "$dir/body")"
[ "$(json /api/v1/auth/login '{"username":"console.op","password":"wrong-password-123"}')" = 401 ] &&
    code_is I2202 || die "wrong password: $(cat "$dir/body")"
[ "$(json /api/v1/auth/login "{\"username\":\"console.op\",\"password\":\"$password\"}")" = 200 ] ||
    die "login: $(cat "$dir/body")"
session_token=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accessToken"])' "$dir/body")
[ "$(status /api/v1/ping -H "Authorization: Bearer $session_token")" = 200 ] &&
    grep -q '"username":"console.op"' "$dir/body" && grep -q '"role":"operator"' "$dir/body" ||
    die "unsigned ping with the session: $(cat "$dir/body")"
[ "$(status /api/v1/audit -H "Authorization: Bearer $session_token")" = 403 ] && code_is I2201 ||
    die "operator read the audit log: $(cat "$dir/body")"
# the app's own token (signed issue) does not work unsigned
run "$cli/airwritectl" token --show --json || die "airwritectl token"
app_token=$(/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d.get("accessToken") or d.get("token") or "")' "$dir/out")
[ -n "$app_token" ] || die "no token from airwritectl token --show: $(cat "$dir/out")"
[ "$(status /api/v1/ping -H "Authorization: Bearer $app_token")" = 401 ] && code_is I2102 ||
    die "the app's own token worked unsigned: $(cat "$dir/body")"
echo "unsigned calls: login, session, 401/403 refusals"

# ---- the browser ----
spki=$(openssl x509 -in "$pki/dptls.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | openssl base64 -A)
NODE_PATH="$tools/node_modules" timeout 280 node "$src/browser.js" "$base" console.op "$password" \
    "$type" "$dir/devices/eids.csv" "$dir" "$spki" console.audit || die "browser test"
# kept for a person to look at (not compared: docs/console.md "Tests")
cp "$dir/dashboard.png" "$AW_BUILD_ROOT/console-dashboard.png"
echo "console test passed in $(($(date +%s) - t0)) s"
