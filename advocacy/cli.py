"""The ``advocacy`` command: serve, worker, migrate, demo, org, token, export-schema,
schema-diff, schema-check."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from advocacy.config import DEV_SECRET_KEY, get_settings, refuse, require_settings, settings_problem
from advocacy.kit.errors import DomainError, DomainErrors
from advocacy.schema_package import commands as schema_commands

T = TypeVar("T")

app = typer.Typer(
    help="Advocacy: customer advocacy and gifting platform with a GraphQL API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Manage organizations (tenants).", no_args_is_help=True)
token_app = typer.Typer(help="Manage marketer API tokens.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(token_app, name="token")

DEFAULT_SCHEMA_PATH = Path("frontend-schema/schema.graphql")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@app.callback()
def check_settings() -> None:
    """Every command first reads the settings: unfit ones (in production: the development
    secret key, no public URL) stop it here, in one line. ``--help`` needs no settings."""
    if "--help" not in sys.argv[1:]:
        require_settings()


def _run(work: Callable[[], Awaitable[T]]) -> T:
    """Run async work, turning expected failures into one clear line and a non-zero exit."""

    async def wrapped() -> T:
        from advocacy.kit.db import dispose_engine

        try:
            return await work()
        finally:
            await dispose_engine()

    try:
        return asyncio.run(wrapped())
    except DomainErrors as errors:
        fail("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors.errors))
    except DomainError as error:
        fail(f"{error.field}: {error.message}" if error.field else error.message)
    except OSError as error:
        fail(f"can't reach the database: {error}")
    raise AssertionError("unreachable")


def _configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def tune_gc() -> None:
    """Fewer, cheaper collections for a request-serving process: move everything allocated at
    start-up out of the collector's view and collect young objects less often. GraphQL results
    allocate many short-lived objects, and default thresholds spend a large share of request
    time in the collector (measured in bench/)."""
    gc.collect()
    gc.freeze()
    # Young-generation threshold: a page of results keeps tens of thousands of objects alive
    # until the response is written, and a collection in the middle of a request walks them
    # all. At 200k, collections are rare enough to cost little per request (bench/), while
    # cyclic garbage between collections stays in the tens of megabytes.
    gc.set_threshold(200_000, 50, 100)


def serve_app() -> object:
    """Uvicorn factory for ``advocacy serve``."""
    require_settings()  # each uvicorn worker process, and `uvicorn --factory` without us
    from advocacy.app import create_app
    from advocacy.kit.jobs import broker_is_embedded

    _configure_logging()
    application = create_app(embedded_worker=broker_is_embedded())
    tune_gc()
    return application


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) and health checks."""
    import uvicorn

    settings = get_settings()
    if (
        settings.environment == "development"
        and settings.secret_key.get_secret_value() == DEV_SECRET_KEY
        and host not in LOOPBACK_HOSTS
    ):
        typer.echo(
            f"warning: serving on {host} with the public development secret key: anyone can "
            "forge links; in production set ADVOCACY_ENVIRONMENT=production and a secret key",
            err=True,
        )
    uvicorn.run(
        "advocacy.cli:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
        # Subscription messages over the body cap are refused by uvicorn as they arrive, not
        # buffered up to its 16 MiB default first (the app checks them too: http_limits).
        ws_max_size=settings.max_body_bytes,
    )


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Threads per process.")] = 4,
) -> None:
    """Run Dramatiq worker processes against the Redis broker."""
    if not get_settings().redis_url:
        fail("ADVOCACY_REDIS_URL is not set: without Redis, `advocacy serve` runs jobs in-process")
    from dramatiq.cli import main as dramatiq_main

    sys.argv = [
        "dramatiq",
        "advocacy.worker_entry",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    raise typer.Exit(code=dramatiq_main() or 0)


@app.command()
def scheduler(
    once: Annotated[bool, typer.Option(help="Enqueue the periodic jobs once and exit.")] = False,
) -> None:
    """Enqueue the periodic jobs (expiry, reminders, sweep, purge) every
    ADVOCACY_SCHEDULER_INTERVAL_SECONDS. Run one; a second is harmless."""
    import asyncio
    import signal

    from advocacy.scheduler import enqueue_periodic_jobs, run_scheduler

    _configure_logging()
    if once:
        typer.echo(f"enqueued {enqueue_periodic_jobs()} periodic job(s)")
        return

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_scheduler(stop)

    asyncio.run(main())


@app.command("run-periodic")
def run_periodic(
    advance_days: Annotated[
        float,
        typer.Option(
            help="Demo time: act as if this many days had passed (ADVOCACY_CLOCK_OFFSET_DAYS)."
        ),
    ] = 0.0,
) -> None:
    """Run every periodic job once, here, one after the other in their fixed order (lapses
    before asks: advocacy.scheduler.periodic_chains), each with what it enqueues (emails, gift
    rules, fulfilment), then exit. With --advance-days the clock moves forward for this run: in the
    demo, advocates lapse, nudges and gifts go out, asks come due."""
    import os

    from advocacy.scheduler import run_periodic_jobs_here

    if advance_days < 0:
        fail("advance-days: must not be negative")
    os.environ["ADVOCACY_CLOCK_OFFSET_DAYS"] = str(advance_days or get_settings().clock_offset_days)
    os.environ["ADVOCACY_REDIS_URL"] = ""  # in this process only: see run_periodic_jobs_here
    get_settings.cache_clear()
    try:
        get_settings()
    except ValidationError as error:
        refuse(settings_problem(error))
    _configure_logging()
    count = run_periodic_jobs_here()
    typer.echo(f"ran {count} periodic job(s) and what they enqueued")


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply database migrations (Alembic) up to REVISION."""
    from advocacy.migrate import upgrade

    try:
        upgrade(revision=revision)
    except OSError as error:
        fail(f"can't reach the database: {error}")
    typer.echo(f"database at {revision}")


@app.command()
def demo() -> None:
    """Seed the demo organization (idempotent) and print its admin token on the last line."""
    from advocacy.demo import run_demo

    result = _run(run_demo)
    settings = get_settings()
    typer.echo(
        f"demo organization 'demo': {result.advocates} advocates, {result.milestones} milestones"
    )
    typer.echo(f"GraphiQL: {settings.public_url}/graphql")
    typer.echo(f"Dashboard: {settings.public_url}/dashboard (sign in with the token below)")
    typer.echo(f"An advocate's gift page to try: {result.gift_link}")
    typer.echo("Admin token (send as 'Authorization: Bearer <token>'):")
    typer.echo(result.token)


@org_app.command("create")
def org_create(
    slug: Annotated[str, typer.Argument(help="URL-safe identifier, e.g. acme.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
) -> None:
    """Create an organization."""
    from advocacy.kit.db import unit_of_work
    from advocacy.tenancy.service import create_organization

    async def work() -> int:
        async with unit_of_work() as session:
            organization = await create_organization(session, slug=slug, name=name)
            assert organization.id is not None
            return organization.id

    _run(work)
    typer.echo(f"organization {slug!r} created")


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    role: Annotated[str, typer.Option("--role", help="ADMIN, MARKETER or VIEWER.")],
    name: Annotated[str, typer.Option("--name", help="A name to tell tokens apart.")],
) -> None:
    """Create an API token; the secret is printed once, alone on the last line."""
    from advocacy.kit.db import unit_of_work
    from advocacy.tenancy.models import Role
    from advocacy.tenancy.principal import system_principal
    from advocacy.tenancy.service import create_api_token, get_organization_by_slug

    try:
        parsed_role = Role(role.upper())
    except ValueError:
        fail(f"--role must be one of {', '.join(r.value for r in Role)}")
        return

    async def work() -> str:
        async with unit_of_work() as session:
            organization = await get_organization_by_slug(session, org)
            assert organization.id is not None
            issued = await create_api_token(
                session, system_principal(organization.id), name=name, role=parsed_role
            )
            return issued.secret

    secret = _run(work)
    typer.echo(f"{parsed_role} token {name!r} for {org!r} (shown once):")
    typer.echo(secret)


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write; '-' for stdout.")
    ] = DEFAULT_SCHEMA_PATH,
    json_output: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Where to write the introspection JSON; '-' for stdout. "
            "Default: beside the SDL file, as .json (none when the SDL goes to stdout).",
        ),
    ] = None,
) -> None:
    """Write the GraphQL schema for frontends: SDL and introspection JSON."""
    from advocacy.graphql.schema import schema_sdl
    from advocacy.schema_package.export import introspection_json

    sdl = schema_sdl()
    if json_output is None and str(output) != "-":
        json_output = output.with_suffix(".json")
    to_stdout = "-" in (str(output), str(json_output))
    if str(output) == str(json_output) == "-":
        fail("--output and --json can't both be stdout")
    _write_export(output, sdl, quiet=to_stdout)
    if json_output is not None:
        _write_export(json_output, introspection_json(sdl), quiet=to_stdout)


def _write_export(path: Path, text: str, *, quiet: bool) -> None:
    """``quiet``: stdout carries a file, so the "written" line goes to stderr."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    typer.echo(f"schema written to {path}", err=quiet)


app.command("schema-diff")(schema_commands.schema_diff)
app.command("schema-check")(schema_commands.schema_check)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
