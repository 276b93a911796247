"""The `advocacy` command, run as a real process against the test database."""

import asyncio
import os
import subprocess
import sys
import uuid

from advocacy.kit.db import unit_of_work
from advocacy.tenancy.models import Role
from advocacy.tenancy.service import authenticate


async def advocacy(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ADVOCACY_DATABASE_URL": database}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "advocacy.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


async def test_help_lists_every_command(database: str) -> None:
    result = await advocacy(database, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "demo", "org", "token", "export-schema"):
        assert command in result.stdout


async def test_org_and_token_create_print_a_working_secret_last(database: str) -> None:
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    created = await advocacy(database, "org", "create", slug, "--name", "CLI Org")
    assert created.returncode == 0, created.stderr
    token = await advocacy(
        database, "token", "create", "--org", slug, "--role", "marketer", "--name", "ci"
    )
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("adv_")
    async with unit_of_work() as session:
        principal = await authenticate(session, secret)
    assert principal is not None and principal.role == Role.MARKETER


async def test_errors_exit_non_zero_with_one_clear_line(database: str) -> None:
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    await advocacy(database, "org", "create", slug, "--name", "Once")
    duplicate = await advocacy(database, "org", "create", slug, "--name", "Twice")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip().splitlines() == [
        f"error: slug: an organization with slug {slug!r} exists"
    ]
    missing = await advocacy(
        database, "token", "create", "--org", "no-such-org", "--role", "ADMIN", "--name", "x"
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: slug: no organization with slug 'no-such-org'"
    bad_role = await advocacy(
        database, "token", "create", "--org", slug, "--role", "OWNER", "--name", "x"
    )
    assert bad_role.returncode == 1
    assert bad_role.stderr.strip() == "error: --role must be one of VIEWER, MARKETER, ADMIN"


async def test_export_schema_to_stdout(database: str) -> None:
    result = await advocacy(database, "export-schema", "--output", "-")
    assert result.returncode == 0
    assert "type Advocate implements Node" in result.stdout
