"""The layers in ``pyproject.toml`` ([tool.importlinter]) hold: no upward import, no cycle.

import-linter reads every import, including those inside functions, so an import
placed in a function cannot hide a cycle or an upward arrow. The second test
shows the check has teeth: a copy of the packages with a deliberate upward
import and a deliberate cycle fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("survey", "network", "dashboard")
_LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the packages under ``root`` with its ``pyproject.toml``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", _LINT, "--no-cache", "--config", "pyproject.toml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_layers_and_no_cycles() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_or_a_cycle_fails_the_check(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # The store reaching up to a command, and the charts importing the table writer
    # that imports them.
    with (tmp_path / "survey" / "store" / "analysis.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom survey.commands import sources  # noqa: E402\n")
    with (tmp_path / "survey" / "export" / "charts.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom survey.export import tables  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "survey.store is not allowed to import survey.commands" in result.stdout
    assert "survey.store.analysis -> survey.commands.sources" in result.stdout
    assert "No cycles are allowed in survey.export" in result.stdout
