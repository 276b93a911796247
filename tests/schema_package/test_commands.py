"""``advocacy export-schema``, ``schema-diff`` and ``schema-check`` from the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from advocacy.cli import app
from advocacy.graphql.schema import schema_sdl
from advocacy.schema_package.export import introspection_json

runner = CliRunner()


def test_export_schema_writes_the_sdl_and_the_json_beside_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export-schema", "--output", str(tmp_path / "api.graphql")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "api.graphql").read_text() == schema_sdl()
    assert (tmp_path / "api.json").read_text() == introspection_json(schema_sdl())
    only_json = runner.invoke(app, ["export-schema", "--output", "-", "--json", "-"])
    assert only_json.exit_code == 1


def test_schema_diff_between_two_files(tmp_path: Path) -> None:
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text('type Query { a: Int b: Int @deprecated(reason: "use a") c: Int }')
    new.write_text("type Query { a: Int c: Int d: Int }")
    allowed = runner.invoke(app, ["schema-diff", str(old), str(new)])
    assert allowed.exit_code == 0, allowed.output
    assert "removed after deprecation (allowed):\n  Query.b (deprecated: use a)" in allowed.output
    new.write_text("type Query { a: Int b: Int }")
    refused = runner.invoke(app, ["schema-diff", str(old), str(new)])
    assert refused.exit_code == 1
    assert "breaking (refused):\n  Field Query.c was removed." in refused.output
    assert "deprecated" in refused.stderr
    missing = runner.invoke(app, ["schema-diff", "no-such-file-or-revision", str(new)])
    assert missing.exit_code == 1 and "neither a file nor a git revision" in missing.stderr


def test_schema_diff_against_head_and_over_the_history() -> None:
    head = runner.invoke(app, ["schema-diff"])  # HEAD's committed schema → the working tree's
    assert head.exit_code == 0, head.output
    history = runner.invoke(app, ["schema-diff", "--history"])
    assert history.exit_code == 0, history.output
    assert "schema change(s) checked" in history.output


def test_schema_check_runs_every_python_check() -> None:
    result = runner.invoke(app, ["schema-check", "--no-typescript"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "the schema package is current and compatible" in result.output
