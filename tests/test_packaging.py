"""The wheel is what users install: it must carry the instruments and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("partnership_landscape-*.whl")
    return built


def test_wheel_contains_packages_and_instruments(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("survey", "network", "dashboard"):
        assert f"{package}/__init__.py" in names
    assert "survey/_instruments/local_government/1.0.0.yaml" in names
    assert "survey/_instruments/researcher/1.0.0.yaml" in names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_copy_finds_its_instruments(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, text=True,
    )
    code = (
        "import survey, survey.instrument.registry as r;"
        "c = r.Catalogue.default();"
        "print(survey.__file__); print(c.root); print(sorted(c.refs()))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("LANDSCAPE_INSTRUMENTS_DIR", None)
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True)
    module_file, root, refs = run.stdout.splitlines()
    assert module_file.startswith(str(site))
    assert root == str(site / "survey" / "_instruments")
    assert refs == "['local_government', 'researcher']"


def test_no_test_reads_the_shared_folder_beside_the_checkout() -> None:
    """A fresh clone has no ``shared/`` beside it: tests use ``tests/reference/`` instead."""
    needles = [quote + "sha" + "red" + quote for quote in ("'", chr(34))]  # not spelt out
    readers = [path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("*.py")
               if any(n in path.read_text(encoding="utf-8") for n in needles)]
    assert readers == [], readers
    assert (ROOT / "tests" / "reference" / "published_2022.yaml").is_file()
