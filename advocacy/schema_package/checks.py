"""Every check of the schema package in one place: ``advocacy schema-check`` runs them all, and
the test suite runs each as its own test (tests/schema_package/test_repository.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import build_schema

from advocacy.schema_package import CHANGELOG_PATH, JSON_PATH, SDL_PATH
from advocacy.schema_package.codegen import codegen_installed, run_codegen
from advocacy.schema_package.export import introspection_json
from advocacy.schema_package.history import check_history
from advocacy.schema_package.operations import check_operations
from advocacy.web.documents import OPERATIONS_DIR

STALE = "run `make schema` and commit the result"


def stale_exports(live_sdl: str) -> list[str]:
    """The exported files that don't match the live schema."""
    problems = []
    for path, expected in ((SDL_PATH, live_sdl), (JSON_PATH, introspection_json(live_sdl))):
        if not path.exists():
            problems.append(f"{path.name} is missing: {STALE}")
        elif path.read_text(encoding="utf-8") != expected:
            problems.append(f"{path.name} differs from the live schema: {STALE}")
    return problems


def stale_typescript() -> list[str]:
    if not codegen_installed():
        return ["GraphQL Code Generator is not installed: run `make web` (npm ci)"]
    run = run_codegen(check=True)
    return [] if run.ok else [f"the generated TypeScript is stale: {STALE}\n{run.output}"]


@dataclass
class PackageReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_package(*, typescript: bool = True) -> PackageReport:
    from advocacy.graphql.schema import schema_sdl

    live = schema_sdl()
    report = PackageReport(problems=stale_exports(live))
    report.problems.extend(check_operations(build_schema(live), OPERATIONS_DIR))
    history = check_history(SDL_PATH, CHANGELOG_PATH)
    report.notes.extend(history.notes)
    report.notes.append(f"{len(history.steps)} schema change(s) checked against the policy")
    report.problems.extend(
        f"{step.title()}: {line.strip()}"
        for step in history.failures
        for line in step.comparison.breaking
    )
    if typescript:
        report.problems.extend(stale_typescript())
    return report
