"""The published 2022 figures, shipped with the package, as plain records.

``survey/data/published_2022.yaml`` is the package's own copy of the figures
printed in the 2022 report (the product cannot rely on a shared folder): the
frame and response counts, the two priority band tables (each row with the
option ``code`` used by the instruments) and the barrier-mention shares.

Reproducing these figures from data (the demo files or a store) is a use case
above both the store and the statistics: it lives in :mod:`survey.reproduce`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError, Location
from survey.instrument.yamlsource import LineDict, load_yaml, parse_yaml
from survey.ranking.bands import parse_bands

__all__ = [
    "PublishedRow",
    "PublishedTable",
    "load_published",
    "load_tables",
    "published_table",
    "shipped_path",
]


def shipped_path() -> Path:
    """Where the shipped ``published_2022.yaml`` lives (inside the installed package)."""
    return Path(str(resources.files("survey") / "data" / "published_2022.yaml"))


def load_published(path: Path | None = None) -> dict[str, Any]:
    """The whole published-figures YAML as a mapping (default: the shipped copy).

    Examples
    --------
    >>> load_published()["survey"]["versions"]["researcher"]["responses"]
    17
    """
    source = path or shipped_path()
    data = load_yaml(source)
    if not isinstance(data, dict):
        raise LandscapeError.of("A112", "the file is not a YAML mapping",
                                Location(file=str(source)))
    return data


@dataclass(frozen=True)
class PublishedRow:
    """One printed row: the option wording, its code (if mapped) and percentages."""

    option: str
    pct: tuple[Fraction, ...]
    code: str | None = None
    line: int = 0


@dataclass(frozen=True)
class PublishedTable:
    """A printed band table: ``n`` respondents, bands, and rows of percentages.

    ``precision`` is the number of decimals printed (inferred from the values when
    the file does not say); ``rounding`` the rule the publisher used (the report
    rounds half-up).
    """

    name: str
    n: int
    bands: tuple[tuple[int, int], ...]
    rows: tuple[PublishedRow, ...]
    band_titles: tuple[str, ...] = ()
    precision: int = 0
    rounding: str = "half-up"
    file: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Option codes, falling back to the wording when a row has none."""
        return tuple(r.code or r.option for r in self.rows)

    @property
    def labels(self) -> dict[str, str]:
        return {r.code or r.option: r.option for r in self.rows}

    @property
    def pcts(self) -> list[list[Fraction]]:
        return [list(r.pct) for r in self.rows]


def load_tables(path: Path | None = None, text: str | None = None) -> dict[str, PublishedTable]:
    """Every band table under ``priority_tables`` in a published-figures YAML.

    Parameters
    ----------
    path
        The YAML file; default the shipped ``published_2022.yaml``.
    text
        YAML text to parse instead of a file (for tests).

    Raises
    ------
    LandscapeError
        ``A112`` (with file:line) when the file is not shaped like the shipped one.

    Examples
    --------
    >>> tables = load_tables()
    >>> sorted(tables)
    ['table_1_local_government', 'table_2_researcher']
    >>> tables["table_2_researcher"].n, tables["table_2_researcher"].rows[0].code
    (17, 'research_project_resources')
    """
    file = str(path) if path is not None else ("<text>" if text is not None else
                                                 str(shipped_path()))
    if text is not None:
        data = parse_yaml(text, file)
    else:
        data = load_published(path)

    def fail(message: str, line: int | None = None) -> LandscapeError:
        return LandscapeError.of("A112", message, Location(file=file, line=line))

    if not isinstance(data, dict) or not isinstance(data.get("priority_tables"), dict):
        raise fail("no 'priority_tables' mapping")
    section = data["priority_tables"]
    bands_raw = section.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        raise fail("'priority_tables' needs 'bands', e.g. [\"1-3\", \"4-6\", \"7-9\"]",
                   section.line_of("bands") if isinstance(section, LineDict) else None)
    bands = parse_bands(",".join(str(b) for b in bands_raw))
    titles = tuple(str(t) for t in section.get("band_labels") or ())
    tables: dict[str, PublishedTable] = {}
    for name, body in section.items():
        if name in ("bands", "band_labels"):
            continue
        line = section.line_of(name) if isinstance(section, LineDict) else None
        if not isinstance(body, dict) or "n" not in body or "rows" not in body:
            raise fail(f"table '{name}' needs 'n' and 'rows'", line)
        n = body["n"]
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise fail(f"table '{name}': n must be a positive whole number", line)
        if not isinstance(body["rows"], list) or not body["rows"]:
            raise fail(f"table '{name}': 'rows' must be a list of rows", line)
        rows: list[PublishedRow] = []
        decimals = 0
        for raw in body["rows"]:
            row_line = raw.line if isinstance(raw, LineDict) else line
            if not isinstance(raw, dict) or "option" not in raw or "pct" not in raw:
                raise fail(f"table '{name}': each row needs 'option' and 'pct'", row_line)
            values = raw["pct"]
            if (not isinstance(values, list) or len(values) != len(bands)
                    or not all(isinstance(v, int | float) and not isinstance(v, bool)
                               and v >= 0 for v in values)):
                raise fail(f"table '{name}': 'pct' must list {len(bands)} non-negative "
                           f"numbers, one per band", row_line)
            for v in values:
                exponent = Decimal(str(v)).normalize().as_tuple().exponent
                decimals = max(decimals, -int(exponent) if isinstance(exponent, int) else 0)
            rows.append(PublishedRow(
                option=str(raw["option"]),
                pct=tuple(Fraction(str(v)) for v in values),
                code=str(raw["code"]) if raw.get("code") is not None else None,
                line=row_line or 0,
            ))
        precision = body.get("precision", decimals)
        rounding = str(body.get("rounding", "half-up"))
        tables[str(name)] = PublishedTable(
            name=str(name), n=n, bands=bands, rows=tuple(rows), band_titles=titles,
            precision=int(precision), rounding=rounding, file=file,
        )
    if not tables:
        raise fail("'priority_tables' holds no tables")
    return tables


def published_table(name: str, path: Path | None = None) -> PublishedTable:
    """One table by name; ``A113`` lists the names when it is not there.

    Examples
    --------
    >>> published_table("table_1_local_government").n
    35
    """
    tables = load_tables(path)
    if name not in tables:
        raise LandscapeError.of(
            "A113", f"no table '{name}'; the file has: {', '.join(sorted(tables))}",
            Location(file=str(path or shipped_path())),
        )
    return tables[name]
