#!/bin/sh
# airwrite-platform: create, show, disable, enable an app and set its limits
# on a fresh SQLite database; the secret is printed once and is nowhere in a
# sqlite3 dump; every refusal exits non-zero.
#   test_platform_cli.sh AIRWRITE_PLATFORM
set -eu
cli=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="sqlite:$work/platform.db"

fail() {
    echo "FAIL: $*"
    exit 1
}

"$cli" app-create --db "$db" --keys "$work/storage.key" --tenant tenant.example \
    --rate 60 --burst 5 --quota 1000 >"$work/create.out"
app_id=$(sed -n 's/^appId: //p' "$work/create.out")
secret=$(sed -n 's/^appSecret: //p' "$work/create.out")
echo "$app_id" | grep -Eq '^app[0-9a-f]{16}$' || fail "appId: $app_id"
echo "$secret" | grep -Eq '^[0-9a-f]{64}$' || fail "appSecret has the wrong form"
[ "$(stat -c %a "$work/storage.key")" = 600 ] || fail "storage key is not mode 0600"
[ "$(stat -c %s "$work/storage.key")" = 32 ] || fail "storage key is not 32 bytes"

"$cli" app-show --db "$db" "$app_id" >"$work/show.out"
grep -qx "tenant: tenant.example" "$work/show.out" || fail "tenant"
grep -qx "enabled: yes" "$work/show.out" || fail "enabled"
grep -qx "ratePerMinute: 60" "$work/show.out" || fail "rate"
grep -qx "burst: 5" "$work/show.out" || fail "burst"
grep -qx "dailyQuota: 1000" "$work/show.out" || fail "quota"
if grep -q "$secret" "$work/show.out"; then fail "app-show printed the secret"; fi

"$cli" app-disable --db "$db" "$app_id"
"$cli" app-show --db "$db" "$app_id" | grep -qx "enabled: no" || fail "disable"
"$cli" app-enable --db "$db" "$app_id"
"$cli" app-show --db "$db" "$app_id" | grep -qx "enabled: yes" || fail "enable"
"$cli" app-limits --db "$db" "$app_id" --rate 6 --burst 2 --quota 0
"$cli" app-show --db "$db" "$app_id" | grep -qx "dailyQuota: 0" || fail "limits"

# the secret is sealed: not in a dump, as text or as the hex of its bytes
sqlite3 "$work/platform.db" .dump >"$work/dump.sql"
grep -q "$app_id" "$work/dump.sql" || fail "the dump lacks the app"
if grep -qi "$secret" "$work/dump.sql"; then fail "secret in clear in the dump"; fi
secret_hex=$(printf %s "$secret" | od -An -tx1 | tr -d ' \n')
if grep -qi "$secret_hex" "$work/dump.sql"; then fail "secret bytes in the dump"; fi

# key rotation: a second key seals, the first still opens; rekey moves every
# secret to the second, then the second alone serves (app-show needs no key)
"$cli" app-create --db "$db" --keys "$work/storage.key" --keys "$work/storage2.key" \
    --tenant second >"$work/create2.out"
grep -qx "keyId: 2" "$work/create2.out" || fail "the newest key does not seal"
"$cli" rekey --db "$db" --keys "$work/storage.key" --keys "$work/storage2.key" >"$work/rekey.out"
grep -qx "resealed: 1" "$work/rekey.out" || fail "rekey: $(cat "$work/rekey.out")"
"$cli" app-show --db "$db" "$app_id" | grep -qx "keyId: 2" || fail "rekey did not reseal"
"$cli" rekey --db "$db" --keys "2:$work/storage2.key" | grep -qx "resealed: 0" || fail "rekey twice"
"$cli" app-create --db "$db" --keys "2:$work/storage2.key" --tenant third | grep -qx "keyId: 2" ||
    fail "explicit key id"
refuse() {
    if "$@" >"$work/refused.out" 2>&1; then fail "accepted: $*"; fi
}
# a ring without the key in use cannot reseal
refuse "$cli" rekey --db "$db" --keys "$work/storage3.key"
grep -q "stored app secret fails authentication" "$work/refused.out" || fail "rekey message"
refuse "$cli" rekey --db "$db"
refuse "$cli" rekey --db "$db" --keys "0:$work/storage2.key"
refuse "$cli" rekey --db "$db" --keys "2:$work/storage2.key" --keys "2:$work/storage.key"
grep -q "key id" "$work/refused.out" || fail "repeated key id message"

# refusals
refuse "$cli" app-show --db "$db" app0000000000000000
grep -q "no app with that appId" "$work/refused.out" || fail "unknown app message"
refuse "$cli" app-disable --db "$db" app0000000000000000
refuse "$cli" app-limits --db "$db" "$app_id" --rate 6 --burst 2
refuse "$cli" app-limits --db "$db" "$app_id" --rate x --burst 2 --quota 0
refuse "$cli" app-limits --db "$db" "$app_id" --rate 0 --burst 2 --quota 0
refuse "$cli" app-create --db "$db" --keys "$work/storage.key" --tenant "bad tenant"
refuse "$cli" app-create --db "$db" --tenant t
refuse "$cli" app-show --db "$db"
refuse "$cli" app-show "$app_id"
refuse "$cli" app-rename --db "$db" "$app_id"
refuse "$cli" serve --db "$db" --keys "$work/storage.key" --cert c --key k --credential-cache 60001
refuse "$cli" serve --db "$db" --keys "$work/storage.key" --cert c --key k --credential-cache x
chmod 644 "$work/storage.key"
refuse "$cli" app-create --db "$db" --keys "$work/storage.key" --tenant t
grep -q "storage key" "$work/refused.out" || fail "key file message"
echo "ok"
