"""``landscape consensus`` and ``landscape compare``: beyond the band tables.

Both read rankings through the same sources as ``landscape priorities``
(:mod:`survey.commands.sources`): the store by default (one group per
instrument, or ``--by FIELD``), or a file exported from another tool
(``--input FILE --layout ...``, split with ``--group-column``).
Respondent-supplied text (group names, option labels) is printed as plain text
only; JSON is produced by :mod:`json`, never by string formatting.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import click

from survey.commands.sources import rankings_source_options
from survey.errors import LandscapeError
from survey.files import defuse_frame

__all__ = ["compare_command", "consensus_command"]

_LABEL_WIDTH = 60


def _groups(options: dict[str, Any]) -> dict[str, Any]:
    """Group name -> RankingData from the chosen source; prints the source's data labels."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.commands.sources import load_ranking_groups, source_labels

    for label in source_labels(options):
        click.echo(f"NOTE: {label}", err=True)
    return load_ranking_groups(options)


def _clip(text: str, width: int = _LABEL_WIDTH) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


# -- public mode (issue 12): the one release check -------------------------------

_PUBLIC = click.option(
    "--public/--internal", default=False, show_default=True,
    help="Public mode: refused unless the output belongs to a release that passes the "
         "disclosure check (survey/export/release.py); shares resting on fewer than "
         "LANDSCAPE_SUPPRESSION_THRESHOLD respondents are withheld.")


def _policy(options: dict[str, Any], public: bool, **request: Any) -> Any:
    """The output's policy; a public one passes the release check first (``X107``)."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.commands.sources import check_public
    from survey.export.disclosure import DisclosurePolicy

    policy = DisclosurePolicy(public=public)
    check_public(options, policy, **request)
    return policy


def _public_comparison(result: Any, groups: dict[str, Any], a: str, b: str,
                       policy: Any) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.export.release import public_comparison

    small = [g for g, n in ((a, result.rows[0].n_a), (b, result.rows[0].n_b))
             if n < policy.min_n]
    if small:
        raise LandscapeError.of("X107", f"{', '.join(small)} has fewer than {policy.min_n} "
                                "respondents: not compared in a public release")
    return public_comparison(result, groups, a, b, policy)


# -- consensus ------------------------------------------------------------------


@click.command("consensus")
@click.option("--method", type=click.Choice(["mean-rank", "borda", "schulze", "kemeny",
                                             "plackett-luce"]), required=True,
              help="How to combine the rankings into one order.")
@rankings_source_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@_PUBLIC
def consensus_command(method: str, fmt: str, public: bool, **options: Any) -> None:
    """Consensus order of a ranking question, with each option's score.

    \b
    mean-rank      mean position (1 = most important; unranked share the places left)
    borda          mean points: first of k gets k, last 1, unranked 0 (survey tools)
    schulze        strongest paths over winning votes
    kemeny         exact Kemeny-Young order (least total disagreement), up to 20 options
    plackett-luce  worths: chance of being picked first; sum to 1
    Ties in a score keep the question's option order.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.consensus import consensus

    policy = _policy(options, public, method=method)
    groups = _groups(options)
    results = []
    for group, data in groups.items():
        if data.ranks.isna().all(axis=1).all():
            raise LandscapeError.of("A154", f"no respondent in group '{group}' ranked anything")
        results.append((group, consensus(data.ranks, method)))
    if policy.active:  # a public group below the threshold is named, never scored
        withheld = [g for g, r in results if r.n < policy.min_n]
        results = [(g, r) for g, r in results if g not in withheld]
        for group in withheld:
            click.echo(f"NOTE: {group} (n<{policy.min_n}) is not shown in a public release.",
                       err=True)
    if fmt == "json":
        records: list[dict[str, Any]] = []
        for group, result in results:
            record = result.as_dict()
            for option in record["options"]:
                option["label"] = groups[group].label(option["option"])
            records.append({"group": group, **record})
        payload = {"method": method, "groups": records}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
        return
    blocks = []
    for group, result in results:
        data = groups[group]
        width = min(_LABEL_WIDTH, max(len(_clip(data.label(c))) for c in result.order))
        lines = [f"{group} (n = {result.n}): {method} consensus",
                 f"  {'#':>2}  {'option':<{width}}  {'score':>9}"]
        for i, code in enumerate(result.order, start=1):
            score = result.scores[code]
            shown = f"{score:.0f}" if method == "kemeny" else (
                f"{score:.4f}" if method == "plackett-luce" else f"{score:.3f}")
            lines.append(f"  {i:>2}  {_clip(data.label(code)):<{width}}  {shown:>9}")
        lines.append(f"  {result.note}")
        blocks.append("\n".join(lines))
    click.echo("\n\n".join(blocks))


# -- compare --------------------------------------------------------------------


def _pct(value: float) -> str:
    return "[c]" if math.isnan(value) else f"{100 * value:.0f}%"  # NaN: withheld in public


def _interval(low: float, high: float) -> str:
    return "" if math.isnan(low) else f"[{100 * low:.0f}, {100 * high:.0f}]"


def _number(value: float, spec: str) -> str:
    return "–" if math.isnan(value) else format(value, spec)


@click.command("compare")
@rankings_source_options
@click.option("--groups", "group_names", default=None,
              help="The two groups to compare, as A,B (default: the two groups there are, "
                   "in sorted order; from the store, local_government and researcher).")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1),
              help="Top places for the share comparison.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@_PUBLIC
def compare_command(group_names: str | None, top: int, fmt: str, public: bool,
                    **options: Any) -> None:
    """Compare two groups option by option, with a plain-English reading per option.

    Mann-Whitney U on rank positions with rank-biserial effect size and
    Holm-adjusted p-values; top-3 shares with 95% Wilson intervals and their
    difference with Newcombe's interval; agreement within each group
    (Friedman F test, Kendall's W; Cochran's Q on the top-3 choices).
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.compare import compare_instruments

    policy = _policy(options, public, top=top)
    data_by_group = _groups(options)
    split_by = options.get("group_column") or options.get("by") or "instrument"
    if group_names is not None:
        wanted = [g.strip() for g in group_names.split(",")]
        unknown = [g for g in wanted if g not in data_by_group]
        if len(wanted) != 2 or unknown:
            raise LandscapeError.of(
                "A155", f"--groups needs two of the groups by '{split_by}' "
                f"({', '.join(data_by_group)}); got {group_names!r}")
    elif len(data_by_group) != 2:
        raise LandscapeError.of(
            "A155", f"grouping by '{split_by}' gives {len(data_by_group)} group(s) "
            f"({', '.join(data_by_group) or 'none'}); name two with --groups A,B")
    else:
        wanted = list(data_by_group)
    a, b = wanted
    # Mirrored options have different codes but one concept: compare_instruments joins
    # on the concept and computes agreement within each group (the explorer's Compare
    # page calls it too).
    result = compare_instruments(data_by_group, a, b, top=top)
    if policy.active:
        result = _public_comparison(result, data_by_group, a, b, policy)
    within = result.within
    frame = result.to_frame()
    if fmt == "json":
        payload = {
            "groups": [a, b], "top": top, "note": result.note,
            "options": json.loads(frame.to_json(orient="records")),
            "agreement": {name: (None if ag is None else {
                "n": ag.n, "kendall_w": ag.kendall_w, "friedman_f": ag.friedman_f,
                "friedman_f_df1": ag.friedman_f_df1, "friedman_f_df2": ag.friedman_f_df2,
                "friedman_f_p": ag.friedman_f_p, "friedman_chi2": ag.friedman_chi2,
                "friedman_chi2_p": ag.friedman_chi2_p, "cochran_q": ag.cochran_q,
                "cochran_p": ag.cochran_p, "reading": ag.reading,
            }) for name, ag in within.items()},
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        frame.insert(0, "group_a", a)
        frame.insert(1, "group_b", b)
        defuse_frame(frame).to_csv(buffer, index=False, lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
        return
    width = min(40, max(len(_clip(r.label, 40)) for r in result.rows))
    top_a, top_b = f"top-{top} {_clip(a, 12)}", f"top-{top} {_clip(b, 12)}"
    head = (f"{'option':<{width}}  {'mean rank':>11}  {'p (Holm)':>8}  {'r_rb':>5}  "
            f"{top_a:>19}  {top_b:>19}  {'difference':>18}")
    lines = [f"{a} (n = {result.rows[0].n_a}) vs {b} (n = {result.rows[0].n_b})"
             + (" (public release)" if policy.active else ""), head]
    for r in result.rows:
        flag_a = "*" if r.top_a.small_n else " "
        flag_b = "*" if r.top_b.small_n else " "
        lines.append(
            f"{_clip(r.label, 40):<{width}}  {r.mean_rank_a:>5.1f} {r.mean_rank_b:>5.1f}  "
            f"{_number(r.p_holm, '.3f'):>8}  {_number(r.rank_biserial, '+.2f'):>5}  "
            f"{_pct(r.top_a.share):>5}{flag_a}{_interval(r.top_a.low, r.top_a.high):>13}  "
            f"{_pct(r.top_b.share):>5}{flag_b}{_interval(r.top_b.low, r.top_b.high):>13}  "
            f"{_number(100 * r.top_difference, '+.0f'):>4}"
            f"{_interval(r.top_difference_low, r.top_difference_high):>14}")
    lines.append("")
    lines.extend(f"- {r.reading}" for r in result.rows)
    lines.append("")
    for name, ag in within.items():
        lines.append(f"Agreement within {name}: " + (
            ag.reading + (f" Cochran's Q on top-{top} choices = {ag.cochran_q:.1f}, "
                          f"p={ag.cochran_p:.3g}." if not math.isnan(ag.cochran_q) else "")
            if ag is not None else "not computed (fewer than 3 respondents)."))
    lines.append("")
    lines.append(f"Notes: mean rank {a} / {b} (1 = most important); r_rb > 0 means {a} rank "
                 f"the option higher; intervals are 95%; * = small n (share rests on n < 10 "
                 "or fewer than 5 respondents in or out).")
    lines.append(result.note)
    click.echo("\n".join(lines))
