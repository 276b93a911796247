"""compose.yaml and the Dockerfile, checked without a Docker engine: every service the
production stack needs is there (the scheduler too), with one environment, and the commands
its comments give work against the image's entry point (``advocacy``)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.processes import advocacy_command

ROOT = Path(__file__).resolve().parents[2]
ADVOCACY_SERVICES = ("migrate", "api", "worker", "scheduler")


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8")))


def entrypoint() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (line,) = [line for line in dockerfile.splitlines() if line.startswith("ENTRYPOINT")]
    return list(json.loads(line.removeprefix("ENTRYPOINT")))


def test_the_stack_runs_the_scheduler_with_the_same_settings() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", *ADVOCACY_SERVICES} <= set(services)
    assert services["scheduler"]["command"] == ["scheduler"]
    environments = [services[name]["environment"] for name in ADVOCACY_SERVICES]
    assert all(env == environments[0] for env in environments)
    assert environments[0]["ADVOCACY_ENVIRONMENT"] == "production"
    for name in ("ADVOCACY_SECRET_KEY", "ADVOCACY_PUBLIC_URL", "ADVOCACY_REDIS_URL"):
        assert environments[0][name], name
    for name in ("api", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["redis"] == {"condition": "service_healthy"}


def test_the_stack_has_no_default_for_what_production_must_be_given() -> None:
    """A compose default would get round the production check (the process would start with
    links to localhost): ``${VAR:?message}`` makes compose itself refuse to start."""
    env = compose()["services"]["api"]["environment"]
    for name in ("ADVOCACY_SECRET_KEY", "ADVOCACY_PUBLIC_URL"):
        assert env[name].startswith("${" + name + ":?"), env[name]


def test_the_image_runs_advocacy_without_the_source_tree() -> None:
    assert entrypoint() == ["advocacy"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "PYTHONPATH" not in dockerfile
    assert "FROM node" not in dockerfile  # the front-end files are committed


def test_each_service_command_is_an_advocacy_command() -> None:
    services = compose()["services"]
    for name in ADVOCACY_SERVICES:
        command = services[name]["command"]
        result = subprocess.run(
            [*advocacy_command(*command), "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, (name, result.stderr)


def test_the_commands_in_the_comments_work(tmp_path: Path) -> None:
    """``docker compose run --rm api ARGS`` runs ``advocacy ARGS`` in the image: run each such
    command of the comments, in order, on a scratch database."""
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    runs = re.findall(r"^#[ \t]+docker compose run --rm api (.+?)(?:[ \t]+#.*)?$", text, re.M)
    assert [shlex.split(args)[:2] for args in runs] == [["org", "create"], ["token", "create"]]
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env["ADVOCACY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'compose.db'}"
    for args in ["migrate", *runs]:
        result = subprocess.run(
            [*advocacy_command(*shlex.split(args))],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, (args, result.stderr)
    assert result.stdout.strip().splitlines()[-1].startswith("adv_")
