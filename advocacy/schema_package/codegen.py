"""GraphQL Code Generator (``frontend-schema/codegen.yml``): TypeScript types for the
operations, run from the repository root with the locally installed CLI (``npm ci``)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from advocacy.schema_package import CODEGEN_CONFIG_PATH, PACKAGE_DIR

ROOT = PACKAGE_DIR.parent
CLI = ROOT / "node_modules" / ".bin" / "graphql-codegen"


@dataclass(frozen=True)
class CodegenRun:
    ok: bool
    output: str


def codegen_installed() -> bool:
    return CLI.exists()


def run_codegen(*, check: bool = False, timeout: float = 300) -> CodegenRun:
    """Generate the TypeScript, or with ``check`` only tell whether the committed files are
    what it would generate (``--check``: nothing written, non-zero when stale)."""
    command = [str(CLI), "--config", str(CODEGEN_CONFIG_PATH.relative_to(ROOT))]
    if check:
        command.append("--check")
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    return CodegenRun(done.returncode == 0, (done.stdout + done.stderr).strip())
