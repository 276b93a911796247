"""The front-end files the server serves from ``/static/vendor/``, copied from the npm packages
that ``package-lock.json`` pins and committed, so an installed package (a wheel, the image,
``make run`` without Node) serves them: Chart.js for the dashboard, React and GraphiQL for
``/graphql``.

``make vendor`` (``python -m advocacy.web.vendored``) copies them out of ``node_modules/``
after ``npm ci`` and writes ``manifest.json`` beside them: each file's package, version and
SHA-256. The tests check the manifest against the lock and the files against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"


@dataclass(frozen=True)
class Vendored:
    package: str
    source: str
    """The file's path inside the npm package."""
    name: str
    """Its name under ``static/vendor/``."""


FILES = (
    Vendored("chart.js", "dist/chart.umd.min.js", "chart.umd.min.js"),
    Vendored("react", "umd/react.production.min.js", "react.production.min.js"),
    Vendored("react-dom", "umd/react-dom.production.min.js", "react-dom.production.min.js"),
    Vendored("graphiql", "graphiql.min.js", "graphiql.min.js"),
    Vendored("graphiql", "graphiql.min.css", "graphiql.min.css"),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh(node_modules: Path, target: Path = VENDOR_DIR) -> list[dict[str, str]]:
    """Copy every vendored file out of ``node_modules`` and write the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    entries = []
    for item in FILES:
        package = node_modules / item.package
        version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
        shutil.copyfile(package / item.source, target / item.name)
        entries.append(
            {
                "file": item.name,
                "package": item.package,
                "version": version,
                "source": item.source,
                "sha256": sha256(target / item.name),
            }
        )
    (target / MANIFEST.name).write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    return entries


def main() -> None:
    node_modules = Path(sys.argv[1] if len(sys.argv) > 1 else "node_modules")
    for entry in refresh(node_modules):
        print(f"{entry['file']}: {entry['package']} {entry['version']}")


if __name__ == "__main__":
    main()
