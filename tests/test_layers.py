"""The layers in ``pyproject.toml`` ([tool.importlinter]) hold: no upward import, no cycle,
and the explorer and the network read the store through its functions, never its tables.

import-linter reads every import, including those inside functions, so an import
placed in a function cannot hide a cycle or an upward arrow. The second test
shows the check has teeth: a copy of the packages with a deliberate upward
import and a deliberate cycle fails it.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import survey

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


def test_every_part_of_survey_has_a_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "survey"]
    placed = {name.strip().strip("()") for layer in contract["layers"]
              for name in layer.split("|")}
    parts = {module.name for module in pkgutil.iter_modules(survey.__path__)}
    missing = sorted(parts - placed)
    assert not missing, (f"add {', '.join(missing)} to a layer of the 'survey' contract under "
                         "[tool.importlinter] in pyproject.toml")


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
    # and a page reading the store's tables.
    with (tmp_path / "dashboard" / "views.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom survey.store.models import Response  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "survey.store is not allowed to import survey.commands" in result.stdout
    assert "survey.store.analysis -> survey.commands.sources" in result.stdout
    assert "No cycles are allowed in survey.export" in result.stdout
    assert "dashboard is not allowed to import survey.store.models" in result.stdout


def imports_inside_functions_without_a_reason(path: Path) -> list[int]:
    """Lines of imports placed inside a function with no comment saying why.

    The reason is a comment on the import's line or directly above its block of
    imports (e.g. ``# plotly is heavy; it loads only when a chart is drawn.``).
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.append(child)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(text), False)
    spans = [(n.lineno - 1, (n.end_lineno or n.lineno) - 1) for n in found]
    missing = []
    for node in found:
        above = node.lineno - 2
        while any(start <= above <= end for start, end in spans):
            above = next(start for start, end in spans if start <= above <= end) - 1
        said = "#" in lines[node.lineno - 1] or (
            above >= 0 and lines[above].strip().startswith("#"))
        if not said:
            missing.append(node.lineno)
    return missing


def test_imports_inside_functions_say_why() -> None:
    missing = [f"{path.relative_to(ROOT)}:{line}"
               for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
               for line in imports_inside_functions_without_a_reason(path)]
    assert not missing, ("an import inside a function needs a comment giving the reason "
                         "(an optional or heavy dependency), or belongs at the top: "
                         + ", ".join(missing))


def test_the_reason_check_finds_a_silent_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import json\n\n\ndef f():\n    # pandas is heavy.\n"
                      "    import pandas\n    import numpy\n\n\ndef g():\n"
                      "    import csv\n", encoding="utf-8")
    assert imports_inside_functions_without_a_reason(module) == [11]
