"""What a band table says, in the published layout, before any writer draws it.

The layout follows the 2022 report's Tables 1 and 2: a numbered title with the
group and ``n``, the header "% of respondents ranking the option by
preference", one column per band ("First, second or third most important",
...), whole percentages rounded half-up, and notes underneath on ``n``, on
disclosure control (always: what was suppressed, or that nothing was) and, for
the demo data, that it is reconstructed.

Rows are ordered as the report orders them: by the first band's share,
largest first; ties keep the question's option order (the report's own ties,
51/23/27 before 51/39/9, are not broken by the second band). In a public table
only the values *shown* decide the order, a suppressed cell counting as lowest,
so the order cannot reveal a suppressed value.

Every export of a priority table (``landscape export priorities``,
``landscape priorities --format xlsx/docx`` and the explorer's downloads) lays it
out here, with :func:`priority_layouts`, so it carries the same title, notes and
suppression wherever it is written. :mod:`survey.export.tables` writes layouts
as files and :mod:`survey.export.charts` draws them; :func:`format_from_suffix`
says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from survey.errors import LandscapeError
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, ProtectedTable, protect
from survey.instrument.places import NATIONS, REGIONS
from survey.ranking.bands import DEFAULT_BANDS, BandTable, RankingData, band_table

__all__ = [
    "CHART_FORMATS",
    "DEFAULT_TITLE",
    "HEADER",
    "PUBLISHED_GROUP_NAMES",
    "PUBLISHED_TITLE",
    "RECONSTRUCTED_NOTE",
    "TABLE_FORMATS",
    "UNRANKED_TITLE",
    "LayoutRow",
    "PublishedLayout",
    "band_titles",
    "build_layouts",
    "format_from_suffix",
    "humanise",
    "priority_layouts",
    "priority_tables",
]


#: Formats written by :func:`write_layouts`.
TABLE_FORMATS = ("csv", "xlsx", "docx", "md")
#: Formats written by :func:`survey.export.charts.write_chart`.
CHART_FORMATS = ("html", "png", "svg")

#: The title template: ``{number}``, ``{group}`` and ``{n}`` are filled in.
DEFAULT_TITLE = "Table {number}. {group} responses (n={n})"
HEADER = "% of respondents ranking the option by preference"
RECONSTRUCTED_NOTE = ("Demo data: reconstructed to match published aggregates, not the real "
                      "responses.")
UNRANKED_TITLE = "Not ranked"
#: The report's own title for the evidence-priorities tables (Tables 1 and 2).
PUBLISHED_TITLE = ("Table {number}. {group} responses re: data and evidence requirements "
                   "(n={n})")
#: Instrument group -> the name the report's table titles use.
PUBLISHED_GROUP_NAMES: Mapping[str, str] = {"local_government": "Local Government",
                                            "researcher": "Researcher"}
_PUBLISHED_QUESTION = "evidence_priorities"

_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".docx": "docx", ".md": "md", ".markdown": "md",
             ".html": "html", ".htm": "html", ".png": "png", ".svg": "svg"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth")
_PLACE_NAMES = {place.code: place.en for place in (*NATIONS, *REGIONS)}
# C0/C1 controls other than tab and newline, and the XML non-characters.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class LayoutRow:
    """One option: its code, label and displayed whole percents (None = suppressed)."""

    code: str
    label: str
    cells: tuple[int | None, ...]


@dataclass(frozen=True)
class PublishedLayout:
    """One table as it will be printed.

    Attributes
    ----------
    number
        Table number in the document.
    group, group_label
        The group key and its display name.
    title
        The filled-in title, e.g. ``Table 2. Researcher responses (n=17)``.
    n
        Respondents who answered.
    column_titles
        One per band (plus "Not ranked" when shown).
    rows
        Options in display order.
    notes
        Sentences printed under the table (the disclosure statement included).
    """

    number: int
    group: str
    group_label: str
    title: str
    n: int
    column_titles: tuple[str, ...]
    rows: tuple[LayoutRow, ...]
    notes: tuple[str, ...]
    header: str = HEADER
    #: ``n`` as printed: the number, or ``<k`` in a public table of fewer than ``k``.
    n_text: str = ""

    @property
    def shown_n(self) -> str:
        """``n`` as the table prints it (``35``, or ``<5`` below the threshold)."""
        return self.n_text or str(self.n)

    @staticmethod
    def cell_text(value: int | None) -> str:
        """``51%``, or ``[c]`` for a suppressed cell."""
        return SUPPRESSED if value is None else f"{value}%"

    def percents(self) -> dict[str, tuple[int | None, ...]]:
        """Option code -> displayed percents (None = suppressed)."""
        return {row.code: row.cells for row in self.rows}


def humanise(code: str) -> str:
    """A code or group key as words for headings.

    Nations and ITL1 regions get their names; other codes lose underscores and
    gain a capital; each part of a ``instrument: value`` group key is treated so.

    Examples
    --------
    >>> humanise("local_government"), humanise("researcher: northern_ireland")
    ('Local government', 'Researcher: Northern Ireland')
    >>> humanise("yorkshire_humber")
    'Yorkshire and The Humber'
    """
    parts = []
    for part in str(code).split(": "):
        place = _PLACE_NAMES.get(part.strip())
        text = place if place is not None else part.replace("_", " ").strip()
        parts.append(text[:1].upper() + text[1:])
    return ": ".join(parts)


def band_titles(bands: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """Column titles in the report's words.

    Examples
    --------
    >>> band_titles(((1, 3), (4, 6), (7, 9)))[0]
    'First, second or third most important'
    >>> band_titles(((1, 1), (2, 2), (3, 20)))
    ('Most important', 'Second most important', 'Ranked 3rd to 20th')
    """
    titles = []
    for lo, hi in bands:
        if hi > len(_ORDINALS) or hi - lo >= 3:
            titles.append(f"Ranked {_ordinal_number(lo)} to {_ordinal_number(hi)}")
            continue
        words = list(_ORDINALS[lo - 1:hi])
        if words == ["first"]:
            titles.append("Most important")
            continue
        text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        titles.append(text[0].upper() + text[1:] + " most important")
    return tuple(titles)


def _ordinal_number(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _clean(text: object) -> str:
    """Attacker text made safe to store: no control characters, whitespace folded."""
    return " ".join(_UNSAFE_CHARS.sub("", str(text)).split())


def build_layouts(
    table: BandTable,
    policy: DisclosurePolicy,
    *,
    title: str = DEFAULT_TITLE,
    group_labels: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    reconstructed: bool = False,
    first_number: int = 1,
    column_titles: Sequence[str] | None = None,
) -> list[PublishedLayout]:
    """One :class:`PublishedLayout` per group with respondents, after disclosure control.

    Parameters
    ----------
    table
        Band counts (:func:`survey.ranking.bands.band_table`).
    policy
        Public (suppressing) or internal.
    title
        Template with ``{number}``, ``{group}`` and ``{n}`` placeholders.
    group_labels
        Group key -> display name (default: the key; ``all`` shows as ``All``).
    notes
        Extra sentences printed under every table.
    reconstructed
        The data is reconstructed/synthetic: every table says so first.
    first_number
        Number of the first table.
    column_titles
        Band column titles (default :func:`band_titles`).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.bands import band_table
    >>> ranks = pd.DataFrame({"a": [1, 2, 1], "b": [2, 1, 2]}, dtype="Int64")
    >>> table = band_table(ranks, bands=((1, 1), (2, 2)), labels={"a": "Alpha"})
    >>> layout = build_layouts(table, DisclosurePolicy())[0]
    >>> layout.title, [(r.label, r.cells) for r in layout.rows]
    ('Table 1. All responses (n=3)', [('Alpha', (67, 33)), ('b', (33, 67))])
    """
    protected = protect(table, policy)
    titles = tuple(column_titles) if column_titles is not None else band_titles(table.bands)
    if len(titles) != len(table.bands):
        raise ValueError("give one column title per band")
    if protected.shows_unranked:
        titles += (UNRANKED_TITLE,)
    layouts = []
    number = first_number
    for g in protected.groups():
        key = table.groups[g]
        default = "All" if key == "all" else key
        group_label = _clean((group_labels or {}).get(key, default))
        n = int(table.n[g])
        # Below the threshold a public table says "n<5", never n=1 (issue 12).
        shown = policy.shown_n(n)
        filled = (title.replace("{number}", str(number)).replace("{group}", group_label)
                  .replace("n={n}", f"n{shown}" if shown.startswith("<") else f"n={n}")
                  .replace("{n}", shown))
        layouts.append(PublishedLayout(
            number=number, group=key, group_label=group_label, title=_clean(filled), n=n,
            column_titles=titles, rows=_ordered_rows(protected, g),
            notes=_notes(protected, shown, reconstructed, notes), n_text=shown))
        number += 1
    return layouts


def priority_tables(
    groups: Mapping[str, RankingData],
    policy: DisclosurePolicy,
    *,
    bands: Sequence[tuple[int, int]] = DEFAULT_BANDS,
    title: str | None = None,
    notes: Sequence[str] = (),
    reconstructed: bool = False,
    coded_groups: bool = False,
) -> list[tuple[PublishedLayout, BandTable]]:
    """Published-layout tables for rankings split into groups, each with its band table.

    The one way every export lays out a priority table (the CLI's files and the
    explorer's page and downloads): each group keeps its own options and labels
    (instruments differ), and the tables are numbered consecutively in the
    groups' order; a group with no respondent gets no table. The store's
    instrument groups are named as the 2022 report names them ("Local
    Government", "Researcher"); other groups keep their names, or with
    ``coded_groups`` are put in words by :func:`humanise`. The band table comes
    along for views that show more than the printed cells (e.g. intervals).

    Parameters
    ----------
    groups
        Group name -> rankings, e.g. from
        :func:`survey.store.analysis.store_ranking_groups`.
    policy
        Public (suppressing) or internal.
    bands
        Rank bands, e.g. ``((1, 3), (4, 6), (7, 9))``.
    title
        Template with ``{number}``, ``{group}`` and ``{n}``; default the report's
        own title when every group is an instrument answering its evidence
        priorities question, otherwise :data:`DEFAULT_TITLE`.
    notes
        Extra sentences printed under every table.
    reconstructed
        The data is reconstructed/synthetic: every table says so first.
    coded_groups
        The group names are the store's codes (e.g. ``researcher: wales``, from
        :func:`survey.store.analysis.store_ranking_groups`), shown in words
        ("Researcher: Wales"); a file's own group values are shown as they are.
    """
    if title is None:
        published = all(name in PUBLISHED_GROUP_NAMES and data.question == _PUBLISHED_QUESTION
                         for name, data in groups.items())
        title = PUBLISHED_TITLE if published else DEFAULT_TITLE
    out: list[tuple[PublishedLayout, BandTable]] = []
    for name, data in groups.items():
        table = band_table(data, bands=bands, by=[name] * len(data.ranks))
        label = PUBLISHED_GROUP_NAMES.get(name, humanise(name) if coded_groups else name)
        out += [(layout, table) for layout in build_layouts(
            table, policy, title=title, group_labels={name: label}, notes=notes,
            reconstructed=reconstructed, first_number=len(out) + 1)]
    return out


def priority_layouts(
    groups: Mapping[str, RankingData],
    policy: DisclosurePolicy,
    *,
    bands: Sequence[tuple[int, int]] = DEFAULT_BANDS,
    title: str | None = None,
    notes: Sequence[str] = (),
    reconstructed: bool = False,
    coded_groups: bool = False,
) -> list[PublishedLayout]:
    """The layouts of :func:`priority_tables` (same parameters), without the band tables.

    Examples
    --------
    >>> from survey.ranking.reconstruct import demo_ranking_data
    >>> groups = {name: demo_ranking_data(name) for name in ("local_government", "researcher")}
    >>> layouts = priority_layouts(groups, DisclosurePolicy(public=False),
    ...                            bands=((1, 3), (4, 6), (7, 9)), reconstructed=True)
    >>> layouts[1].title
    'Table 2. Researcher responses re: data and evidence requirements (n=17)'
    >>> layouts[1].percents()["research_project_resources"]
    (59, 24, 18)
    """
    return [layout for layout, _ in priority_tables(
        groups, policy, bands=bands, title=title, notes=notes, reconstructed=reconstructed,
        coded_groups=coded_groups)]


def _ordered_rows(protected: ProtectedTable, g: int) -> tuple[LayoutRow, ...]:
    table = protected.table
    rows = []
    keys = []
    for o, code in enumerate(table.options):
        cells = tuple(protected.cell(g, o, c) for c in range(len(protected.columns)))
        rows.append(LayoutRow(code=code, label=_clean(table.labels.get(code, code)),
                              cells=cells))
        # Only what is shown orders the rows: a suppressed first band sorts lowest.
        first = -1 if cells[0] is None else int(protected.counts[g, o, 0])
        keys.append((-first, o))
    return tuple(rows[o] for _, o in sorted(keys))


def _notes(protected: ProtectedTable, n: str, reconstructed: bool, extra: Sequence[str]
           ) -> tuple[str, ...]:
    notes = [RECONSTRUCTED_NOTE] if reconstructed else []
    size = f"n {n}" if n.startswith("<") else f"n = {n}"
    notes.append(f"{size} respondents who ranked at least one option. Percentages are of n, "
                 "rounded half-up to whole percent, so a row may not add to exactly 100.")
    if protected.shows_unranked:
        notes.append(f"{UNRANKED_TITLE}: respondents who answered but did not rank the option "
                     "(only the top positions were asked for).")
    notes.append(protected.statement())
    notes.extend(_clean(note) for note in extra if _clean(note))
    return tuple(notes)


def format_from_suffix(path: Path | str) -> str:
    """The export format named by a file's suffix.

    Raises
    ------
    LandscapeError
        ``X102`` when the suffix names no known format.

    Examples
    --------
    >>> format_from_suffix("table.XLSX"), format_from_suffix("chart.htm")
    ('xlsx', 'html')
    """
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise LandscapeError.of(
            "X102", f"cannot tell the format from '{Path(path).name}'; give --format or end "
            f"the file name in one of {', '.join(sorted(_SUFFIXES))}")
    return _SUFFIXES[suffix]
