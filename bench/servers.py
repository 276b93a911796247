"""Start an HTTP server in a subprocess, wait until it answers, and always stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from bench.config import ROOT, BenchError

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
    """SIGTERM the process group we created for this server, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


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
    log_path.parent.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{port}"
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
        _wait_healthy(process, base_url + health_path, name, log_path)
        yield base_url
        if process.poll() is not None:
            raise BenchError(f"{name} died during the benchmark; log {log_path}")
    finally:
        _stop(process)
