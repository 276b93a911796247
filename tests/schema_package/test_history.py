"""The policy over git history, on small throwaway repositories, and over this repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from advocacy.schema_package import CHANGELOG_PATH, SDL_PATH
from advocacy.schema_package.history import WORKING_TREE, check_history

V1 = 'type Query { total: Int legacy: Int @deprecated(reason: "use total") }\n'
V2_RETIRED = "type Query { total: Int }\n"
V2_BROKEN = 'type Query { legacy: Int @deprecated(reason: "use total") }\n'
GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid"]


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.schema = root / "frontend-schema" / "schema.graphql"
        self.changelog = root / "frontend-schema" / "CHANGELOG.md"

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *GIT_IDENTITY, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def commit(self, schema: str | None = None, changelog: str | None = None) -> None:
        if schema is not None:
            self.schema.write_text(schema)
        if changelog is not None:
            self.changelog.write_text(changelog)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", "change")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.schema.parent.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    return repo


def test_a_deprecated_field_may_be_removed_in_a_later_commit(repo: Repo) -> None:
    repo.commit(V1, changelog="# Schema changelog\n")
    repo.commit(V2_RETIRED)
    report = check_history(repo.schema, repo.changelog)
    assert report.notes == []
    assert len(report.steps) == 1 and report.failures == []
    assert report.steps[0].comparison.retired == ["Query.legacy (deprecated: use total)"]


def test_a_removal_without_deprecation_fails_until_the_changelog_records_it(repo: Repo) -> None:
    repo.commit(V1, changelog="# Schema changelog\n")
    repo.commit(V2_BROKEN)
    repo.commit(V2_BROKEN.replace("}", " more: Int }"))  # later commits don't hide it
    report = check_history(repo.schema, repo.changelog)
    assert len(report.steps) == 2
    [failure] = report.failures
    assert failure.comparison.breaking == ["Field Query.total was removed."]
    assert "Field Query.total was removed." in report.summary()
    repo.changelog.write_text("# Schema changelog\n- Breaking: Field Query.total was removed.\n")
    assert check_history(repo.schema, repo.changelog).failures == []


def test_the_working_tree_is_compared_with_head(repo: Repo) -> None:
    repo.commit(V1, changelog="# Schema changelog\n")
    repo.schema.write_text(V2_BROKEN)
    report = check_history(repo.schema, repo.changelog)
    [step] = report.steps
    assert (step.old, step.new) == ("HEAD", WORKING_TREE)
    assert step.comparison.breaking == ["Field Query.total was removed."]
    repo.schema.write_text(V2_RETIRED)
    assert check_history(repo.schema, repo.changelog).failures == []


def test_history_before_the_changelog_is_not_judged(repo: Repo) -> None:
    repo.commit(V1)
    repo.commit(V2_BROKEN)  # before the policy
    repo.commit(changelog="# Schema changelog\n")
    repo.commit(V2_BROKEN.replace("}", " more: Int }"))
    report = check_history(repo.schema, repo.changelog)
    assert len(report.steps) == 1 and report.failures == []


def test_without_a_changelog_there_is_no_policy_yet(repo: Repo) -> None:
    repo.commit(V1)
    repo.schema.write_text(V2_BROKEN)
    report = check_history(repo.schema, repo.changelog)
    assert report.steps == []
    assert report.notes == [
        "no frontend-schema/CHANGELOG.md: the compatibility policy is not in force"
    ]
    repo.changelog.write_text("# Schema changelog\n")  # written, not committed: starts now
    report = check_history(repo.schema, repo.changelog)
    assert "not committed yet" in report.notes[0]
    assert [step.new for step in report.failures] == [WORKING_TREE]


def test_a_shallow_clone_checks_what_it_has_and_says_so(repo: Repo, tmp_path: Path) -> None:
    repo.commit(V1, changelog="# Schema changelog\n")
    repo.commit(V2_BROKEN)
    repo.commit(V2_BROKEN.replace("}", " more: Int }"))
    clone = Repo(tmp_path / "clone")
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone.root)], check=True
    )
    report = check_history(clone.schema, clone.changelog)
    assert any(note.startswith("shallow clone: history before") for note in report.notes)
    assert len(report.steps) == 1 and report.failures == []  # the break is before the cut


def test_outside_git_there_is_nothing_to_walk(tmp_path: Path) -> None:
    schema = tmp_path / "schema.graphql"
    schema.write_text(V1)
    report = check_history(schema, tmp_path / "CHANGELOG.md")
    assert report.steps == []
    assert report.notes[0].startswith("no git history to check (")


def test_this_repository_keeps_the_policy() -> None:
    """Every committed schema since CHANGELOG.md, then the working tree's (CI: a clean clone)."""
    report = check_history(SDL_PATH, CHANGELOG_PATH)
    assert report.failures == [], report.summary()
