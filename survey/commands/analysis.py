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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from survey.commands.sources import rankings_source_options
from survey.errors import LandscapeError
from survey.files import defuse_frame

if TYPE_CHECKING:
    import pandas as pd

    from survey.ranking.bands import RankingData
    from survey.ranking.consensus import Consensus
    from survey.ranking.uncertainty import MajorityCheck, PositionIntervals

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
    """The output's policy; a public one passes the release check first (``X108``)."""
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
        raise LandscapeError.of("X108", f"{', '.join(small)} has fewer than {policy.min_n} "
                                "respondents: not compared in a public release")
    return public_comparison(result, groups, a, b, policy)


# -- consensus ------------------------------------------------------------------


@click.command("consensus")
@click.option("--method", type=click.Choice(["mean-rank", "borda", "schulze", "kemeny",
                                             "plackett-luce"]), required=True,
              help="How to combine the rankings into one order.")
@rankings_source_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--resamples", type=click.IntRange(1), default=None,
              help="Bootstrap resamples of respondents for the position intervals "
                   "[default: 1000].")
@click.option("--seed", type=int, default=None,
              help="Seed of the bootstrap, so the intervals print the same each run "
                   "[default: 2022].")
@_PUBLIC
def consensus_command(method: str, fmt: str, resamples: int | None, seed: int | None,
                      public: bool, **options: Any) -> None:
    """Consensus order of a ranking question, with each option's score.

    \b
    mean-rank      mean position (1 = most important; unranked share the places left)
    borda          mean points: first of k gets k, last 1, unranked 0 (survey tools)
    schulze        strongest paths over winning votes
    kemeny         exact Kemeny-Young order (least total disagreement), up to 20 options
    plackett-luce  worths: chance of being picked first; sum to 1
    Ties in a score keep the question's option order.

    \b
    Each option's 95% position interval and chance of coming first come from a
    seeded bootstrap of respondents; the head-to-head check says whether one
    option beats every other (a Condorcet winner) or which options form a
    majority cycle; a warning says when the methods disagree on the top option.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking import uncertainty

    policy = _policy(options, public, method=method)
    groups = _groups(options)
    results = [_consensus_group(group, data, method,
                                uncertainty.DEFAULT_RESAMPLES if resamples is None else resamples,
                                uncertainty.DEFAULT_SEED if seed is None else seed)
               for group, data in groups.items()]
    if policy.active:  # a public group below the threshold is named, never scored
        for found in results:
            if found.result.n < policy.min_n:
                click.echo(f"NOTE: {found.group} (n<{policy.min_n}) is not shown in a public "
                           "release.", err=True)
        results = [found for found in results if found.result.n >= policy.min_n]
    if fmt == "json":
        payload = {"method": method, "groups": [_consensus_record(found)
                                                for found in results]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
    elif fmt == "csv":
        buffer = io.StringIO()
        defuse_frame(_consensus_frame(results)).to_csv(buffer, index=False,
                                                       lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo("\n\n".join(_consensus_block(found) for found in results))


@dataclass(frozen=True)
class _GroupConsensus:
    """What `landscape consensus` prints for one group, in any format."""

    group: str
    data: RankingData
    method: str
    result: Consensus
    intervals: PositionIntervals
    majority: MajorityCheck
    tops: dict[str, str]

    @property
    def labels(self) -> dict[str, str]:
        return {c: self.data.label(c) for c in self.data.options}


def _consensus_group(group: str, data: RankingData, method: str, resamples: int, seed: int
                     ) -> _GroupConsensus:
    """One group's consensus, position intervals, head-to-head check and method check."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.consensus import consensus
    from survey.ranking.uncertainty import majority_check, position_intervals, top_by_method

    if data.ranks.isna().all(axis=1).all():
        raise LandscapeError.of("A154", f"no respondent in group '{group}' ranked anything")
    result = consensus(data.ranks, method)
    return _GroupConsensus(
        group=group, data=data, method=method, result=result,
        intervals=position_intervals(data.ranks, method, resamples=resamples, seed=seed,
                                     result=result),
        majority=majority_check(data.ranks),
        tops=top_by_method(data.ranks, results={method: result}))


def _consensus_record(found: _GroupConsensus) -> dict[str, Any]:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.uncertainty import disagreement_warning

    record = found.result.as_dict()
    intervals = found.intervals.by_option()
    for option in record["options"]:
        option["label"] = found.data.label(option["option"])
        interval = intervals[option["option"]]
        option["position_low"] = interval.low
        option["position_high"] = interval.high
        option["first"] = interval.first
    return {"group": found.group, **record,
            "bootstrap": {k: v for k, v in found.intervals.as_dict().items()
                          if k in ("resamples", "seed", "level", "note")},
            "head_to_head": {**found.majority.as_dict(), "reading": found.majority.reading(
                found.labels, top=found.result.order[0])},
            "top_by_method": found.tops,
            "warning": disagreement_warning(found.tops, found.labels) or None}


def _consensus_frame(results: list[_GroupConsensus]) -> pd.DataFrame:
    # Loaded when the command runs: keeps `landscape --help` fast.
    import pandas as pd

    rows = []
    for found in results:
        intervals, majority = found.intervals, found.majority
        for option in intervals.options:
            rows.append({
                "group": found.group, "method": found.method, "n": intervals.n,
                "position": option.position, "option": option.option,
                "label": found.data.label(option.option),
                "score": found.result.scores[option.option],
                "position_low": option.low, "position_high": option.high,
                "first": option.first, "resamples": intervals.resamples,
                "seed": intervals.seed,
                "condorcet_winner": option.option == majority.winner,
                "in_smith_set": option.option in majority.smith_set,
                "methods_agree_on_top": len(set(found.tops.values())) == 1})
    return pd.DataFrame.from_records(rows)


def _consensus_block(found: _GroupConsensus) -> str:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.uncertainty import disagreement_warning

    method, result, data, intervals = found.method, found.result, found.data, found.intervals
    level = f"{100 * intervals.level:g}%"
    width = min(_LABEL_WIDTH, max(len(_clip(data.label(c))) for c in result.order))
    lines = [f"{found.group} (n = {result.n}): {method} consensus",
             f"  {'#':>2}  {'option':<{width}}  {'score':>9}  {level + ' position':>12}  "
             f"{'first':>5}"]
    for option in intervals.options:
        score = result.scores[option.option]
        shown = f"{score:.0f}" if method == "kemeny" else (
            f"{score:.4f}" if method == "plackett-luce" else f"{score:.3f}")
        lines.append(f"  {option.position:>2}  {_clip(data.label(option.option)):<{width}}  "
                     f"{shown:>9}  {f'{option.low}-{option.high}':>12}  "
                     f"{100 * option.first:>4.0f}%")
    lines.append(f"  {result.note}")
    lines.append(f"  {intervals.note}")
    short = {code: _clip(label, 40) for code, label in found.labels.items()}
    lines.append("  Head to head: " + found.majority.reading(short, top=result.order[0]))
    warning = disagreement_warning(found.tops, short)
    lines.append(f"  {warning}" if warning else
                 f"  Every method puts {short[result.order[0]]} first.")
    return "\n".join(lines)


def _across_options(result: Any) -> dict[str, Any]:
    """The tests across all options, JSON-ready."""
    omnibus, lr = result.omnibus, result.likelihood_ratio
    return {
        "mean_rank_permutation": None if omnibus is None else {
            "statistic": omnibus.statistic, "p": omnibus.p,
            "permutations": omnibus.permutations, "seed": omnibus.seed},
        "plackett_luce_lrt": None if lr is None else {
            "statistic": lr.statistic, "df": lr.df, "p_asymptotic": lr.p_asymptotic,
            "p_permutation": lr.p_permutation, "permutations": lr.permutations,
            "seed": lr.seed},
        "minimum_detectable_r": {"alpha": result.detectable[0],
                                 "holm_first_step": result.detectable[1]},
    }


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
@click.option("--seed", type=int, default=None,
              help="Seed of the bootstrap and permutation tests [default: 2022].")
@_PUBLIC
def compare_command(group_names: str | None, top: int, fmt: str, seed: int | None,
                    public: bool,
                    **options: Any) -> None:
    """Compare two groups option by option, with a plain-English reading per option.

    First a permutation test across all options (on the two mean-rank vectors)
    and a Plackett-Luce likelihood-ratio test with asymptotic and permutation
    p-values; then per option Mann-Whitney U on rank positions with the
    rank-biserial effect size (bootstrap interval) and Holm-adjusted p-values;
    top-3 shares with 95% Wilson intervals and their difference with
    Newcombe's interval (per option, and adjusted for the number of options);
    agreement within each group (Friedman F test, Kendall's W; Cochran's Q on
    the top-3 choices). A reading names a direction only when the Holm-adjusted
    p supports one; otherwise it says "No evidence of a difference" and how
    large a difference these n could detect.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.compare import compare_instruments
    from survey.stats.smalln import MARK, is_small, small_n_note

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
    result = (compare_instruments(data_by_group, a, b, top=top) if seed is None else
              compare_instruments(data_by_group, a, b, top=top, seed=seed))
    if policy.active:
        result = _public_comparison(result, data_by_group, a, b, policy)
    within = result.within
    frame = result.to_frame()
    if fmt == "json":
        payload = {
            "groups": [a, b], "top": top, "summary": result.summary, "note": result.note,
            "across_options": _across_options(result),
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
        # the tests across all options, repeated on each row so the file stands alone
        across = _across_options(result)
        frame["across_options_p"] = (across["mean_rank_permutation"] or {}).get("p")
        lrt = across["plackett_luce_lrt"] or {}
        frame["plackett_luce_p_asymptotic"] = lrt.get("p_asymptotic")
        frame["plackett_luce_p_permutation"] = lrt.get("p_permutation")
        defuse_frame(frame).to_csv(buffer, index=False, lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
        return
    width = min(40, max(len(_clip(r.label, 40)) for r in result.rows))
    top_a, top_b = f"top-{top} {_clip(a, 12)}", f"top-{top} {_clip(b, 12)}"
    head = (f"{'option':<{width}}  {'mean rank':>11}  {'p (Holm)':>8}  "
            f"{'r_rb [95% interval]':>20}  "
            f"{top_a:>19}  {top_b:>19}  {'difference':>18}")
    lines = [f"{a} (n = {result.rows[0].n_a}) vs {b} (n = {result.rows[0].n_b})"
             + (" (public release)" if policy.active else ""),
             "Across all options first:", f"  {result.summary}"]
    lr = result.likelihood_ratio
    if lr is not None:
        lines.append(f"  Plackett-Luce likelihood-ratio test of one set of worths for both "
                     f"groups: G = {lr.statistic:.1f} on {lr.df} df, p = {lr.p_asymptotic:.3f} "
                     f"by the chi-square approximation, p = {lr.p_permutation:.3f} by "
                     f"{lr.permutations} permutations (read the permutation p at these n).")
    lines.extend(["", "Option by option:", head])
    for r in result.rows:
        flag_a = MARK if is_small(r.top_a.n, r.top_a.low, r.top_a.high) else " "
        flag_b = MARK if is_small(r.top_b.n, r.top_b.low, r.top_b.high) else " "
        lines.append(
            f"{_clip(r.label, 40):<{width}}  {r.mean_rank_a:>5.1f} {r.mean_rank_b:>5.1f}  "
            f"{_number(r.p_holm, '.3f'):>8}  {_number(r.rank_biserial + 0.0, '+.2f'):>5} "
            f"[{_number(r.rank_biserial_low + 0.0, '+.2f')}, "
            f"{_number(r.rank_biserial_high + 0.0, '+.2f')}]  "
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
                 f"the option higher; intervals are 95%; " + small_n_note())
    lines.append(result.note)
    click.echo("\n".join(lines))
