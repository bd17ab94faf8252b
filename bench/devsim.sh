#!/bin/sh
# airwrite-devsim throughput (helper devsim): N simulated devices against
# airwrite-eim and airwrite-smdp on loopback (SQLite), the way
# tests/test_devsim.sh sets them up. Prints the seconds and rate of
#   provision  N identities, eUICC states and AddInitialEim;
#   register   airwrite-eim register of the registration CSV(s);
#   run        every device polls, downloads its profile through the eIM's
#              relay (indirect) and returns the result, until idle;
# and devsim's memory figures. The orders and triggers (one airwrite-smdp
# order and one airwrite-eim queue process per device) are set up first and
# not measured.
# Usage: bench/devsim.sh BUILD-DIR [N (1000)] [THREADS (4)]
set -u
BUILD=${1:?usage: bench/devsim.sh BUILD-DIR [N] [THREADS]}
N=${2:-1000}
THREADS=${3:-4}
cli="$BUILD/src/cli"
dir=$(mktemp -d)
smdp_pid=
eim_pid=
cleanup() {
    for p in $eim_pid $smdp_pid; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() {
    echo "devsim bench: $*" >&2
    exit 1
}
now() {
    date +%s.%N
}
rate() {
    /usr/bin/python3 -c 'import sys; t = float(sys.argv[2]) - float(sys.argv[1])
print("%.1f s, %.0f/s" % (t, int(sys.argv[3]) / t))' "$1" "$2" "$N"
}
wait_port() {
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$dir/$1" | head -n 1)
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    return 1
}

"$cli/airwrite-pki" init "$dir/pki" >/dev/null || die "airwrite-pki init"
"$cli/airwrite-saip" build --iccid 8944000000000000001 --imsi 234150000000000 \
    --ki 000102030405060708090A0B0C0D0E0F --opc 0F0E0D0C0B0A09080706050403020100 \
    --puk1 12345678 --puk2 87654321 --adm1 11111111 -o "$dir/template.der" >/dev/null ||
    die "airwrite-saip build"
smdp_db="sqlite:$dir/smdp.db"
eim_db="sqlite:$dir/eim.db"
"$cli/airwrite-smdp" import-type --db "$smdp_db" iot "$dir/template.der" >/dev/null ||
    die "import-type"
# N subscribers with Luhn-valid ICCIDs
/usr/bin/python3 -c 'import sys
print("iccid,imsi,ki,opc")
for i in range(1, int(sys.argv[1]) + 1):
    body = "894400000%09d" % i
    total = 0
    for k, c in enumerate(reversed(body)):
        d = int(c) * (2 if k % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    print("%s%d,23415%010d,%032X,%032X" % (body, (10 - total % 10) % 10, i, i, i + 7))' "$N" \
    >"$dir/batch.csv"
"$cli/airwrite-smdp" import --db "$smdp_db" --keys "$dir/keys" --type iot "$dir/batch.csv" \
    >/dev/null || die "import"

t0=$(now)
"$cli/airwrite-devsim" provision --pki "$dir/pki" --count "$N" --out "$dir/sim" \
    --eim-id eim.bench 2>"$dir/provision.err" >/dev/null || die "provision: $(cat "$dir/provision.err")"
t1=$(now)
for f in "$dir"/sim/eim-register*.csv; do
    "$cli/airwrite-eim" register --db "$eim_db" --eim-id eim.bench --pki "$dir/pki" "$f" \
        >/dev/null || die "register $f"
done
t2=$(now)
tail -n +2 "$dir/sim/eids.csv" >"$dir/eids"
tail -n +2 "$dir/batch.csv" | cut -d, -f1 | paste -d' ' "$dir/eids" - | nl -w1 -s' ' |
while read -r i eid iccid; do
    "$cli/airwrite-smdp" order --db "$smdp_db" --iccid "$iccid" --eid "$eid" \
        --matching-id "BENCH-$i" --release >/dev/null || die "order $i"
    "$cli/airwrite-eim" queue --db "$eim_db" "$eid" download "1\$smdp.example.com\$BENCH-$i" \
        >/dev/null || die "queue $i"
done
"$cli/airwrite-smdp" serve --pki "$dir/pki" --db "$smdp_db" --keys "$dir/keys" --port 0 \
    --smdp-address smdp.example.com 2>"$dir/smdp.log" &
smdp_pid=$!
smdp_port=$(wait_port smdp.log) || die "airwrite-smdp serve"
"$cli/airwrite-eim" serve --pki "$dir/pki" --db "$eim_db" --port 0 \
    --route "smdp.example.com=https://127.0.0.1:$smdp_port" 2>"$dir/eim.log" &
eim_pid=$!
eim_port=$(wait_port eim.log) || die "airwrite-eim serve"
t3=$(now)
"$cli/airwrite-devsim" run --dir "$dir/sim" --eim "https://127.0.0.1:$eim_port" \
    --ca "$dir/pki/ci.pem" --threads "$THREADS" --poll-interval 1000 --until-idle 2 \
    --progress 5 >"$dir/run.out" 2>"$dir/run.err" || die "run: $(tail -n 5 "$dir/run.err")"
t4=$(now)
echo "devsim bench: N=$N, $THREADS run threads"
echo "  provision  $(rate "$t0" "$t1") ($(tail -n 2 "$dir/provision.err" | head -n 1 | sed 's/.*(\(.*\))$/\1/'))"
echo "  register   $(rate "$t1" "$t2")"
echo "  run        $(rate "$t3" "$t4") until idle (2 s of it idle): $(cat "$dir/run.out")"
tail -n 2 "$dir/run.err" | sed 's/^/  /'
