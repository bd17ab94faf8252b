# Sourced (POSIX sh) by scripts/platform-lib.sh and the tests that start
# servers on ports they choose beforehand.

# free_port [FILE]: a TCP port of 127.0.0.1 that nothing holds now, for a
# listener (airwrited, a software eUICC) that binds it later, and again
# after a restart. Below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range): a port a bind to port 0 handed out and
# released lies in that range, where any process's bind to port 0 or
# connect() (other tests' servers and clients) may take it before the
# listener binds it or while a restarted listener is down. Nothing takes a
# port below the range unasked. Ports given before in this run (listed in
# FILE, by default $dir/ports) are not given again; a range too low for a
# choice falls back to port 0's.
free_port() {
    /usr/bin/python3 -c 'import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
try:
    given = {int(p) for p in open(sys.argv[1]).read().split()}
except OSError:
    given = set()
port = 0
for _ in range(1000 if low > 11000 else 0):
    candidate = random.randrange(10000, low)
    if candidate in given:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", candidate))
        port = candidate
        break
    except OSError:
        continue
    finally:
        s.close()
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
with open(sys.argv[1], "a") as f:
    f.write("%d\n" % port)
print(port)' "${1:-$dir/ports}"
}
