"""The hostile-file corpus: every file is generated here, none is stored in git.

Each :class:`Hostile` is one file an attacker, a careless export or a wrong tool could hand
an importer, with the category it counts under in RELIABILITY.md. The table corpus is built
from an importer's own header and one good row, so every file fails for the reason it is
named after and not because the header is wrong; the YAML corpus serves the instrument and
landscape loaders, and every file of both serves ``db restore`` (none is a backup).

Used by ``tests/store/test_hostile_files.py`` (the importers, on both databases).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook

__all__ = ["HOSTILE_TEXTS", "MEGABYTE", "Hostile", "table_corpus", "yaml_corpus"]

#: One million characters: far over every text limit, under the reader's cell limit.
MEGABYTE = 1_000_000
#: Over the table reader's cell limit (``survey.tables.MAX_CSV_FIELD``, 16 MiB).
_HUGE = 17 * 1024 * 1024
_BOM = codecs.BOM_UTF8
_RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" shown as "exe.txt"

#: Valid but hostile text: must be stored as given and exported inert. Each at most 50
#: characters (the demo instrument's comment limit).
HOSTILE_TEXTS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "<svg/onload=alert(1)>",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "'; DROP TABLE responses;--",
    "1 OR 1=1; SELECT * FROM contacts",
    f"invoice{_RLO}fdp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd mixed \u0645\u0631\u062d\u0628\u0627",
    "Ynys Môn ŵ ŷ — “quoted” ‘text’ 😀",
)


@dataclass(frozen=True)
class Hostile:
    """One generated file: its name, the RELIABILITY.md category, suffix and bytes."""

    name: str
    case: str
    suffix: str
    content: bytes


def _csv(rows: Sequence[Sequence[str]]) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in ',"\n\r'):
            return '"' + value.replace('"', '""') + '"'
        return value
    return "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


def _xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with(row: Sequence[str], column: int, value: str) -> list[str]:
    out = list(row)
    out[column] = value
    return out


def table_corpus(header: Sequence[str], good: Sequence[str], *, text: int,
                 ranks: Sequence[int] = ()) -> list[Hostile]:
    """Bad table files for an importer whose file has ``header`` and a good row ``good``.

    ``text`` is the index of a free-text column (a name, a comment), ``ranks`` the
    indexes of three rank columns of a ranking question (none: no rank cases).
    """
    head, row = list(header), list(good)
    accented = _with(row, text, "Pérez “quoted”")
    files = [
        Hostile("empty", "empty and huge files", ".csv", b""),
        Hostile("bom_only", "BOMs", ".csv", _BOM),
        Hostile("header_only", "empty and huge files", ".csv", _csv([head]).encode()),
        Hostile("bom_header_only", "BOMs", ".csv", _BOM + _csv([head]).encode()),
        Hostile("blank_lines", "empty and huge files", ".csv", b"\n\r\n  \n"),
        Hostile("utf16", "wrong encodings", ".csv", _csv([head, accented]).encode("utf-16")),
        Hostile("utf16_no_bom", "wrong encodings", ".csv",
                _csv([head, accented]).encode("utf-16-le")),
        Hostile("latin1", "wrong encodings", ".csv", _csv([head, accented]).encode("latin-1",
                                                                                  "replace")),
        Hostile("cp1252", "wrong encodings", ".csv", _csv([head, accented]).encode("cp1252")),
        Hostile("binary", "wrong encodings", ".csv",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
        Hostile("not_a_workbook", "wrong encodings", ".xlsx", _csv([head, row]).encode()),
        Hostile("empty_workbook", "empty and huge files", ".xlsx", _xlsx([])),
        Hostile("header_only_workbook", "empty and huge files", ".xlsx", _xlsx([head])),
        Hostile("ragged_workbook", "ragged rows", ".xlsx", _xlsx([head, [*row, "surplus"]])),
        Hostile("nul", "NUL and control characters", ".csv",
                _csv([head, _with(row, text, "ok\x00then")]).encode()),
        Hostile("escape", "NUL and control characters", ".csv",
                _csv([head, _with(row, text, "\x1b[31mred")]).encode()),
        Hostile("vertical_tab", "NUL and control characters", ".csv",
                _csv([head, _with(row, text, "a\x0bb")]).encode()),
        Hostile("ragged_long", "ragged rows", ".csv", _csv([head, [*row, "surplus"]]).encode()),
        Hostile("duplicated_header", "duplicated headers", ".csv",
                _csv([[*head, head[text]], [*row, "second"]]).encode()),
        Hostile("rtl_in_header", "right-to-left overrides", ".csv",
                _csv([_with(head, text, head[text][:2] + _RLO + head[text][2:]), row]).encode()),
        Hostile("unterminated_quote", "ragged rows", ".csv",
                (_csv([head]) + ",".join(row[:-1]) + ',"never closed\n').encode()),
        Hostile("megabyte_cell", "1 MB strings", ".csv",
                _csv([head, _with(row, text, "x" * MEGABYTE)]).encode()),
        Hostile("megabyte_header", "1 MB strings", ".csv",
                _csv([_with(head, text, "h" * MEGABYTE), row]).encode()),
        Hostile("huge_cell", "empty and huge files", ".csv",
                _csv([head, _with(row, text, "y" * _HUGE)]).encode()),
    ]
    if ranks:
        first, second, third = ranks
        files += [
            Hostile("rank_out_of_range", "ranks out of range or repeated", ".csv",
                    _csv([head, _with(row, first, "9")]).encode()),
            Hostile("rank_zero", "ranks out of range or repeated", ".csv",
                    _csv([head, _with(row, first, "0")]).encode()),
            Hostile("rank_negative", "ranks out of range or repeated", ".csv",
                    _csv([head, _with(row, first, "-1")]).encode()),
            Hostile("rank_repeated", "ranks out of range or repeated", ".csv",
                    _csv([head, _with(_with(row, first, "1"), second, "1")]).encode()),
            Hostile("rank_fraction", "ranks out of range or repeated", ".csv",
                    _csv([head, _with(row, third, "2.5")]).encode()),
            Hostile("rank_formula", "formula injection", ".csv",
                    _csv([head, _with(row, first, "=1+1")]).encode()),
            Hostile("rank_sql", "SQL-injection strings", ".csv",
                    _csv([head, _with(row, first, "1; DROP TABLE responses;--")]).encode()),
            Hostile("rank_script", "XSS variants", ".csv",
                    _csv([head, _with(row, first, "<script>alert(1)</script>")]).encode()),
            Hostile("rank_megabyte", "1 MB strings", ".csv",
                    _csv([head, _with(row, first, "7" * MEGABYTE)]).encode()),
        ]
    return files


def yaml_corpus(good: str) -> list[Hostile]:
    """Bad YAML files for a loader whose good file is ``good`` (UTF-8 text)."""
    first, _, rest = good.partition("\n")
    return [
        Hostile("empty", "empty and huge files", ".yaml", b""),
        Hostile("bom_only", "BOMs", ".yaml", _BOM),
        Hostile("utf16", "wrong encodings", ".yaml", good.encode("utf-16")),
        Hostile("latin1", "wrong encodings", ".yaml", (good + "# Pérez\n").encode("latin-1")),
        Hostile("binary", "wrong encodings", ".yaml", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        Hostile("nul", "NUL and control characters", ".yaml",
                f"{first}\x00\n{rest}".encode()),
        Hostile("escape", "NUL and control characters", ".yaml",
                f"{first}\n# \x1b[31m\n{rest}".encode()),
        Hostile("delete", "NUL and control characters", ".yaml",
                f"{first}\n# \x7f\n{rest}".encode()),
        Hostile("deep", "empty and huge files", ".yaml",
                ("x: " + "[" * 5_000 + "]" * 5_000 + "\n").encode()),
        Hostile("long_number", "empty and huge files", ".yaml",
                ("x: " + "9" * 100_000 + "\n").encode()),
        Hostile("aliases", "empty and huge files", ".yaml",
                ("a: &a [x, x, x, x, x, x, x, x, x]\n"
                 + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
                           for p, n in zip("abcdefgh", "bcdefghi", strict=True))).encode()),
        Hostile("list", "wrong encodings", ".yaml", b"- just\n- a list\n"),
        Hostile("csv", "wrong encodings", ".yaml", b"name,email\nAda,ada@example.org\n"),
        Hostile("script", "XSS variants", ".yaml", b"<script>alert(1)</script>\n"),
    ]
