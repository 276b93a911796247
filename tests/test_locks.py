"""The lock files: every pin carries its files' hashes (so pip and uv refuse a download that
doesn't match), nothing of the machine that wrote them (paths, index URLs) is in them, and they
pin every dependency pyproject.toml names (a dependency added without `make lock` fails here,
not in a deployment)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def entries(lock: Path) -> dict[str, list[str]]:
    """Each pinned package's lines (the pin, its hashes, its markers), by normalized name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = found.setdefault(canonicalize_name(match.group(1)), [])
        if current is not None and not line.lstrip().startswith("#"):
            current.append(line)
    return found


def declared(extra: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    if extra:
        names += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(name).name) for name in names}


@pytest.mark.parametrize(
    ("name", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_every_pin_is_hashed_and_every_dependency_pinned(name: str, extra: str | None) -> None:
    lock = ROOT / name
    pins = entries(lock)
    assert pins, f"{name} pins nothing"
    unhashed = [
        package
        for package, lines in pins.items()
        if not any("--hash=sha256:" in line for line in lines)
    ]
    assert unhashed == [], f"{name}: pins without hashes (run `make lock`): {unhashed}"
    missing = sorted(declared(extra) - set(pins))
    assert missing == [], f"{name} lacks {missing}: run `make lock`"


@pytest.mark.parametrize("name", ["requirements.lock", "requirements-dev.lock"])
def test_no_trace_of_the_machine_that_wrote_it(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        # Options other than a pin's hashes (an index, a link source, an editable path) would
        # record where packages came from: none may be in the file.
        assert not stripped.startswith("-") or stripped.startswith("--hash="), line
        assert "file:" not in stripped and "://" not in stripped, line
        assert not re.search(r"(^|\s)/(home|root|tmp|work|opt|usr)/", stripped), line
