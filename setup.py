"""Build hook: the wheel carries the Alembic migrations as ``advocacy/migrations`` package data,
while the source tree keeps them at the top level, where Alembic's layout puts them.

Everything else about the package is in ``pyproject.toml``. An editable install
(``make install``) skips the copy: ``advocacy.migrate`` then reads the source tree's folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class BuildPyWithMigrations(build_py):
    """``build_py`` plus a copy of ``migrations/`` into the built package. It starts from an
    empty ``build/lib/advocacy``: setuptools reuses that folder between builds, so a module or
    migration deleted from the tree would otherwise still ship (two Alembic heads, say)."""

    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)
        if not editable:
            shutil.rmtree(Path(self.build_lib) / "advocacy", ignore_errors=True)
        super().run()
        if editable:
            return
        target = Path(self.build_lib) / "advocacy" / "migrations"
        for source in sorted(MIGRATIONS.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                destination = target / source.relative_to(MIGRATIONS)
                self.mkpath(str(destination.parent))
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildPyWithMigrations})
