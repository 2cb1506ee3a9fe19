"""``landscape weights``: respondents weighted to the frame, weighted shares beside unweighted."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import click

from survey.files import defuse_frame
from survey.settings import click_option, resolve

__all__ = ["weights_command"]


def _pct(value: float) -> str:
    return "-" if value != value else f"{100 * value:.0f}%"


def _share(share: float, low: float, high: float, small: bool) -> str:
    if share != share:
        return "-"
    return f"{_pct(share)} ({100 * low:.0f}–{100 * high:.0f}){'*' if small else ''}"


def _number(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


@click.command("weights")
@click.option("--instrument", default="local_government", show_default=True,
              metavar="ID[@VERSION]", help="Whose respondents to weight to their frame.")
@click.option("--by", "by_text", default="nation,organisation_type", show_default=True,
              help="Frame fields to weight by: nation, region, organisation_type.")
@click.option("--method", type=click.Choice(["rake", "poststratify"]), default="rake",
              show_default=True, help="Raking (margins) or post-stratification (cells).")
@click.option("--band", "band_text", default="1-3", show_default=True,
              help="The band whose share is shown for each option.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click_option("database_url")
def weights_command(instrument: str, by_text: str, method: str, band_text: str, fmt: str,
                    database_url: str | None) -> None:
    """Weight an instrument's respondents to its sampling frame and show what it changes.

    Post-stratification (cells of the --by fields; a cell with no respondents is
    merged) or raking (iterative proportional fitting to each field's frame
    margin). Prints the weights' range, Kish's design effect and effective n,
    what was merged, and each option's share of --band unweighted and weighted,
    with 95% intervals (weighted: Wilson on the effective n with the finite
    population correction, the frame being the population) and the small-n flag.
    An instrument fielded by open link has no frame: the command says so (A182).
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.bands import parse_bands
    from survey.stats.smalln import small_n_note
    from survey.store import Store
    from survey.store.analysis import data_labels
    from survey.store.weights import weighted_priorities

    (band, *_rest) = parse_bands(band_text)
    dims = [d.strip() for d in by_text.split(",") if d.strip()]
    with Store.open(resolve("database_url", database_url)) as store:
        found = weighted_priorities(store, instrument, dims, method, band)
        labels = data_labels(store)
    summary = found.result.summary()
    if fmt == "json":
        records = [{k: _number(v) for k, v in row.items()}
                   for row in found.shares.to_dict("records")]
        click.echo(json.dumps({"instrument": instrument, "weighting": summary,
                               "notes": found.notes, "nonresponse": list(found.nonresponse),
                               "data_status": labels,
                               "small_n_rule": small_n_note(""), "records": records},
                              indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        table = found.shares.assign(method=method, dimensions=",".join(dims),
                                    design_effect=summary["design_effect"],
                                    data_status="; ".join(labels))
        defuse_frame(table).to_csv(buffer, index=False, lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(_text(found, summary, labels, small_n_note()))


def _text(found: Any, summary: dict[str, Any], labels: list[str], note: str) -> str:
    lines = [f"{found.instrument}: {summary['respondents']} respondents in a frame of "
             f"{summary['frame']}, weighted by {', '.join(summary['dimensions'])} "
             f"({summary['method']}"
             + (f", {summary['iterations']} sweeps" if summary["method"] == "rake" else "")
             + ")",
             f"  weights from {summary['weight_min']:.2f} to {summary['weight_max']:.2f} "
             f"(ratio {summary['weight_ratio']:.1f}); design effect "
             f"{summary['design_effect']:.2f}; effective n {summary['effective_n']:.1f}"]
    for merge in summary["merged"]:
        lines.append(f"  merged (no respondents): {merge['cells']} -> {merge['into']}")
    shares = found.shares
    width = min(60, max(len(str(label)) for label in shares["label"]))
    lines += ["", f"  {'option':<{width}}  {'unweighted':>16}  {'weighted':>16}"]
    for row in shares.itertuples(index=False):
        text = str(row.label)
        text = text if len(text) <= width else text[:width - 1] + "…"
        plain = _share(row.share, row.ci_low, row.ci_high, row.small_n)
        weighted = _share(row.weighted_share, row.weighted_ci_low, row.weighted_ci_high,
                          row.weighted_small_n)
        lines.append(f"  {text:<{width}}  {plain:>16}  {weighted:>16}")
    lines += ["", f"Share of respondents ranking each option in band {shares['band'].iloc[0]}, "
              "with 95% intervals.", *found.notes, note, "",
              "Non-response against the frame (why weight):",
              *(f"  {reading}" for reading in found.nonresponse)]
    lines += [f"NOTE: this data is {label}." for label in labels]
    return "\n".join(lines)
