"""Run Alembic migrations from code (CLI, ``make run``, tests)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package (a wheel carries them as
    ``advocacy/migrations``, copied there by ``setup.py`` at build time), else the source
    tree's top-level ``migrations/`` (an editable install, a checkout)."""
    packaged = resources.files("advocacy") / "migrations"
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parent.parent / "migrations"
    if source.is_dir():
        return source
    raise RuntimeError(f"no migrations in the installed package ({packaged}) nor at {source}")


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
