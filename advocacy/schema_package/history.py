"""The deprecation policy over git history: every committed version of ``schema.graphql``
since the policy began must be compatible with the one before it, and so must the working
tree's file with ``HEAD``'s.

The policy begins with the commit that added ``CHANGELOG.md`` (older versions were never
promised anything). Versions are read along the first-parent chain of ``HEAD``: what landed on
the branch, one step at a time; a merge counts as one step. Whatever git can't tell (no git, not
a checkout, a shallow clone cut before the policy began) is said in ``notes`` and the check
covers what exists.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from graphql import GraphQLError

from advocacy.schema_package.compat import Comparison, acknowledged_changes, compare

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Step:
    """One schema change: from the version at ``old`` to the one at ``new``."""

    old: str
    new: str
    comparison: Comparison

    def title(self) -> str:
        return f"{self.old} → {self.new}"


@dataclass
class HistoryReport:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Step]:
        return [step for step in self.steps if not step.comparison.ok]

    def summary(self) -> str:
        lines = [f"note: {note}" for note in self.notes]
        lines.append(f"{len(self.steps)} schema change(s) checked")
        for step in self.failures:
            lines.append(f"{step.title()}:")
            lines.extend(f"  {line}" for line in step.comparison.report().splitlines())
        return "\n".join(lines)


class Git:
    """Read-only git in one checkout; ``None`` for any failure (the caller says what it
    couldn't learn). Optional locks are off, so it never contends with a concurrent commit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.last_error = ""

    def run(self, *args: str, stdin: str | None = None) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.directory,
                input=stdin,
                capture_output=True,
                text=True,
                encoding="utf-8",
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
                check=False,
            )
        except OSError as error:
            self.last_error = str(error)
            return None
        if done.returncode != 0:
            self.last_error = done.stderr.strip()
            return None
        return done.stdout

    def show(self, revision: str, path: str) -> str | None:
        return self.run("show", f"{revision}:{path}")


def _relative(git: Git, path: Path) -> tuple[Path, str] | None:
    top = git.run("rev-parse", "--show-toplevel")
    if top is None:
        return None
    root = Path(top.strip()).resolve()
    try:
        return root, path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def read_revision(schema_path: Path, revision: str) -> str | None:
    """The schema file as committed at ``revision`` (``None`` when git can't tell)."""
    git = Git(schema_path.parent)
    located = _relative(git, schema_path)
    return None if located is None else git.show(revision, located[1])


def check_history(schema_path: Path, changelog_path: Path) -> HistoryReport:
    """Check every step of ``schema_path``'s history under the policy (see the module)."""
    report = HistoryReport()
    git = Git(schema_path.parent)
    located, changelog_located = _relative(git, schema_path), _relative(git, changelog_path)
    if located is None or changelog_located is None:
        reason = git.last_error.splitlines()[0] if git.last_error else "outside the checkout"
        report.notes.append(f"no git history to check ({reason})")
        return report
    (root, schema), changelog = located, changelog_located[1]
    git = Git(root)  # paths below are relative to the top of the checkout
    acknowledged = (
        acknowledged_changes(changelog_path.read_text(encoding="utf-8"))
        if changelog_path.exists()
        else []
    )
    if git.run("rev-parse", "--verify", "--quiet", "HEAD") is None:
        report.notes.append("no commits yet: nothing to compare")
        return report
    shallow = (git.run("rev-parse", "--is-shallow-repository") or "").strip() == "true"
    start = _policy_start(git, changelog)
    if start is None:
        if not changelog_path.exists():
            report.notes.append(f"no {changelog}: the compatibility policy is not in force")
            return report
        report.notes.append(f"{changelog} is not committed yet: the policy starts now")
    else:
        if shallow and start in _shallow_boundaries(git):
            report.notes.append(
                f"shallow clone: history before {start[:12]} is missing; checked from there "
                "(fetch with --unshallow to check the whole policy period)"
            )
        report.steps.extend(_committed_steps(git, start, schema, acknowledged))
    current = schema_path.read_text(encoding="utf-8") if schema_path.exists() else None
    committed = git.show("HEAD", schema)
    if current is not None and committed is not None and current != committed:
        report.steps.append(_step("HEAD", WORKING_TREE, committed, current, acknowledged))
    return report


def _policy_start(git: Git, changelog: str) -> str | None:
    added = git.run(
        "log",
        "--first-parent",
        "--diff-filter=A",
        "--reverse",
        "--format=%H",
        "HEAD",
        "--",
        changelog,
    )
    commits = (added or "").split()
    return commits[0] if commits else None


def _shallow_boundaries(git: Git) -> set[str]:
    path = git.run("rev-parse", "--git-path", "shallow")
    if path is None:
        return set()
    shallow_file = git.directory / path.strip()
    return set(shallow_file.read_text().split()) if shallow_file.exists() else set()


def _committed_steps(git: Git, start: str, schema: str, acknowledged: Sequence[str]) -> list[Step]:
    """Consecutive distinct versions of the schema from ``start`` to ``HEAD``."""
    later = git.run("rev-list", "--first-parent", "--reverse", f"{start}..HEAD") or ""
    commits = [start, *later.split()]
    blobs = _blob_ids(git, commits, schema)
    versions: list[tuple[str, str]] = []  # (commit, blob) where the schema changed
    for commit, blob in zip(commits, blobs, strict=True):
        if blob is not None and (not versions or versions[-1][1] != blob):
            versions.append((commit, blob))
    steps = []
    for (old_commit, old_blob), (new_commit, new_blob) in pairwise(versions):
        old_text = git.run("cat-file", "blob", old_blob)
        new_text = git.run("cat-file", "blob", new_blob)
        if old_text is not None and new_text is not None:
            steps.append(_step(old_commit[:12], new_commit[:12], old_text, new_text, acknowledged))
    return steps


def _step(old: str, new: str, old_sdl: str, new_sdl: str, acknowledged: Sequence[str]) -> Step:
    try:
        return Step(old, new, compare(old_sdl, new_sdl, acknowledged))
    except GraphQLError as error:  # a version that isn't a valid schema can't be compared
        unreadable = Comparison([f"not a valid schema: {error.message}"], [], [], [])
        return Step(old, new, unreadable)


def _blob_ids(git: Git, commits: Sequence[str], path: str) -> list[str | None]:
    """The schema's blob at each commit (``None`` where it didn't exist), in one git call."""
    answer = git.run(
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{commit}:{path}\n" for commit in commits),
    )
    lines = (answer or "").splitlines()
    if len(lines) != len(commits):
        return [None] * len(commits)
    return [
        words[0] if len(words := line.split()) == 2 and words[1] == "blob" else None
        for line in lines
    ]
