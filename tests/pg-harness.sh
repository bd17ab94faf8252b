#!/bin/sh
# Throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary
# directory, listening on a free port of 127.0.0.1 only (its unix socket in
# that directory), trust authentication, fsync off. Reusable by any
# component's tests.
#
#   pg-harness.sh start DIR     initialise and start a server in DIR (created
#                               if absent; no spaces in the path), print its URL
#                               (also written to DIR/url)
#   pg-harness.sh stop DIR      stop that server and remove DIR
#   pg-harness.sh run CMD ARGS  start a server in a new temporary directory,
#                               run CMD with AW_TEST_POSTGRESQL_URL set to its
#                               URL, then stop and remove it whatever CMD did;
#                               exits with CMD's status
#
# Exits 77 (meson: skipped) when no PostgreSQL server binaries exist under
# /usr/lib/postgresql/*/bin (scripts/setup-deps installs them). initdb refuses
# to run as root, so as root the server runs as the "postgres" user
# (runuser), the directory handed over to it.
set -eu

die() {
    echo "pg-harness: $*" >&2
    exit 1
}

find_bin() {
    bin=""
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            bin="$d"
        fi
    done
    if [ -z "$bin" ]; then
        echo "pg-harness: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" \
             "(install the postgresql package: scripts/setup-deps); skipping" >&2
        exit 77
    fi
}

# as_owner CMD...: run CMD as the server's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # /usr/sbin may be missing from a CI job's PATH.
        "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@"
    else
        "$@"
    fi
}

random_port() {
    n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((20000 + n % 40000))
}

start() {
    dir="$1"
    find_bin
    mkdir -p "$dir"
    : >"$dir/.aw-pg-harness"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user"
        chown -R postgres "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    tries=0
    while :; do
        port=$(random_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=50" \
            start >"$dir/pg_ctl.log" 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 10 ]; then
            cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
            die "server did not start (10 ports tried)"
        fi
    done
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    echo "$url"
}

stop() {
    dir="$1"
    # Only ever remove a directory this script set up.
    [ -f "$dir/.aw-pg-harness" ] || die "$dir was not made by pg-harness.sh start"
    if [ -f "$dir/data/postmaster.pid" ]; then
        find_bin
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start)
    [ $# -eq 2 ] || die "usage: pg-harness.sh start DIR"
    start "$2"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: pg-harness.sh stop DIR"
    stop "$2"
    ;;
run)
    shift
    [ $# -ge 1 ] || die "usage: pg-harness.sh run CMD [ARGS...]"
    find_bin
    dir=$(mktemp -d "${TMPDIR:-/tmp}/aw-pg.XXXXXX")
    : >"$dir/.aw-pg-harness"
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    url=$(start "$dir") || exit $?
    status=0
    AW_TEST_POSTGRESQL_URL="$url" "$@" || status=$?
    exit "$status"
    ;;
*)
    die "usage: pg-harness.sh start DIR | stop DIR | run CMD [ARGS...]"
    ;;
esac
