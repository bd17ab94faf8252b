#!/bin/sh
# airwrite-ipa command-line tests over the vpcd socket transport against a
# real airwrite-euicc --listen with a fresh identity (airwrite-pki init)
# and an empty state: eid, info, profiles, notifications, a refused
# enable/disable/delete (exit 3 with the SGP.22 result), usage errors
# (exit 2) and transport errors (exit 1 with the AW_ERR_* name).
# Arguments: airwrite-ipa, airwrite-euicc, airwrite-pki.
set -u
ipa="$1"
euicc="$2"
pki="$3"
dir=$(mktemp -d)
card_pid=
cleanup() {
    [ -n "$card_pid" ] && kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect_status WANT command... : run and compare the exit status
expect_status() {
    want="$1"
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got, want $want: $*"; cat "$dir/err"; }
}

eid=89049032000000000000000000000163
"$pki" init "$dir/pki" --eid $eid >/dev/null || { echo "airwrite-pki init failed"; exit 1; }

# a port free right now (the kernel picks it), then the card listens on it
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
"$euicc" --state "$dir/state" --identity "$dir/pki" --listen 127.0.0.1:$port 2>"$dir/card.log" &
card_pid=$!
up=0
for _ in $(seq 1 100); do
    if "$ipa" --socket 127.0.0.1:$port eid >"$dir/out" 2>/dev/null; then
        up=1
        break
    fi
    sleep 0.1
done
[ $up -eq 1 ] || { echo "airwrite-euicc did not come up"; cat "$dir/card.log"; exit 1; }
s="--socket 127.0.0.1:$port"

expect_status 0 "$ipa" $s eid
[ "$(cat "$dir/out")" = "$eid" ] || fail "eid: got '$(cat "$dir/out")'"
expect_status 0 "$ipa" $s --segment 5 eid
[ "$(cat "$dir/out")" = "$eid" ] || fail "eid in 5-byte blocks"
expect_status 0 "$ipa" $s info
grep -q "^SVN  *2\.[0-9]*\.[0-9]*" "$dir/out" || fail "info: SVN"
grep -q "^CI for verification  *[0-9A-F]\{40\}" "$dir/out" || fail "info: CI PKID"
expect_status 0 "$ipa" $s profiles
[ -s "$dir/out" ] && fail "profiles: a fresh eUICC has none"
expect_status 0 "$ipa" $s notifications
[ -s "$dir/out" ] && fail "notifications: a fresh eUICC has none"

# refused by the eUICC: exit 3 and the result code's name
expect_status 3 "$ipa" $s enable 8944500000000000014
grep -q "enable: iccidOrAidNotFound (1)" "$dir/err" || fail "enable: result name"
expect_status 3 "$ipa" $s disable 89445000000000000140
grep -q "disable: iccidOrAidNotFound (1)" "$dir/err" || fail "disable: result name"
expect_status 3 "$ipa" $s delete 8944500000000000014
grep -q "delete: iccidOrAidNotFound (1)" "$dir/err" || fail "delete: result name"

# usage
expect_status 0 "$ipa" --help
grep -q "usage: airwrite-ipa" "$dir/out" || fail "--help shows no usage"
expect_status 2 "$ipa"
expect_status 2 "$ipa" eid
expect_status 2 "$ipa" $s
expect_status 2 "$ipa" $s frobnicate
expect_status 2 "$ipa" $s enable
expect_status 2 "$ipa" $s enable 12345
expect_status 2 "$ipa" $s enable 894450000000000001X
expect_status 2 "$ipa" $s eid 1234
expect_status 2 "$ipa" $s --pcsc eid
expect_status 2 "$ipa" --socket nocolon eid
expect_status 2 "$ipa" $s --segment 256 eid
expect_status 2 "$ipa" $s --timeout 0 eid
expect_status 2 "$ipa" --at /dev/null,fast eid
expect_status 2 "$ipa" $s --at-csim eid
expect_status 2 "$ipa" $s --t0 eid
# an SGP.32 version the IPA has no forms for (docs/sgp32-versions.md)
expect_status 2 "$ipa" $s poll --ca /dev/null --eim-sgp32-version 2.0
expect_status 2 "$ipa" $s poll --ca /dev/null --eim-sgp32-version

# transport failures: exit 1 with the error's name
kill "$card_pid"
wait "$card_pid" 2>/dev/null
card_pid=
expect_status 1 "$ipa" $s eid
grep -q "AW_ERR_IPA_CONNECT" "$dir/err" || fail "socket: no AW_ERR_IPA_CONNECT"
expect_status 1 "$ipa" --at /nonexistent/ttyUSB9 eid
grep -q "AW_ERR_IPA_CONNECT" "$dir/err" || fail "at: no AW_ERR_IPA_CONNECT"
expect_status 1 "$ipa" --at /dev/null,12345 eid
grep -q "AW_ERR_ARGUMENT" "$dir/err" || fail "at: odd baud rate"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all airwrite-ipa CLI tests passed"
