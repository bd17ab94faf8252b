#!/bin/sh
# Firmware-update signatures per crypto suite (issue 8 商用密码,
# docs/firmware-package.md): airwrite-firmware sign --suite domestic signs a
# package with an SM2 key (made by the openssl CLI); airwrite-ipa
# firmware-update configured --suite domestic with the SM2 public key applies
# it, while an international configuration (--suite international, or the
# P-256-only default) refuses it AW_ERR_FIRMWARE_ALGORITHM (exit 3). A
# P-256 package is refused by the domestic device. Refusals: an unknown
# --suite (usage, exit 2), a trust key of the other suite (exit 1).
#   test_firmware_suite.sh AIRWRITE_FIRMWARE AIRWRITE_IPA
set -eu
fw=$1
ipa=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/aw-fwsuite.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*"
    [ -f "$work/out" ] && cat "$work/out"
    exit 1
}

# expect STATUS PATTERN CMD...
expect() {
    want=$1
    pattern=$2
    shift 2
    status=0
    "$@" >"$work/out" 2>&1 || status=$?
    [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $*"
    [ -z "$pattern" ] || grep -qF -- "$pattern" "$work/out" || fail "no '$pattern' from: $*"
}

openssl genpkey -algorithm SM2 -out "$work/sm2.key" 2>/dev/null || fail "openssl SM2 key"
openssl pkey -in "$work/sm2.key" -pubout -out "$work/sm2.pub" || fail "openssl SM2 public"
chmod 600 "$work/sm2.key"
expect 0 "" "$fw" keygen --key "$work/p256.key" --public "$work/p256.pub"
printf 'secure module firmware 8\n' >"$work/image"

expect 0 "packageSize:" "$fw" sign --suite domestic --key "$work/sm2.key" --module se-main \
    --version 8 --image "$work/image" --out "$work/sm2.pkg"
expect 0 "packageSize:" "$fw" sign --key "$work/p256.key" --module se-main --version 8 \
    --image "$work/image" --out "$work/p256.pkg"
expect 2 "usage" "$fw" sign --suite sm2 --key "$work/sm2.key" --module se-main --version 8 \
    --image "$work/image" --out "$work/x.pkg"
expect 1 "AW_ERR_SUITE_MISMATCH" "$fw" sign --suite domestic --key "$work/p256.key" \
    --module se-main --version 8 --image "$work/image" --out "$work/x.pkg"

# update STATE SUITE TRUST PACKAGE (SUITE "-": no --suite)
update() {
    if [ "$2" = - ]; then
        "$ipa" firmware-update --state "$work/$1" --trust "$3" --module se-main --package "$4"
    else
        "$ipa" firmware-update --state "$work/$1" --suite "$2" --trust "$3" --module se-main \
            --package "$4"
    fi
}
mkdir "$work/dom" "$work/intl" "$work/legacy" "$work/dom2"
expect 3 "refused: AW_ERR_FIRMWARE_ALGORITHM" update intl international "$work/p256.pub" \
    "$work/sm2.pkg"
expect 3 "refused: AW_ERR_FIRMWARE_ALGORITHM" update legacy - "$work/p256.pub" "$work/sm2.pkg"
expect 3 "refused: AW_ERR_FIRMWARE_ALGORITHM" update dom domestic "$work/sm2.pub" \
    "$work/p256.pkg"
expect 0 "applied: module se-main version 8 (was 0)" update dom domestic "$work/sm2.pub" \
    "$work/sm2.pkg"
expect 0 "applied: module se-main version 8" update intl international "$work/p256.pub" \
    "$work/p256.pkg"
expect 2 "usage" update dom2 sm "$work/sm2.pub" "$work/sm2.pkg"
expect 1 "AW_ERR_SUITE_MISMATCH" update dom2 domestic "$work/p256.pub" "$work/sm2.pkg"
echo ok
