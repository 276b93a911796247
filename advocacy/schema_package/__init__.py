"""The schema package for frontend developers (``frontend-schema/``): the exported schema
(SDL and introspection JSON), the operations the apps send, the TypeScript generated from them,
and the checks that keep all of it current and backwards compatible."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "frontend-schema"
"""``frontend-schema/`` of this checkout (the code runs from an editable install)."""
SDL_PATH = PACKAGE_DIR / "schema.graphql"
JSON_PATH = PACKAGE_DIR / "schema.json"
CHANGELOG_PATH = PACKAGE_DIR / "CHANGELOG.md"
CODEGEN_CONFIG_PATH = PACKAGE_DIR / "codegen.yml"
