"""The import-linter contracts really do fail a service that imports another service."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def copy_project(tmp_path: Path) -> Path:
    tree = tmp_path / "project"
    for folder in ("shared", "services", "devstack"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_project_keeps_its_contracts(tmp_path):
    result = lint_imports(copy_project(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_service_importing_another_service_is_refused(tmp_path):
    tree = copy_project(tmp_path)
    (tree / "services" / "matching" / "shortcut.py").write_text("from services.scheduling import domain  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Services are independent" in result.stdout and "BROKEN" in result.stdout
