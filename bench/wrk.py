"""Run wrk (installed from Debian's packages when missing) and read its figures."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from localkafka.broker import LocalKafkaError
from localkafka.debian import ensure_packages

LUA = """
local paths = {}
for line in io.lines("%(ids)s") do paths[#paths + 1] = "/api/customer/" .. line .. "/heartbeat" end
local body = io.open("%(body)s", "rb"):read("*a")
local n = 0
request = function()
  n = n + 1
  return wrk.format("%(method)s", paths[(n %% #paths) + 1], {["Content-Type"] = "%(ctype)s"}, body)
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        """Answers per second."""
        return self.requests / self.seconds


class WrkError(LocalKafkaError):
    """wrk could not be installed."""


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages when missing (under the apt lock
    the test fixtures share)."""
    ensure_packages(["wrk"], installed=lambda: shutil.which("wrk") is not None, error=WrkError)
    return shutil.which("wrk") or "wrk"


def run_wrk(
    url: str, *, seconds: int, connections: int, threads: int = 1, script: str | None = None
) -> WrkResult:
    """wrk against `url`; raises CalledProcessError when wrk fails."""
    out = wrk_output(url, seconds=seconds, connections=connections, threads=threads, script=script)
    return parse(out, seconds)


def wrk_output(
    url: str, *, seconds: int, connections: int, threads: int = 1, script: str | None = None
) -> str:
    """What wrk printed against `url`; raises CalledProcessError or TimeoutExpired on failure."""
    cmd = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "5s"]  # fmt: skip
    if script:
        cmd += ["-s", script]
    # Bounded: wrk has been seen to hang past its duration; the run is then a failure.
    return subprocess.run(
        [*cmd, url], check=True, capture_output=True, text=True, timeout=seconds + 30
    ).stdout


def heartbeat_script(ids: list[str], body: bytes, ctype: str, workdir: Path) -> str:
    """A wrk Lua script sending `body` to each clientId in turn."""
    ids_file, body_file = workdir / "ids.txt", workdir / f"body-{ctype.split('/')[1]}"
    ids_file.write_text("\n".join(ids) + "\n")
    body_file.write_bytes(body)
    script = workdir / f"heartbeat-{ctype.split('/')[1]}.lua"
    script.write_text(LUA % {"ids": ids_file, "body": body_file, "method": "PUT", "ctype": ctype})
    return str(script)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(out: str, seconds: int) -> WrkResult:
    """The figures of wrk's printout (its own errors: non-2xx answers and socket errors)."""
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    return WrkResult(requests, errors, float(seconds), p50, p99)
