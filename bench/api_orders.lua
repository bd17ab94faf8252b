-- wrk script of bench/bench_api_orders.c: replays requests written beforehand,
-- each one a whole HTTP/1.1 request signed with its own nonce
-- (docs/api-signature.md: HMAC-SHA256 per request, which wrk's Lua cannot
-- compute), so every request the server sees is a fresh, valid call.
--   wrk -tT ... -s api_orders.lua URL -- REQUEST-FILE T
-- The file holds records "<length>\n<length bytes>". wrk thread k of n takes
-- records k, k + n, k + 2n, ... so no two threads send the same nonce; a
-- thread that runs out starts over (a replay: the API answers 401, which the
-- summary counts as a non-2xx answer, so a short file shows).
-- done() prints one line the bench parses:
--   AW_BENCH requests=R duration_us=D p50_us=P p99_us=Q non2xx=N socket_errors=E

local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
end

local records = {}
local index = 0

function init(args)
    local file = assert(io.open(args[1], "rb"))
    local data = file:read("*a")
    file:close()
    local count = tonumber(args[2] or "1")
    local position, n = 1, 0
    while position <= #data do
        local newline = data:find("\n", position, true)
        local length = tonumber(data:sub(position, newline - 1))
        if n % count == id then
            records[#records + 1] = data:sub(newline + 1, newline + length)
        end
        n = n + 1
        position = newline + 1 + length
    end
end

function request()
    index = index + 1
    if index > #records then
        index = 1
    end
    return records[index]
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "AW_BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.status, e.connect + e.read + e.write + e.timeout))
end
