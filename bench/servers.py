"""Start a server or worker in a subprocess, wait until it answers, and always stop it."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from bench.config import BENCH_DATABASE, ROOT, VENV_BIN, BenchConfig, BenchError

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(process: subprocess.Popen[bytes], url: str, name: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(
                    f"{name} exited with code {process.returncode} before it was healthy; "
                    f"log {log_path}:\n{_log_tail(log_path)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return
            time.sleep(0.1)
    raise BenchError(f"{name} not healthy at {url} after {STARTUP_TIMEOUT:.0f}s; log {log_path}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process we started (a supervisor such as dramatiq's passes it on to its
    children, which a second SIGTERM of their own would kill outright), then SIGKILL whatever
    of its process group is left or lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running_process(
    argv: list[str], *, env: Mapping[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` in its own session (process group), output to ``log_path``; on the way out,
    success or error, stop it and every child it forked."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def running_server(
    name: str,
    argv: list[str],
    *,
    port: int,
    env: Mapping[str, str],
    log_path: Path,
    health_path: str = "/healthz",
) -> Iterator[str]:
    """Run ``argv`` (which must listen on ``port``) and yield its base URL once healthy.

    stdout and stderr go to ``log_path``. The server runs in its own session (process group)
    so that it and any child it forks are stopped together, on success or error.
    """
    base_url = f"http://127.0.0.1:{port}"
    with running_process(argv, env=env, log_path=log_path) as process:
        _wait_healthy(process, base_url + health_path, name, log_path)
        yield base_url
        if process.poll() is not None:
            raise BenchError(f"{name} died during the benchmark; log {log_path}")


def server_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any ``ADVOCACY_*`` or ``BENCH_*`` setting, plus
    ``extra``: a child sees only the settings a benchmark gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "BENCH_"))}
    return {**env, **extra}


def production_env(config: BenchConfig, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Settings for an ``advocacy`` process on the bench database: production mode, a random
    secret key, warnings only."""
    alphabet = string.ascii_letters + string.digits
    return server_env(
        {
            "ADVOCACY_DATABASE_URL": config.sqlalchemy_url(BENCH_DATABASE),
            "ADVOCACY_ENVIRONMENT": "production",
            "ADVOCACY_PUBLIC_URL": "http://127.0.0.1:8000",  # production requires one
            "ADVOCACY_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
            "ADVOCACY_LOG_LEVEL": "warning",
            **(extra or {}),
        }
    )


@contextlib.contextmanager
def api_server(
    config: BenchConfig, log_path: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``advocacy serve`` (one uvicorn worker, production settings) on the bench database;
    yields its base URL once healthy."""
    port = free_port()
    argv = [str(VENV_BIN / "advocacy"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", "1"]
    env = production_env(
        config, {"ADVOCACY_PUBLIC_URL": f"http://127.0.0.1:{port}", **(extra_env or {})}
    )
    with running_server("API server", argv, port=port, env=env, log_path=log_path) as url:
        yield url


def _is_error_line(line: str) -> bool:
    """uvicorn's ``ERROR:``, the API's ``… ERROR name: …``, dramatiq's ``… [ERROR] …``."""
    return line.startswith(("ERROR", "CRITICAL")) or any(
        mark in line for mark in (" ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]")
    )


@contextlib.contextmanager
def uvicorn_server(
    name: str, app: str, extra_env: Mapping[str, str], log_path: Path
) -> Iterator[str]:
    """Serve the ASGI ``app`` (``module:attribute``) with one uvicorn worker, no access log;
    yields its base URL once ``/healthz`` answers."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    env = server_env(extra_env)
    with running_server(name, argv, port=port, env=env, log_path=log_path) as url:
        yield url


def log_problems(path: Path) -> str:
    """A one-line summary of the errors a process logged, e.g. ``3 ERROR (ClientDisconnect x3)``."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "no log"
    errors = sum(1 for line in lines if _is_error_line(line))
    # A traceback ends with its exception's name, unindented, right after indented lines.
    exceptions = Counter(
        match[1]
        for previous, line in itertools.pairwise(lines)
        if previous.startswith(" ") and (match := re.match(r"^([A-Za-z_][\w.]*)(?::|$)", line))
    )
    if not errors and not exceptions:
        return "clean"
    detail = ", ".join(f"{name} x{count}" for name, count in exceptions.most_common())
    return f"{errors} ERROR lines" + (f" ({detail})" if detail else "")
