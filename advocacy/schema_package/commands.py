"""``advocacy schema-diff`` and ``advocacy schema-check`` (registered in advocacy/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocacy.schema_package import CHANGELOG_PATH, SDL_PATH


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def _schema_text(source: str) -> str:
    """An SDL file, or a git revision's ``frontend-schema/schema.graphql``."""
    from advocacy.schema_package.history import read_revision

    path = Path(source)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = read_revision(SDL_PATH, source)
    if text is None:
        _fail(f"{source!r} is neither a file nor a git revision with {SDL_PATH.name}")
    assert text is not None
    return text


def schema_diff(
    old: Annotated[
        str, typer.Argument(help="The earlier schema: an SDL file or a git revision.")
    ] = "HEAD",
    new: Annotated[
        str | None,
        typer.Argument(
            help="The later schema: an SDL file or a git revision. [default: the "
            "working tree's frontend-schema/schema.graphql]"
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Instead: check every committed version since CHANGELOG.md was added, then "
            "the working tree.",
        ),
    ] = False,
) -> None:
    """Print the breaking and dangerous changes between two schemas; exit 1 when one breaks
    the deprecation policy."""
    from advocacy.schema_package.compat import WAY_OUT, acknowledged_changes, compare
    from advocacy.schema_package.history import check_history

    if history:
        report = check_history(SDL_PATH, CHANGELOG_PATH)
        typer.echo(report.summary())
        if report.failures:
            typer.echo(WAY_OUT, err=True)
            raise typer.Exit(code=1)
        return
    acknowledged = (
        acknowledged_changes(CHANGELOG_PATH.read_text(encoding="utf-8"))
        if CHANGELOG_PATH.exists()
        else []
    )
    comparison = compare(_schema_text(old), _schema_text(new or str(SDL_PATH)), acknowledged)
    typer.echo(comparison.report())
    if not comparison.ok:
        typer.echo(WAY_OUT, err=True)
        raise typer.Exit(code=1)


def schema_check(
    typescript: Annotated[
        bool,
        typer.Option(help="Also check the generated TypeScript (needs `npm ci`)."),
    ] = True,
) -> None:
    """Check the schema package: exports current, operations valid, history compatible,
    TypeScript current. Exit 1 on any problem."""
    from advocacy.schema_package.checks import check_package

    report = check_package(typescript=typescript)
    for note in report.notes:
        typer.echo(f"note: {note}")
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)
    if report.problems:
        raise typer.Exit(code=1)
    typer.echo("the schema package is current and compatible")
