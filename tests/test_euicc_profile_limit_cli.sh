#!/bin/sh
# airwrite-euicc --profile-limit (issue 8 "Profile count limit"): the limit is kept in the
# card's state (dump shows it, with and without an identity), 0 removes it, a value above the
# card's capacity or not a number is refused (exit 2) and changes nothing.
# Arguments: airwrite-euicc, airwrite-pki.
set -u
euicc=$1
pki_tool=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-euicc-limit.XXXXXX")
trap 'rm -rf "$dir"' EXIT
die() {
    echo "FAIL: $*" >&2
    cat "$dir/out" "$dir/err" >&2 2>/dev/null
    exit 1
}
"$pki_tool" init "$dir/pki" >"$dir/out" 2>"$dir/err" || die "airwrite-pki init"
card() {
    "$euicc" --state "$dir/state" "$@" >"$dir/out" 2>"$dir/err"
}
card --identity "$dir/pki" --profile-limit 1 dump || die "--profile-limit 1 dump (exit $?)"
grep -q '^profile limit: 1$' "$dir/out" || die "dump does not show the limit"
card dump || die "dump without identity (exit $?)"
grep -q '^profile limit: 1$' "$dir/out" || die "the limit was not kept in the state"
for bad in 9 -1 x 1x ''; do
    status=0
    card --identity "$dir/pki" --profile-limit "$bad" dump || status=$?
    [ "$status" = 2 ] || die "--profile-limit '$bad': exit $status"
done
card dump && grep -q '^profile limit: 1$' "$dir/out" || die "a refused value changed the limit"
card --identity "$dir/pki" --profile-limit 0 dump || die "--profile-limit 0 (exit $?)"
! grep -q '^profile limit' "$dir/out" || die "0 did not remove the limit"
echo "airwrite-euicc --profile-limit: kept, shown, removed; bad values refused"
