"""A process started with ``ADVOCACY_ENVIRONMENT=production`` and settings that aren't fit for
production refuses to start: one line on stderr naming the setting, exit status 1, no
traceback — whichever way it is started. Each entry point runs as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from advocacy.config import DEV_SECRET_KEY, Settings, settings_problem
from tests.fixtures.processes import advocacy_command
from tests.fixtures.provider_server import free_port

GOOD_KEY = "k" * 40
PUBLIC_URL = "https://advocacy.example.com"
BIN = Path(sys.executable).parent

ENTRY_POINTS = {
    "serve": advocacy_command("serve", "--port", "{port}"),
    "serve --workers 2": advocacy_command("serve", "--port", "{port}", "--workers", "2"),
    "worker": advocacy_command("worker", "--processes", "1", "--threads", "1"),
    "scheduler": advocacy_command("scheduler"),
    "scheduler --once": advocacy_command("scheduler", "--once"),
    "migrate": advocacy_command("migrate"),
    "run-periodic": advocacy_command("run-periodic"),
    "demo": advocacy_command("demo"),
    "uvicorn factory": [
        str(BIN / "uvicorn"),
        "--factory",
        "advocacy.cli:serve_app",
        "--port",
        "{port}",
    ],
}

BAD = {
    "the development key": (
        {"secret_key": DEV_SECRET_KEY, "public_url": PUBLIC_URL},
        "ADVOCACY_SECRET_KEY",
    ),
    "no key": ({"public_url": PUBLIC_URL}, "ADVOCACY_SECRET_KEY"),
    "a short key": ({"secret_key": "s" * 31, "public_url": PUBLIC_URL}, "ADVOCACY_SECRET_KEY"),
    "no public URL": ({"secret_key": GOOD_KEY}, "ADVOCACY_PUBLIC_URL"),
}


def production_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env.update(
        ADVOCACY_ENVIRONMENT="production",
        ADVOCACY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}",
        ADVOCACY_REDIS_URL=os.environ.get("ADVOCACY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    env.update({f"ADVOCACY_{name.upper()}": value for name, value in settings.items()})
    return env


def start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run until it exits; one that keeps running past the deadline has started, which is the
    failure these tests look for (it is killed, and the test fails on its exit status)."""
    port = str(free_port())
    try:
        return subprocess.run(
            [part.replace("{port}", port) for part in command],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=45,
        )
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(
            f"{command} started instead of refusing:\n{expired.stderr!r}"
        ) from None


CASES = [
    *(
        (entry, case)
        for entry in sorted(ENTRY_POINTS)
        for case in ("the development key", "no public URL")
    ),
    *(("serve", case) for case in ("no key", "a short key")),
]


@pytest.mark.parametrize(("entry", "case"), CASES)
def test_production_refuses_to_start_with_one_line(tmp_path: Path, entry: str, case: str) -> None:
    settings, named = BAD[case]
    result = start(ENTRY_POINTS[entry], production_env(tmp_path, **settings), tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and named in lines[0], lines
    assert "Traceback" not in result.stderr and GOOD_KEY not in result.stderr
    assert not (tmp_path / "prod.db").exists()  # refused before touching anything


def test_the_dramatiq_entry_refuses_too(tmp_path: Path) -> None:
    """``dramatiq advocacy.worker_entry`` (a worker started without ``advocacy worker``): each
    worker process says why in one line and exits 1, so Dramatiq stops with status 1."""
    env = production_env(tmp_path, secret_key=DEV_SECRET_KEY, public_url=PUBLIC_URL)
    command = [sys.executable, "-m", "dramatiq", "advocacy.worker_entry", "--processes", "1"]
    result = start(command, env, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: ADVOCACY_SECRET_KEY must be" in result.stderr


def test_production_settings_that_are_complete_start(tmp_path: Path) -> None:
    env = production_env(tmp_path, secret_key=GOOD_KEY, public_url=PUBLIC_URL)
    result = start(advocacy_command("migrate"), env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "prod.db").exists()


def test_development_needs_neither() -> None:
    settings = Settings(_env_file=None)
    assert settings.environment == "development"
    assert settings.public_url == "http://127.0.0.1:8000"


def test_every_problem_in_one_line_without_values() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, environment="production", secret_key="tiny", db_pool_size=0)
    line = settings_problem(raised.value)
    assert "\n" not in line and "tiny" not in line
    assert "ADVOCACY_DB_POOL_SIZE" in line


def test_run_periodic_advance_days_is_refused_in_production_in_one_line(tmp_path: Path) -> None:
    env = production_env(tmp_path, secret_key=GOOD_KEY, public_url=PUBLIC_URL)
    result = start(advocacy_command("run-periodic", "--advance-days", "30"), env, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: ADVOCACY_CLOCK_OFFSET_DAYS is for demos; it can't be set in production"
    ]


def test_serving_beyond_this_machine_on_the_development_key_warns(tmp_path: Path) -> None:
    """Development mode is the default: a server reachable from other machines on the public
    development key says so on stderr (it still starts: `make run HOST=0.0.0.0` for a phone)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env["ADVOCACY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}"
    command = advocacy_command("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    with subprocess.Popen(
        command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stderr is not None
            first = process.stderr.readline()
        finally:
            process.kill()
    assert first.startswith("warning: ") and "ADVOCACY_ENVIRONMENT=production" in first


def test_help_needs_no_settings(tmp_path: Path) -> None:
    env = production_env(tmp_path, secret_key=DEV_SECRET_KEY)
    result = start(advocacy_command("serve", "--help"), env, tmp_path)
    assert result.returncode == 0 and "--workers" in result.stdout, result.stderr
