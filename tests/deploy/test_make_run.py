"""``make run PORT= HOST=``: the server binds there and the links ``make run`` prints follow
(ADVOCACY_PUBLIC_URL defaults to http://HOST:PORT), unless ADVOCACY_PUBLIC_URL is set.

``make`` runs its real recipe with ``BIN`` pointing at a stand-in ``advocacy`` that runs the
real ``migrate`` and ``demo`` on a scratch database and only reports how ``serve`` would be
started (a server that never exits has no place in a test); ``install`` is taken as done."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.processes import advocacy_command

ROOT = Path(__file__).resolve().parents[2]


def make_run(tmp_path: Path, *args: str, **environment: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    real = " ".join(advocacy_command())
    stand_in = tmp_path / "bin" / "advocacy"
    stand_in.parent.mkdir(exist_ok=True)
    stand_in.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = serve ]; then echo "serve: $* at $ADVOCACY_PUBLIC_URL"; exit 0; fi\n'
        f'exec {real} "$@"\n'
    )
    stand_in.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env["ADVOCACY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    env.update(environment)
    command = ["make", "--no-print-directory", "-C", str(ROOT), "-o", "install", "run"]
    result = subprocess.run(
        [*command, *args, f"BIN={stand_in.parent}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_run_port_and_host_move_the_server_and_the_printed_links(tmp_path: Path) -> None:
    out = make_run(tmp_path, "PORT=8123", "HOST=0.0.0.0")
    assert "serve: serve --host 0.0.0.0 --port 8123 at http://0.0.0.0:8123" in out
    assert "GraphiQL: http://0.0.0.0:8123/graphql" in out
    assert any(line.startswith("Dashboard: http://0.0.0.0:8123/dashboard") for line in out)
    assert any(
        line.startswith("An advocate's gift page to try: http://0.0.0.0:8123/gift/") for line in out
    )


def test_make_run_keeps_a_public_url_that_is_set(tmp_path: Path) -> None:
    out = make_run(tmp_path, "PORT=8124", ADVOCACY_PUBLIC_URL="https://demo.example.com")
    assert "serve: serve --host 127.0.0.1 --port 8124 at https://demo.example.com" in out
    assert "GraphiQL: https://demo.example.com/graphql" in out


def test_make_run_defaults_stay_127_0_0_1_8000() -> None:
    planned = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "-n", "-o", "install", "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert planned.stdout.splitlines()[-1].endswith("advocacy serve --host 127.0.0.1 --port 8000")
