"""wrk sending PBX API heartbeats, each with the next session's token, or event reports to
one event URL, for bench.pbx.

The Lua script counts every answer that is not HTTP 200 with exactly
`{"status":"Success"}`; socket errors (no answer at all) are counted by wrk itself.
"""

import re
import string
from dataclasses import replace
from pathlib import Path

from bench.wrk import WrkResult, parse, wrk_output
from schemas.pbx_errno import SUCCESS

# Every script's ending: count each answer that is not HTTP 200 with `$success`.
COUNT_BAD = """
function response(status, hdrs, answer)
  if status ~= 200 or answer ~= '$success' then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("bad answers: %d\\n", total))
end
"""

LUA = string.Template(
    """
local tokens = {}
for line in io.lines("$tokens") do tokens[#tokens + 1] = line end
local body = io.open("$body", "rb"):read("*a")
local headers = {["Content-Type"] = "application/json"}
local n = 0
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function request()
  n = n + 1
  local path = "/api/v2.0.0/heartbeat?token=" .. tokens[(n % #tokens) + 1]
  return wrk.format("POST", path, headers, body)
end
"""
    + COUNT_BAD
)


EVENTS_LUA = string.Template(
    """
local body = io.open("$body", "rb"):read("*a")
local headers = {["Content-Type"] = "application/json", ["User-Agent"] = "WebAPI"}
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function request() return wrk.format("POST", "$path", headers, body) end
"""
    + COUNT_BAD
)


def heartbeat_script(tokens: list[str], body: bytes, workdir: Path) -> str:
    """The Lua script's path: heartbeats with `body`, to each token in turn."""
    tokens_file, body_file = workdir / "tokens.txt", workdir / "heartbeat.json"
    tokens_file.write_text("\n".join(tokens) + "\n")
    body_file.write_bytes(body)
    script = workdir / "pbx-heartbeat.lua"
    script.write_text(LUA.substitute(tokens=tokens_file, body=body_file, success=SUCCESS.decode()))
    return str(script)


def run_heartbeats(url: str, script: str, seconds: int, connections: int) -> WrkResult:
    """One bounded wrk run; raises CalledProcessError or TimeoutExpired when wrk fails."""
    out = wrk_output(url, seconds=seconds, connections=connections, script=script)
    parsed = parse(out, seconds)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = parsed.errors - (int(non_2xx.group(1)) if non_2xx else 0)
    bad = re.search(r"^bad answers: (\d+)", out, re.M)
    if bad is None:
        raise RuntimeError(f"wrk printed no count of bad answers:\n{out}")
    errors = socket_errors + int(bad.group(1))
    return replace(parsed, errors=errors)


def event_script(event_url: str, body: bytes, workdir: Path) -> str:
    """The Lua script's path: the event report `body` posted to `event_url` again and again."""
    body_file = workdir / "event.json"
    body_file.write_bytes(body)
    script = workdir / "pbx-events.lua"
    script.write_text(
        EVENTS_LUA.substitute(body=body_file, path=event_url, success=SUCCESS.decode())
    )
    return str(script)
