"""Closed-loop HTTP load on loopback: wrk when it can be had, else a lean asyncio client.

Both keep ``connections`` keep-alive connections busy for a fixed duration, each sending the
next request as soon as the previous answer is read, and report requests/s, p50 and p99.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from bench.config import BenchError

REQUEST_TIMEOUT = 30.0
MAX_REQUESTS = 2_000_000
"""A hard cap on requests per run of the Python generator, whatever the duration."""


@dataclass(frozen=True)
class HttpRequest:
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    """Non-2xx answers, timeouts and socket errors."""
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class LoadGenerator:
    name: str = "?"

    def describe(self) -> str:
        return self.name

    def run(self, request: HttpRequest, *, duration: float, connections: int) -> LoadResult:
        raise NotImplementedError


# --- wrk ------------------------------------------------------------------------------------

_WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d," ..
    "\\"p50_us\\":%d,\\"p99_us\\":%d}\\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _wrk_script(request: HttpRequest) -> str:
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    return "\n".join(lines) + "\n" + _WRK_DONE


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _parse_wrk_text(output: str) -> LoadResult:
    """Fallback when the ``done`` line is missing: read wrk's ``--latency`` report."""

    def latency(percent: str) -> float:
        found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if not found:
            raise BenchError(f"no {percent}% latency in wrk output:\n{output}")
        return float(found[1]) * _UNIT_MS[found[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if not rps or not total:
        raise BenchError(f"can't read wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return LoadResult(
        requests=int(total[1]),
        errors=errors,
        seconds=float(total[2]) * _UNIT_MS[total[3]] / 1000,
        rps=float(rps[1]),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
    )


def _parse_wrk(output: str) -> LoadResult:
    found = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.M)
    if not found:
        return _parse_wrk_text(output)
    data = json.loads(found[1])
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        requests=data["requests"],
        errors=data["errors"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


class WrkLoadGenerator(LoadGenerator):
    name = "wrk"

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def describe(self) -> str:
        result = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        version = re.match(r"wrk (\S+)", (result.stdout or result.stderr).strip())
        return f"wrk {version[1]}" if version else "wrk"

    def run(self, request: HttpRequest, *, duration: float, connections: int) -> LoadResult:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_wrk_script(request))
        try:
            argv = [
                self.binary,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                f"--timeout={REQUEST_TIMEOUT:.0f}s",
                "--latency",
                "-s",
                script.name,
                request.url,
            ]
            done = subprocess.run(
                argv, capture_output=True, text=True, check=False, timeout=duration + 60
            )
        finally:
            os.unlink(script.name)
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return _parse_wrk(done.stdout)


def _install_wrk() -> str | None:
    """Try ``apt-get install wrk`` once (root only), with an ``apt-get update`` if needed."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    for steps in ([install], [["apt-get", "update", "-q"], install]):
        print(f"bench: wrk not found, trying: {' && '.join(' '.join(s) for s in steps)}")
        ok = True
        for step in steps:
            try:
                result = subprocess.run(step, capture_output=True, env=env, timeout=300)
            except subprocess.TimeoutExpired:
                ok = False
                break
            if result.returncode != 0:
                ok = False
                break
        if ok and shutil.which("wrk"):
            return shutil.which("wrk")
    return None


# --- Python fallback ------------------------------------------------------------------------


def _raw_request(request: HttpRequest, host: str, path: str) -> bytes:
    headers = {"Host": host, "Connection": "keep-alive", **request.headers}
    if request.body or request.method != "GET":
        headers["Content-Length"] = str(len(request.body))
    head = f"{request.method} {path} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode() + request.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep-alive) after reading one whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close"


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


async def _connection_loop(
    host: str, port: int, raw: bytes, deadline: float, tally: _Tally
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline and len(tally.latencies) < MAX_REQUESTS:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(raw)
                status, keep_alive = await _read_response(reader)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        if 200 <= status < 300:
            tally.latencies.append(time.perf_counter() - started)
        else:
            tally.errors += 1
        if not keep_alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


async def _python_load(request: HttpRequest, duration: float, connections: int) -> LoadResult:
    url = urlsplit(request.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    path = url.path + (f"?{url.query}" if url.query else "")
    raw = _raw_request(request, f"{host}:{port}", path or "/")
    tally = _Tally()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_connection_loop(host, port, raw, deadline, tally) for _ in range(connections))
    )
    seconds = time.perf_counter() - started
    latencies = sorted(tally.latencies)
    return LoadResult(
        requests=len(latencies) + tally.errors,
        errors=tally.errors,
        seconds=seconds,
        rps=len(latencies) / seconds,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
    )


class PythonLoadGenerator(LoadGenerator):
    name = "python"

    def describe(self) -> str:
        return "python asyncio streams" + (" + uvloop" if _uvloop_factory() else "")

    def run(self, request: HttpRequest, *, duration: float, connections: int) -> LoadResult:
        with asyncio.Runner(loop_factory=_uvloop_factory()) as runner:
            return runner.run(_python_load(request, duration, connections))


def _uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def choose_load_generator(preference: str) -> LoadGenerator:
    """``python``: the asyncio client. ``wrk``: wrk or an error. ``auto``: wrk, installing it
    with apt-get if it is missing, else the asyncio client."""
    if preference == "python":
        return PythonLoadGenerator()
    binary = shutil.which("wrk") or _install_wrk()
    if binary:
        return WrkLoadGenerator(binary)
    if preference == "wrk":
        raise BenchError("BENCH_LOADGEN=wrk but wrk is not installed and apt-get could not fix it")
    print("bench: wrk unavailable, using the Python load generator")
    return PythonLoadGenerator()
