"""Closed-loop HTTP load on loopback: wrk when it can be had, else a lean asyncio client.

Both keep ``connections`` keep-alive connections busy for a fixed duration, each sending the
next request as soon as the previous answer is read, and report requests/s, p50 and p99. A
request may cycle through several bodies, paths and values of one header (one per request,
round-robin across connections: a Lua ``request`` function for wrk) and count the answers
containing given markers (a Lua ``response`` function for wrk). A 3xx answer is a success, as
wrk counts it. wrk stops on the clock and drops the requests still in flight, uncounted; the
asyncio client waits for them (``LoadGenerator.max_uncounted``).
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
from typing import Any
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
    bodies: tuple[bytes, ...] = ()
    """If given (one line each, no newlines), request number i of a run, counted across all
    connections, sends ``bodies[(first_body + i) % len(bodies)]`` instead of ``body``."""
    paths: tuple[str, ...] = ()
    """If given (each from ``/``, query included), request number i goes to
    ``paths[(first_body + i) % len(paths)]`` instead of the URL's path."""
    cycled_header: tuple[str, tuple[str, ...]] | None = None
    """``(name, values)``: request number i sends ``name: values[(first_body + i) % len(values)]``
    (values without newlines)."""
    first_body: int = 0
    """Where request 0 of a run starts in every cycle (bodies, paths, header values)."""
    markers: tuple[str, ...] = ()
    """Substrings to look for in 2xx answers: ``LoadResult.marked[k]`` counts the answers that
    contain ``markers[k]``."""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    """Answers of 400 or more (a 3xx counts as success, as wrk counts it), timeouts and socket
    errors."""
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    marked: tuple[int, ...] = ()
    """Per ``HttpRequest.markers``: how many 2xx answers contained it."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class LoadGenerator:
    name: str = "?"

    def describe(self) -> str:
        return self.name

    def max_uncounted(self, connections: int) -> int:
        """How many requests a run may have sent whose answers it never counted: those still
        in flight when it stopped (the server may well have carried them out)."""
        return 0

    def run(self, request: HttpRequest, *, duration: float, connections: int) -> LoadResult:
        raise NotImplementedError


# --- wrk ------------------------------------------------------------------------------------

_WRK_DONE = """
threads = {}
setup = function(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  for i = 1, #markers do counts[i] = 0 end
  for _, thread in ipairs(threads) do
    local marked = thread:get("marked")
    for i = 1, #markers do counts[i] = counts[i] + marked[i] end
  end
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d," ..
    "\\"p50_us\\":%d,\\"p99_us\\":%d,\\"marked\\":[%s]}\\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(counts, ",")))
end
"""

# One Lua state per wrk thread and we run one thread, so ``next_request`` counts across all
# connections. ``bodies``, ``paths`` and ``header_values`` are nil unless given.
_WRK_CYCLES = """
local function lines_of(path)
  if path == nil then return nil end
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end
local bodies, paths = lines_of(BODIES_PATH), lines_of(PATHS_PATH)
local header_name, header_values = HEADER_NAME, lines_of(HEADER_VALUES_PATH)
local next_request = FIRST_BODY
request = function()
  local n = next_request
  next_request = n + 1
  local body, path = nil, nil
  if bodies then body = bodies[n % #bodies + 1] end
  if paths then path = paths[n % #paths + 1] end
  if header_values then wrk.headers[header_name] = header_values[n % #header_values + 1] end
  return wrk.format(nil, path, nil, body)
end
"""

_WRK_MARKERS = """
marked = {}
for i = 1, #markers do marked[i] = 0 end
response = function(status, headers, body)
  if status >= 200 and status < 300 then
    for i = 1, #markers do
      if string.find(body, markers[i], 1, true) then marked[i] = marked[i] + 1 end
    end
  end
end
"""


def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _lua_value(text: str | None) -> str:
    return "nil" if text is None else _lua_string(text)


def _wrk_script(request: HttpRequest, files: dict[str, str]) -> str:
    """``files``: the lines files of the cycles given, by ``bodies``, ``paths``, ``header``."""
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    lines.append("markers = {" + ", ".join(map(_lua_string, request.markers)) + "}")
    if files:
        header_name = request.cycled_header[0] if request.cycled_header else None
        replacements = {
            "BODIES_PATH": _lua_value(files.get("bodies")),
            "PATHS_PATH": _lua_value(files.get("paths")),
            "HEADER_VALUES_PATH": _lua_value(files.get("header")),
            "HEADER_NAME": _lua_value(header_name),
            "FIRST_BODY": str(request.first_body),
        }
        script = _WRK_CYCLES
        for placeholder, value in replacements.items():
            script = script.replace(placeholder, value)
        lines.append(script)
    if request.markers:
        lines.append(_WRK_MARKERS)
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
        marked=tuple(data.get("marked", ())),
    )


class WrkLoadGenerator(LoadGenerator):
    name = "wrk"

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def describe(self) -> str:
        result = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        version = re.match(r"wrk (\S+)", (result.stdout or result.stderr).strip())
        return f"wrk {version[1]}" if version else "wrk"

    def max_uncounted(self, connections: int) -> int:
        # wrk stops on the clock: each connection may have a request out that it drops.
        return connections

    def run(self, request: HttpRequest, *, duration: float, connections: int) -> LoadResult:
        header_values = request.cycled_header[1] if request.cycled_header else ()
        cycles = {
            "bodies": request.bodies,
            "paths": tuple(path.encode() for path in request.paths),
            "header": tuple(value.encode() for value in header_values),
        }
        files = {name: _lines_file(name, lines) for name, lines in cycles.items() if lines}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_wrk_script(request, files))
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
            for path in (script.name, *files.values()):
                os.unlink(path)
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return _parse_wrk(done.stdout)


def _lines_file(name: str, lines: tuple[bytes, ...]) -> str:
    """A temporary file of ``lines``, one per line, for the wrk script to read."""
    if any(b"\n" in line for line in lines):
        raise BenchError(f"wrk takes request {name} one per line: no newlines in them")
    with tempfile.NamedTemporaryFile("wb", suffix=f".{name}", delete=False) as file:
        file.write(b"\n".join(lines) + b"\n")
    return file.name


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


def _raw_request(
    request: HttpRequest, body: bytes, host: str, path: str, extra: dict[str, str]
) -> bytes:
    headers = {"Host": host, "Connection": "keep-alive", **request.headers, **extra}
    if body or request.method != "GET":
        headers["Content-Length"] = str(len(body))
    head = f"{request.method} {path} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, keep-alive, body) after reading one whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    body = b""
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body += (await reader.readexactly(size + 2))[:size]
            if size == 0:
                break
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close", body


@dataclass
class _Tally:
    markers: tuple[bytes, ...]
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    marked: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.marked = [0] * len(self.markers)

    def count_markers(self, body: bytes) -> None:
        for index, marker in enumerate(self.markers):
            if marker in body:
                self.marked[index] += 1


def _raw_at(request: HttpRequest, host: str, default_path: str) -> Callable[[int], bytes]:
    """Request number ``i`` of the cycles, as bytes on the wire."""
    bodies = request.bodies or (request.body,)
    paths = request.paths or (default_path,)
    name, values = request.cycled_header or ("", ())

    def raw(i: int) -> bytes:
        extra = {name: values[i % len(values)]} if values else {}
        return _raw_request(request, bodies[i % len(bodies)], host, paths[i % len(paths)], extra)

    return raw


async def _connection_loop(
    host: str,
    port: int,
    raw_at: Callable[[int], bytes],
    first: int,
    deadline: float,
    tally: _Tally,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline and len(tally.latencies) < MAX_REQUESTS:
        started = time.perf_counter()
        raw = raw_at(first + tally.sent)
        tally.sent += 1
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(raw)
                status, keep_alive, body = await _read_response(reader)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        if 200 <= status < 400:
            tally.latencies.append(time.perf_counter() - started)
            if status < 300:
                tally.count_markers(body)
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
    raw_at = _raw_at(request, f"{host}:{port}", path or "/")
    tally = _Tally(tuple(marker.encode() for marker in request.markers))
    started = time.perf_counter()
    deadline = started + duration
    first = request.first_body
    await asyncio.gather(
        *(_connection_loop(host, port, raw_at, first, deadline, tally) for _ in range(connections))
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
        marked=tuple(tally.marked),
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
