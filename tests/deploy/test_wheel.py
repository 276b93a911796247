"""The production install path of the README, for real: build the wheel from this tree, install
it with the locked dependencies into a fresh virtualenv, and migrate an empty database with its
``advocacy migrate``, from a directory that has no source tree in it (so nothing but the
installed package can supply the migrations or the front-end files)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.fixtures.database import TEST_DATABASE_URL_ENV, is_postgres
from tests.fixtures.provider_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def uv() -> str:
    """The uv that `make install` put next to the interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        pytest.skip("needs uv (make install-dev puts it in .venv/bin)")
    return found


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Installed:
    """A virtualenv with nothing but the wheel and requirements.lock installed."""

    bin: Path
    site_packages: Path
    scratch: Path

    def env(self, **settings: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ADVOCACY_", "PYTHON", "VIRTUAL_ENV"))
        }
        env.update({f"ADVOCACY_{name.upper()}": value for name, value in settings.items()})
        return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    tool = uv()
    uv_env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_")}
    uv_env["UV_NO_CONFIG"] = "1"
    run(tool, "build", "--wheel", "--out-dir", work / "dist", ROOT, cwd=work, env=uv_env)
    (wheel,) = (work / "dist").glob("advocacy-*.whl")
    venv = work / "venv"
    run(tool, "venv", "--quiet", "--python", sys.executable, venv, cwd=work, env=uv_env)
    python = venv / "bin" / "python"
    # Two steps, as the README says: the lock's pins are hash-checked, a local wheel has none.
    pip = (tool, "pip", "install", "--quiet", "--python", python)
    run(*pip, "--require-hashes", "-r", ROOT / "requirements.lock", cwd=work, env=uv_env)
    run(*pip, "--no-deps", wheel, cwd=work, env=uv_env)
    site = run(
        python,
        "-c",
        "import advocacy, pathlib; print(pathlib.Path(advocacy.__file__).parent)",
        cwd=work,
    )
    scratch = work / "run"
    scratch.mkdir()
    return Installed(venv / "bin", Path(site.strip()).parent, scratch)


def test_the_wheel_is_installed_not_linked_to_this_tree(installed: Installed) -> None:
    package = installed.site_packages / "advocacy"
    assert package.is_dir() and not package.is_symlink()
    assert ROOT not in package.resolve().parents
    assert (package / "migrations" / "env.py").is_file()
    assert sorted((package / "migrations" / "versions").glob("0001_*.py"))


def test_advocacy_migrate_from_the_wheel_builds_an_empty_sqlite_database(
    installed: Installed,
) -> None:
    database = installed.scratch / "fresh.db"
    env = installed.env(database_url=f"sqlite+aiosqlite:///{database}")
    out = run(installed.bin / "advocacy", "migrate", cwd=installed.scratch, env=env)
    assert "database at head" in out
    heads = [path.name for path in (ROOT / "migrations" / "versions").glob("*.py")]
    with sqlite3.connect(database) as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert any(name.startswith(version) for name in heads)
    assert version == max(name.split("_", 1)[0] for name in heads)
    assert {"organization", "advocate", "gift_send"} <= tables
    again = run(installed.bin / "advocacy", "migrate", cwd=installed.scratch, env=env)
    assert "database at head" in again  # safe to re-run


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own beside the test database, dropped afterwards."""
    url = os.environ.get(TEST_DATABASE_URL_ENV, "")
    if not is_postgres(url):
        pytest.skip(f"needs PostgreSQL: set {TEST_DATABASE_URL_ENV}")
    parsed = make_url(url)
    name = f"{parsed.database}_wheel_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield parsed.set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


async def test_advocacy_migrate_from_the_wheel_builds_an_empty_postgres_database(
    installed: Installed, scratch_postgres: str
) -> None:
    env = installed.env(database_url=scratch_postgres)
    out = await asyncio.to_thread(
        run, installed.bin / "advocacy", "migrate", cwd=installed.scratch, env=env
    )
    assert "database at head" in out
    engine = create_async_engine(scratch_postgres)
    try:
        async with engine.connect() as connection:
            version = (
                await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            ).scalar_one()
            tables = set(
                (
                    await connection.exec_driver_sql(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    heads = [path.name.split("_", 1)[0] for path in (ROOT / "migrations" / "versions").glob("*.py")]
    assert version == max(heads)
    assert {"organization", "advocate", "gift_send"} <= tables


def test_the_installed_package_serves_the_dashboard_charts_and_graphiql(
    installed: Installed,
) -> None:
    """A pip-installed deployment serves the vendored front-end files (the dashboard's charts
    were a 404 when they came from `make web`) and a working GraphiQL page."""
    from advocacy.web.vendored import FILES, VENDOR_DIR

    vendor = installed.site_packages / "advocacy" / "web" / "static" / "vendor"
    for item in FILES:
        assert (vendor / item.name).read_bytes() == (VENDOR_DIR / item.name).read_bytes()
    database = installed.scratch / "served.db"
    env = installed.env(database_url=f"sqlite+aiosqlite:///{database}")
    run(installed.bin / "advocacy", "migrate", cwd=installed.scratch, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(installed.bin / "advocacy"), "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=installed.scratch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as server:
        try:
            wait_until_healthy(base, server)
            chart = httpx.get(f"{base}/static/vendor/chart.umd.min.js")
            assert chart.status_code == 200
            assert chart.content == (VENDOR_DIR / "chart.umd.min.js").read_bytes()
            page = httpx.get(f"{base}/graphql", headers={"accept": "text/html"})
            assert page.status_code == 200 and "/static/vendor/graphiql.min.js" in page.text
            for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
                assert httpx.get(f"{base}{asset}").status_code == 200, asset
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until it answers; fail if the server exits or a minute passes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stderr = server.stderr.read().decode() if server.stderr else ""
            raise AssertionError(f"advocacy serve exited {server.returncode}:\n{stderr}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("advocacy serve did not answer /healthz within a minute")
