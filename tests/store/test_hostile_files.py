"""The hostile-file corpus (``tests/hostile/corpus.py``) through every importer.

Every bad file must end as a coded error of the importer's own family, exit 2, no
traceback, a message of bounded size (no megabyte echoed back), and a store whose every
table has the same rows and checksum as before (:func:`survey.store.backup.fingerprint`).
Valid but hostile text (XSS, formulas, SQL, right-to-left overrides) must be stored as
given and exported inert. The store tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner, Result
from hostile.corpus import HOSTILE_TEXTS, Hostile, table_corpus, yaml_corpus
from openpyxl import load_workbook
from sqlalchemy import select

from survey.cli import main
from survey.files import defuse_cell
from survey.store import Store
from survey.store.backup import fingerprint
from survey.store.frame import FRAME_COLUMNS
from survey.store.invitations import find_invitation
from survey.store.models import Contact

_REPO = Path(__file__).resolve().parents[2]
_RESPONSES = ["id", "in_partnership", "priorities.funding", "priorities.skills",
              "priorities.data", "comments", "agree"]
_RESPONSE = ["h1", "yes", "1", "2", "3", "fine", "yes"]
_PERSON = ["Hostile Tester", "tester@example.org", "Org", "unitary_authority", "", "Wales", ""]
_RANKINGS = ["id", "funding", "skills", "data"]
_LANDSCAPE = "dataset: landscape_2022\norganisations: []\n"
#: The longest message a refused file may print: the file's path and a few lines.
_MAX_OUTPUT = 4_000


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _write(tmp_path: Path, files: Sequence[Hostile], prefix: str) -> list[tuple[Hostile, Path]]:
    out = []
    for item in files:
        path = tmp_path / f"{prefix}_{item.name}{item.suffix}"
        path.write_bytes(item.content)
        out.append((item, path))
    return out


def _frame_files() -> list[Hostile]:
    def row(column: str, value: str) -> bytes:
        cells = [value if c == column else v for c, v in zip(FRAME_COLUMNS, _PERSON,
                                                            strict=True)]
        return (",".join(FRAME_COLUMNS) + "\n" + ",".join(cells) + "\n").encode()
    return [
        *table_corpus(FRAME_COLUMNS, _PERSON, text=0),
        Hostile("type_sql", "SQL-injection strings", ".csv",
                row("organisation_type", "x'; DROP TABLE contacts;--")),
        Hostile("nation_rtl", "right-to-left overrides", ".csv", row("nation", "Wa\u202eles")),
        Hostile("nation_script", "XSS variants", ".csv", row("nation", "<script>x</script>")),
        Hostile("email_script", "XSS variants", ".csv",
                row("email", "<script>alert(1)</script>@example.org")),
        Hostile("email_formula", "formula injection", ".csv",
                row("email", '=HYPERLINK("http://evil.example")')),
    ]


def _refusals(runs: list[tuple[Hostile, Result]], family: str) -> list[str]:
    """What went wrong, per file: [] when every file was refused as promised."""
    wrong = []
    for item, result in runs:
        codes = re.findall(rf"error (?:{family})\d\d\b", result.output)
        if result.exit_code != 2 or not no_traceback(result) or not codes:
            wrong.append(f"{item.name}: exit {result.exit_code} {result.output[:300]!r}")
        elif len(result.output) > _MAX_OUTPUT:
            wrong.append(f"{item.name}: {len(result.output)} characters of output")
    return wrong


@pytest.fixture
def catalogue(instruments_dir: Path) -> Path:
    """The demo instrument and the shipped local-government one (organisation types)."""
    for name in ("local_government", "codebooks"):
        shutil.copytree(_REPO / "instruments" / name, instruments_dir / name)
    return instruments_dir


@pytest.fixture
def seeded(store_url: str, catalogue: Path, tmp_path: Path) -> str:
    """A store holding the demo instrument, one person and one imported response."""
    frame = tmp_path / "good_frame.csv"
    frame.write_text(",".join(FRAME_COLUMNS) + "\nAnn Lee,ann@example.org,Org,"
                     "Unitary council,,Wales,\n", encoding="utf-8")
    responses = tmp_path / "good_responses.csv"
    responses.write_text(",".join(_RESPONSES) + "\n" + ",".join(_RESPONSE) + "\n",
                         encoding="utf-8")
    assert _run("frame", "import", str(frame), "--instrument", "local_government",
                "--database-url", store_url).exit_code == 0
    result = _run("responses", "import", str(responses), "--instrument", "demo@1.0.0",
                  "--database-url", store_url)
    assert result.exit_code == 0, result.output
    return store_url


def _through(store_url: str, files: list[tuple[Hostile, Path]], family: str,
             *command: str) -> None:
    with Store.open(store_url) as store:
        before = fingerprint(store)
        runs = []
        for item, path in files:
            runs.append((item, _run(*command, str(path), "--database-url", store_url)))
            assert fingerprint(store) == before, f"{item.name} changed the store"
    assert _refusals(runs, family) == []


def test_responses_import_refuses_every_bad_file(seeded: str, tmp_path: Path) -> None:
    files = _write(tmp_path, table_corpus(_RESPONSES, _RESPONSE, text=5, ranks=(2, 3, 4)),
                   "responses")
    assert len(files) == 33
    # A ranking problem in a response file is named by the ranking rule's own code.
    _through(seeded, files, "R1|A1", "responses", "import", "--instrument", "demo@1.0.0")


def test_frame_import_refuses_every_bad_file(seeded: str, tmp_path: Path) -> None:
    files = _write(tmp_path, _frame_files(), "frame")
    assert len(files) == 29
    _through(seeded, files, "F1", "frame", "import", "--instrument", "local_government")


def test_db_restore_refuses_every_file_that_is_not_a_backup(seeded: str,
                                                            tmp_path: Path) -> None:
    files = _write(tmp_path, [*table_corpus(_RESPONSES, _RESPONSE, text=5),
                              *yaml_corpus(_LANDSCAPE)], "restore")
    assert len(files) == 38
    _through(seeded, files, "S1", "db", "restore", "--force")


def test_network_load_refuses_every_bad_landscape_file(seeded: str, tmp_path: Path) -> None:
    files = _write(tmp_path, yaml_corpus(_LANDSCAPE), "landscape")
    assert len(files) == 14
    _through(seeded, files, "L1", "network", "load", "--only")


@pytest.mark.parametrize("command", [["priorities", "--bands", "1,2"],
                                     ["consensus", "--method", "borda"]])
def test_analysis_input_refuses_every_bad_file(tmp_path: Path, catalogue: Path,
                                               command: list[str]) -> None:
    # A respondent id is free text (of any length, and its column may be named anything):
    # the cases for a text column go to a rank column.
    corpus = table_corpus(_RANKINGS, ["h1", "1", "2", "3"], text=1, ranks=(1, 2, 3))
    files = _write(tmp_path, corpus, "rankings")
    assert len(files) == 33
    runs = [(item, _run(*command, "--input", str(path), "--layout", "rank-per-option",
                        "--instrument", "demo@1.0.0", "--question", "priorities"))
            for item, path in files]
    assert _refusals(runs, "A1") == []


def test_coding_files_are_refused_when_bad(tmp_path: Path) -> None:
    """``code kappa`` reads two coders' files (before: its own CSV reader took a CSV named
    .xlsx and dropped a value beyond the header, and a cell over 128 KiB was a traceback)."""
    header, row = ["response_id", "resources_capacity_funding", "other"], ["demo:LG01", "1",
                                                                          "0"]
    good = tmp_path / "good.csv"
    good.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    files = _write(tmp_path, table_corpus(header, row, text=1), "coding")
    assert len(files) == 24
    runs = [(item, _run("code", "kappa", str(path), str(good))) for item, path in files]
    assert _refusals(runs, "C1") == []


def test_instrument_loading_refuses_every_bad_file(tmp_path: Path) -> None:
    good = (_REPO / "instruments" / "researcher" / "1.0.0.yaml").read_text(encoding="utf-8")
    files = _write(tmp_path, yaml_corpus(good), "instrument")
    assert len(files) == 14
    runs = [(item, _run("instrument", "validate", str(path))) for item, path in files]
    assert _refusals(runs, "I1") == []


def test_hostile_but_valid_text_is_kept_verbatim_and_exported_inert(
        seeded: str, tmp_path: Path) -> None:
    source = tmp_path / "hostile.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_RESPONSES)
        for number, text in enumerate(HOSTILE_TEXTS):
            writer.writerow([f"x{number}'; DROP TABLE answers;--", "yes", "1", "2", "3", text,
                             "yes"])
    result = _run("responses", "import", str(source), "--instrument", "demo@1.0.0",
                  "--database-url", seeded)
    assert result.exit_code == 0, result.output
    expected = sorted(defuse_cell(t) for t in (*HOSTILE_TEXTS, "fine"))
    out = tmp_path / "raw.csv"
    assert _run("responses", "export", "-o", str(out), "--database-url", seeded
                ).exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        assert sorted(row["comments"] for row in csv.DictReader(handle)) == expected
    book = tmp_path / "raw.xlsx"
    assert _run("responses", "export", "--format", "xlsx", "-o", str(book),
                "--database-url", seeded).exit_code == 0
    workbook = load_workbook(book, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()  # read-only workbooks keep the file open until closed
    column = list(rows[0]).index("comments")
    assert sorted(str(r[column]) for r in rows[1:]) == expected
    # Only the formula-like ones are changed, by a leading apostrophe.
    assert [t for t in HOSTILE_TEXTS if defuse_cell(t) != t] == [
        t for t in HOSTILE_TEXTS if t[0] in "=+-@"]


def test_hostile_but_valid_names_are_kept_verbatim(seeded: str, tmp_path: Path) -> None:
    frame = tmp_path / "people.csv"
    with frame.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FRAME_COLUMNS)
        for number, text in enumerate(HOSTILE_TEXTS):
            writer.writerow([text, f"p{number}@example.org", text, "unitary_authority", text,
                             "Wales", ""])
    result = _run("frame", "import", str(frame), "--instrument", "local_government",
                  "--database-url", seeded)
    assert result.exit_code == 0, result.output
    with Store.open(seeded) as store, store.session() as s:
        stored = {e: (n, o, r) for e, n, o, r in s.execute(
            select(Contact.email, Contact.name, Contact.organisation, Contact.role))}
    assert [stored[f"p{n}@example.org"] for n in range(len(HOSTILE_TEXTS))] == [
        (t, t, t) for t in HOSTILE_TEXTS]


_SQL = ("' OR '1'='1", "'; DROP TABLE responses;--", "1 OR 1=1", '" OR ""="',
        "x' UNION SELECT email FROM contacts--", "%' --", "wales'--")


def test_sql_injection_strings_as_filters_and_tokens_select_nothing(seeded: str) -> None:
    """Filters and link tokens are bound parameters: an injected string matches nothing."""
    analysis = ("priorities", "--instrument", "demo", "--question", "priorities",
                "--bands", "1,2", "--database-url", seeded)
    assert _run(*analysis).exit_code == 0  # the seeded response is analysable
    with Store.open(seeded) as store:
        before = fingerprint(store)
        for text in _SQL:
            for field in ("nation", "region", "organisation_type", "path"):
                result = _run(*analysis, "--where", f"{field}={text}")
                assert result.exit_code == 2 and no_traceback(result), (text, result.output)
                assert "A172" in result.output, (text, result.output)
            assert find_invitation(store, text) is None
        assert fingerprint(store) == before
