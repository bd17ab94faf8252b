#!/bin/sh
# airwrite-platform's role and console-user commands (docs/rbac.md): app-create
# --role, app-role, user-create / user-passwd (password on stdin), user-show,
# user-disable / user-enable and their refusals; every command's audit record
# read back with airwritectl audit list, then airwritectl audit checkpoint and
# audit verify over the platform-written chain, and verify finding an edited
# platform record (sqlite3 edits it after dropping the append-only trigger).
#   test_platform_rbac_cli.sh AIRWRITE_PLATFORM AIRWRITECTL
set -eu
tool="$1"
ctl="$2"
for cmd in openssl sqlite3; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
        echo "skip: the $cmd command is not installed"
        exit 77
    fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-rbac-cli.XXXXXX")
trap 'rm -rf "$dir"' EXIT
db="sqlite:$dir/platform.db"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect STATUS PATTERN CMD...: exit status and a pattern of the output.
expect() {
    want="$1"
    pattern="$2"
    shift 2
    status=0
    "$@" >"$dir/out" 2>&1 </dev/null || status=$?
    cat "$dir/out"
    [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $*"
    [ -z "$pattern" ] || grep -q -- "$pattern" "$dir/out" ||
        fail "no '$pattern' in the output of: $*"
}

expect 0 "role: operator" "$tool" app-create --db "$db" --keys "$dir/storage.key" \
    --tenant ops --role operator
app=$(sed -n 's/^appId: //p' "$dir/out")
secret=$(sed -n 's/^appSecret: //p' "$dir/out")
expect 0 "role: tenant_user" "$tool" app-create --db "$db" --keys "$dir/storage.key" --tenant t1
expect 2 "usage:" "$tool" app-create --db "$db" --keys "$dir/storage.key" --tenant t1 --role root
expect 0 "" "$tool" app-role --db "$db" --role auditor "$app"
expect 1 "unknown role" "$tool" app-role --db "$db" --role root "$app"
expect 1 "app" "$tool" app-role --db "$db" --role auditor app0000000000000099
expect 2 "usage:" "$tool" app-role --db "$db" "$app"

echo "a long enough passphrase" | "$tool" user-create --db "$db" --tenant t1 \
    --role security_officer alice || fail "user-create"
expect 0 "role: security_officer" "$tool" user-show --db "$db" alice
echo "a long enough passphrase" | "$tool" user-create --db "$db" --tenant t1 \
    --role auditor alice >"$dir/out" 2>&1 && fail "a second alice was created"
echo "short" | "$tool" user-create --db "$db" --tenant t1 --role auditor bob \
    >"$dir/out" 2>&1 && fail "a short password was taken"
expect 1 "" "$tool" user-create --db "$db" --tenant t1 --role auditor bob # no password
expect 2 "usage:" "$tool" user-create --db "$db" --role auditor bob
echo "another long passphrase" | "$tool" user-passwd --db "$db" alice || fail "user-passwd"
expect 0 "" "$tool" user-disable --db "$db" alice
expect 0 "enabled: no" "$tool" user-show --db "$db" alice
expect 0 "" "$tool" user-enable --db "$db" alice
expect 1 "" "$tool" user-disable --db "$db" nobody

# the records of the commands, never a secret or password
"$ctl" audit list --db "$db" >"$dir/log" || fail "audit list"
cat "$dir/log"
for action in app.create app.role user.create user.passwd user.disable user.enable; do
    grep -q "\"action\":\"$action\"" "$dir/log" || fail "no $action record"
done
grep -q '"type":"system","id":"cli:' "$dir/log" || fail "the actor is not the CLI"
grep -q "$secret" "$dir/log" && fail "an app secret reached the audit log"
grep -q "passphrase" "$dir/log" && fail "a password reached the audit log"

# checkpoint and verify the platform-written chain, then find an edit
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/k.pem" 2>/dev/null
openssl pkey -in "$dir/k.pem" -pubout -out "$dir/p.pem"
expect 0 "checkpoint 1" "$ctl" audit checkpoint --db "$db" --key "$dir/k.pem"
expect 0 "intact" "$ctl" audit verify --db "$db" --public-key "$dir/p.pem"
sqlite3 "$dir/platform.db" "DROP TRIGGER aw_audit_entry_no_update;
    UPDATE aw_audit_entry SET tenant = 'elsewhere' WHERE action = 'app.role';"
expect 1 "TAMPERED" "$ctl" audit verify --db "$db" --public-key "$dir/p.pem"
echo "ok"
