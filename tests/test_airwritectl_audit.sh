#!/bin/sh
# airwritectl audit verify / list / checkpoint on a SQLite audit log, in both
# suites, with keys made by the openssl command: verify passes, then the
# sqlite3 command edits a row (after dropping the append-only trigger, as
# the database's owner could) and verify exits 1 naming the entry. Also the
# usage and failure exits (2).
#   test_airwritectl_audit.sh AIRWRITECTL AUDIT_WRITER
set -eu
ctl="$1"
writer="$2"
for tool in openssl sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: the $tool command is not installed"
        exit 77
    fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-ctl-audit.XXXXXX")
trap 'rm -rf "$dir"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect STATUS PATTERN CMD...: run CMD, check its exit status and that its
# output (stdout and stderr) contains PATTERN.
expect() {
    want="$1"
    pattern="$2"
    shift 2
    status=0
    "$@" >"$dir/out" 2>&1 || status=$?
    cat "$dir/out"
    [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $*"
    grep -q -- "$pattern" "$dir/out" || fail "no '$pattern' in the output of: $*"
}

for suite in international domestic; do
    db="$dir/$suite.db"
    if [ "$suite" = international ]; then
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/k.pem"
    else
        openssl genpkey -algorithm SM2 -out "$dir/k.pem"
    fi
    openssl pkey -in "$dir/k.pem" -pubout -out "$dir/p.pem"
    "$writer" "sqlite:$db" "$suite" "$dir/k.pem" 12 5

    expect 0 "intact ($suite): intact: 12 entries, 2 checkpoints" \
        "$ctl" audit verify --db "sqlite:$db" --public-key "$dir/p.pem"
    expect 0 "last signed entry 10" \
        "$ctl" audit verify --db "$db" --public-key "$dir/p.pem" --suite "$suite"
    expect 0 "checkpoint 3 over entry 12 ($suite)" \
        "$ctl" audit checkpoint --db "$db" --key "$dir/k.pem"
    expect 0 "3 checkpoints, last signed entry 12" \
        "$ctl" audit verify --db "$db" --public-key "$dir/p.pem"
    expect 0 '"seq":11,' "$ctl" audit list --db "$db" --from 11 --limit 5
    [ "$(wc -l <"$dir/out")" -eq 2 ] || fail "list --from 11 printed other than 2 entries"
    grep -q '"actor":{"type":"user","id":"alice","role":"operator"}' "$dir/out" ||
        fail "list lacks the actor"
    grep -q '"details":{"step":11}' "$dir/out" || fail "list lacks the details object"
    "$ctl" audit list --db "$db" --from 100 >"$dir/out" || fail "list past the end failed"
    [ ! -s "$dir/out" ] || fail "list past the end printed entries"

    sqlite3 "$db" "DROP TRIGGER aw_audit_entry_no_update;
                   UPDATE aw_audit_entry SET target = 'order:666' WHERE seq = 7;"
    expect 1 "first broken entry: 7" \
        "$ctl" audit verify --db "$db" --public-key "$dir/p.pem"
    grep -q "AW_ERR_AUDIT_HASH" "$dir/out" || fail "report lacks the error name"
    grep -q "TAMPERED ($suite): entry 7: edited" "$dir/out" || fail "report lacks the entry"
done

# usage and failures: exit 2
expect 2 "usage:" "$ctl"
expect 2 "unknown command" "$ctl" audit frobnicate
expect 2 "usage:" "$ctl" audit verify --public-key "$dir/p.pem"
expect 2 "usage:" "$ctl" audit verify --db "$dir/x.db"
expect 2 "suite is international or domestic" \
    "$ctl" audit verify --db "$dir/x.db" --public-key "$dir/p.pem" --suite western
expect 2 "given twice" "$ctl" audit list --db "$dir/x.db" --db "$dir/y.db"
expect 2 "usage:" "$ctl" audit list --db "$dir/x.db" --limit 0
expect 2 "unknown option" "$ctl" audit list --db "$dir/x.db" --key k
expect 2 "AW_ERR_SUITE_MISMATCH" \
    "$ctl" audit verify --db "$dir/x.db" --public-key "$dir/p.pem" --suite international
expect 2 "AW_ERR_IO\|AW_ERR_NOT_FOUND" \
    "$ctl" audit verify --db "$dir/x.db" --public-key "$dir/missing.pem"
expect 2 "AW_ERR_NOT_FOUND" "$ctl" audit list --db "$dir/none.db"
[ ! -e "$dir/none.db" ] || fail "list created the missing database file"
expect 2 "AW_ERR_NOT_FOUND" \
    "$ctl" audit verify --db "sqlite:$dir/none.db" --public-key "$dir/p.pem"
expect 2 "AW_ERR_DB_URL" "$ctl" audit list --db "mysql://localhost/x"
expect 2 "AW_ERR_DB_CONNECTION" "$ctl" audit list --db "postgresql://u:s3cret@127.0.0.1:1/db"
if grep -q s3cret "$dir/out"; then fail "the database password was printed"; fi
sqlite3 "$dir/other.db" "CREATE TABLE t (x INTEGER);"
expect 2 "AW_ERR_DB_SCHEMA" "$ctl" audit list --db "$dir/other.db"
: >"$dir/empty.db"
expect 2 "audit log is empty" "$ctl" audit checkpoint --db "$dir/empty.db" --key "$dir/k.pem"
expect 0 "airwritectl audit verify" "$ctl" --help
echo "airwritectl audit: all checks passed"
