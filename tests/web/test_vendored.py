"""The committed front-end files of ``advocacy/web/static/vendor/`` are the ones package-lock.json
pins: the manifest ``make vendor`` writes names each file's package and version, the versions
are the lock's, the files are what the manifest hashed, and — where ``npm ci`` has run — the
same bytes as in ``node_modules``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advocacy.web.vendored import FILES, MANIFEST, VENDOR_DIR, sha256

ROOT = Path(__file__).resolve().parents[2]


def manifest() -> list[dict[str, str]]:
    return list(json.loads(MANIFEST.read_text(encoding="utf-8")))


def locked_version(package: str) -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def test_the_manifest_lists_every_vendored_file_at_the_locked_version() -> None:
    entries = manifest()
    assert [(e["file"], e["package"], e["source"]) for e in entries] == [
        (item.name, item.package, item.source) for item in FILES
    ]
    for entry in entries:
        assert entry["version"] == locked_version(entry["package"]), (
            f"{entry['file']}: vendored from {entry['package']} {entry['version']}, the lock "
            f"has {locked_version(entry['package'])}: run `make vendor`"
        )
    on_disk = {path.name for path in VENDOR_DIR.iterdir()} - {MANIFEST.name}
    assert on_disk == {entry["file"] for entry in entries}


def test_the_files_are_the_ones_the_manifest_hashed() -> None:
    for entry in manifest():
        assert sha256(VENDOR_DIR / entry["file"]) == entry["sha256"], entry["file"]


def test_the_files_are_the_npm_packages_files() -> None:
    node_modules = ROOT / "node_modules"
    if not (node_modules / ".installed").exists() and not (node_modules / "graphiql").exists():
        pytest.skip("no node_modules (make web runs npm ci)")
    for entry in manifest():
        package = node_modules / entry["package"]
        installed = json.loads((package / "package.json").read_text(encoding="utf-8"))
        assert installed["version"] == entry["version"], entry["package"]
        assert sha256(package / entry["source"]) == entry["sha256"], entry["file"]


def test_the_server_packages_declare_the_vendored_files_as_dev_dependencies() -> None:
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    everything = {**declared.get("dependencies", {}), **declared["devDependencies"]}
    assert {item.package for item in FILES} <= set(everything)
