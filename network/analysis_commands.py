"""``landscape network metrics|match|export``: the analysis commands of the network group.

Added to the group in :mod:`network.commands`. The landscape is read from the store only
through :func:`survey.store.landscape.load_landscape`.
Ties known only from survey answers are left out unless the ``network_survey_ties``
setting is on. Names typed for ``--region``, ``--nation``, ``--type`` and organisations
that match nothing are errors (exit 2) listing the closest valid names.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from network.export import EXPORT_FORMATS, exportable, write_export
from network.graphs import organisation_graph, subgraph, visible_data
from network.match import MatchContext, evaluate, match
from network.metrics import (
    CONCENTRATION_CAVEAT,
    barrier_cooccurrence,
    betweenness,
    communities,
    concentration,
    metrics_table,
)
from network.names import nation_code, organisation_key, region_code, type_codes
from network.synthetic import synthetic_landscape
from survey.errors import LandscapeError
from survey.files import defuse_frame
from survey.landscape.records import LandscapeData
from survey.settings import click_option, resolve

__all__ = ["export_command", "match_command", "metrics_command", "printable"]

_database = click.option("--database", "--database-url", "database_url", default=None,
                         metavar="URL", help="The store [env LANDSCAPE_DATABASE_URL; default "
                         "sqlite:///landscape.db].")
_region = click.option("--region", default=None, metavar="REGION",
                       help="Only this ITL1 region (code or name, e.g. 'West Midlands').")
_nation = click.option("--nation", default=None, metavar="NATION",
                       help="Only this nation (code or name, e.g. 'Wales').")
_type = click.option("--type", "types", multiple=True, metavar="TYPE",
                     help="Only organisations of this type (code or label; repeatable).")
_cross = click.option("--cross", is_flag=True,
                      help="Keep the ties that leave the selection (and whom they reach).")
_survey_ties = click_option("network_survey_ties")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """``text`` safe for a terminal: control characters (escape sequences) shown as codes.

    Examples
    --------
    >>> printable("Evil\\x1b[31m Co")
    'Evil\\\\x1b[31m Co'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _load(database_url: str | None, survey_ties: bool) -> tuple[LandscapeData, list[str]]:
    """The store's landscape (survey-only ties left out unless asked) and its data labels."""
    # Loaded when a command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.analysis import data_labels
    from survey.store.landscape import load_landscape

    with Store.open(database_url) as store:
        data = visible_data(load_landscape(store), survey_ties=survey_ties)
        labels = data_labels(store)
    if not data.organisations:
        raise LandscapeError.of("N165", "the store holds no organisations")
    if any(o.synthetic for o in data.organisations) or any(
            p.synthetic for p in data.partnerships):
        labels = [*labels, "the landscape includes synthetic organisations or ties"]
    return data, labels


def _selection(region: str | None, nation: str | None, types: Iterable[str]
               ) -> dict[str, Any]:
    return {"region": region_code(region) if region else None,
            "nation": nation_code(nation) if nation else None,
            "types": type_codes(types)}


def _emit_csv(frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    defuse_frame(frame).to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL)
    click.echo(buffer.getvalue(), nl=False)


def _text_table(frame: pd.DataFrame, columns: list[str]) -> str:
    shown = frame[columns].copy()
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: printable("" if v is None else v))
    return shown.to_string(index=False)


@click.command("metrics")
@_region
@_nation
@_type
@_cross
@click.option("--top", default=20, show_default=True, type=click.IntRange(1),
              help="Organisations shown in the text table.")
@click.option("--barriers", is_flag=True,
              help="Add the barrier co-occurrence network of the coded free-text answers.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True)
@click.option("--seed", default=0, show_default=True, help="Seed of Louvain and sampling.")
@_survey_ties
@_database
def metrics_command(region: str | None, nation: str | None, types: tuple[str, ...],
                    cross: bool, top: int, barriers: bool, fmt: str, seed: int,
                    network_survey_ties: str | None, database_url: str | None) -> None:
    """Who is central, who brokers, which communities, and how concentrated (3.49).

    Degree, weighted degree (shared partnerships), betweenness (exact up to 600
    organisations, sampled above, as the notes say) and Louvain community of each
    organisation in the selection, then partnership activity by place type.
    """
    where = _selection(region, nation, types)
    data, labels = _load(database_url, bool(resolve("network_survey_ties", network_survey_ties)))
    graph = organisation_graph(data, survey_ties=True)
    view = subgraph(graph, cross=cross, **where)
    result = metrics_table(view, seed=seed, community_of=communities(graph, seed=seed),
                           between=betweenness(view, seed=seed))
    spread = concentration(subgraph(graph, **where))
    cooccurrence = _barrier_pairs(data) if barriers else None
    if fmt == "csv":
        _emit_csv(result.table)
        return
    if fmt == "json":
        click.echo(json.dumps({
            "data_status": labels, "selection": where, "notes": list(result.notes),
            "organisations": json.loads(result.table.to_json(orient="records")),
            "concentration": json.loads(spread.to_json(orient="records")),
            "concentration_caveat": CONCENTRATION_CAVEAT,
            **({"barrier_cooccurrence": cooccurrence} if cooccurrence is not None else {}),
        }, indent=2, ensure_ascii=False))
        return
    for label in labels:
        click.echo(f"Data: {printable(label)}")
    chosen = ", ".join(f"{k}={v if isinstance(v, str) else ','.join(v)}"
                       for k, v in where.items() if v) or "the whole landscape"
    click.echo(f"Selection: {chosen}: {view.number_of_nodes()} organisations, "
               f"{view.number_of_edges()} ties" + (" (crossing ties kept)" if cross else ""))
    click.echo(_text_table(result.table.head(top),
                           ["name", "type", "region", "degree", "weighted_degree",
                            "betweenness", "community"]))
    for note in result.notes:
        click.echo(f"Note: {note}")
    click.echo("\nPartnership activity by place type (3.49):")
    click.echo(spread.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(f"Caveat: {CONCENTRATION_CAVEAT}")
    if cooccurrence is not None:
        click.echo("\nBarriers named together (coded answers and partnerships):")
        for row in cooccurrence[:top]:
            click.echo(f"  {printable(row['a'])} + {printable(row['b'])}: {row['together']} "
                       f"(Jaccard {row['jaccard']:.2f})")


def _barrier_pairs(data: LandscapeData) -> list[dict[str, Any]]:
    """Barrier pairs named together in coded survey answers and in partnerships."""
    answers = [list(codes) for codes in data.answer_barriers.values()]
    answers += [list(p.barriers) for p in data.partnerships if p.barriers]
    labels = {b.code: b.label for b in data.barriers}
    graph = barrier_cooccurrence(answers, labels)
    rows = [{"a": graph.nodes[a]["label"], "b": graph.nodes[b]["label"],
             "together": d["weight"], "jaccard": d["jaccard"]}
            for a, b, d in graph.edges(data=True)]
    return sorted(rows, key=lambda r: (-r["together"], r["a"], r["b"]))


@click.command("match")
@click.argument("organisation", required=False)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1))
@_region
@_nation
@_type
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True)
@click.option("--evaluate", "run_evaluation", is_flag=True,
              help="Instead: hide a share of known ties and report how often they are "
              "found again (top --k), beside the baseline (same region, most connected).")
@click.option("--share", default=0.2, show_default=True, type=click.FloatRange(0, 1),
              help="With --evaluate: share of research ties hidden.")
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(1),
              help="With --evaluate: a hit is the hidden partner in the top k.")
@click.option("--seed", default=0, show_default=True, help="With --evaluate: which ties hide.")
@click.option("--synthetic", "synthetic_size", default=None, metavar="ORGS,LINKS",
              help="With --evaluate: use a seeded synthetic landscape of this size (e.g. "
              "400,3000) instead of the store.")
@_survey_ties
@_database
def match_command(organisation: str | None, limit: int, region: str | None,
                  nation: str | None, types: tuple[str, ...], fmt: str,
                  run_evaluation: bool, share: float, k: int, seed: int,
                  synthetic_size: str | None, network_survey_ties: str | None,
                  database_url: str | None) -> None:
    """Suggest researchers and research bodies ORGANISATION does not yet work with.

    Ranked by shared themes, paths of length two and three in the partnership graph,
    and region; each suggestion says why, with the provenance of the ties behind it.
    """
    survey_ties = bool(resolve("network_survey_ties", network_survey_ties))
    if run_evaluation:
        _evaluation(share, k, seed, synthetic_size, survey_ties, database_url, fmt)
        return
    if not organisation:
        raise LandscapeError.of("N164", "name the organisation to find partners for (or give "
                                "--evaluate)")
    where = _selection(region, nation, types)
    data, labels = _load(database_url, survey_ties)
    key = organisation_key(data, organisation)
    context = MatchContext.build(data, survey_ties=survey_ties)
    found = match(context, key, limit=limit, types=where["types"] or None,
                  region=where["region"], nation=where["nation"])
    name = context.graph.nodes[key]["name"]
    rows = [{"rank": i, "key": s.key, "name": s.name, "type": s.type, "region": s.region,
             "score": s.score, "theme_score": s.theme_score, "path_score": s.path_score,
             "same_region": s.same_region, "shared_themes": "; ".join(s.shared_themes),
             "partners_in_common": "; ".join(s.common_partners), "path": " > ".join(s.path),
             "reasons": "; ".join(s.reasons), "provenance": " | ".join(s.provenance)}
            for i, s in enumerate(found, 1)]
    if fmt == "csv":
        _emit_csv(pd.DataFrame(rows))
        return
    if fmt == "json":
        click.echo(json.dumps({"data_status": labels, "organisation": key, "name": name,
                               "suggestions": rows}, indent=2, ensure_ascii=False))
        return
    for label in labels:
        click.echo(f"Data: {printable(label)}")
    click.echo(f"Research partners for {printable(name)} (not yet partners):")
    if not rows:
        click.echo("  none: no research body shares a theme or a path with it")
    for row, s in zip(rows, found, strict=True):
        click.echo(f"{row['rank']:>3}. {printable(s.name)} ({s.type}, {s.region or '-'}): "
                   f"score {s.score:.2f}")
        for reason in s.reasons:
            click.echo(f"       {printable(reason)}")
        for source in s.provenance[:4]:
            click.echo(f"       tie: {printable(source)}")
        if len(s.provenance) > 4:
            click.echo(f"       ... and {len(s.provenance) - 4} more ties (--format json)")


def _evaluation(share: float, k: int, seed: int, synthetic_size: str | None,
                survey_ties: bool, database_url: str | None, fmt: str) -> None:
    if synthetic_size:
        try:
            orgs, links = (int(part) for part in synthetic_size.split(","))
        except ValueError:
            raise LandscapeError.of("N164", f"--synthetic {synthetic_size!r}: give ORGS,LINKS "
                                    "as two whole numbers, e.g. 400,3000") from None
        data = synthetic_landscape(orgs, links, seed=seed)
        source = f"synthetic landscape ({orgs} organisations, {links} links, seed {seed})"
        survey_ties = True  # synthetic ties are not respondents' answers
    else:
        data, labels = _load(database_url, survey_ties)
        source = "the store's landscape" + (f" ({'; '.join(labels)})" if labels else "")
    result = evaluate(data, share=share, k=k, seed=seed, survey_ties=survey_ties)
    record = {"source": source, "hidden_ties": result.hidden, "k": k, "share": share,
              "seed": seed, "hits": result.hits, "hit_rate": result.hit_rate,
              "baseline_hits": result.baseline_hits, "baseline_rate": result.baseline_rate}
    if fmt == "json":
        click.echo(json.dumps(record, indent=2))
        return
    if fmt == "csv":
        _emit_csv(pd.DataFrame([record]))
        return
    click.echo(f"Match-making evaluation on {printable(source)}:")
    click.echo(f"  hid {share:.0%} of research ties (seed {seed}): {result.hidden} "
               "organisation-research pairs to find again")
    click.echo(f"  match-making: hidden partner in the top {k} for {result.hits} "
               f"({result.hit_rate:.1%})")
    click.echo(f"  baseline (same region, most connected): {result.baseline_hits} "
               f"({result.baseline_rate:.1%})")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default=None,
              help="Default: from the output file's extension.")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@_region
@_nation
@_type
@_cross
@click.option("--seed", default=0, show_default=True, help="Seed of Louvain and sampling.")
@_survey_ties
@_database
def export_command(fmt: str | None, output: Path, region: str | None, nation: str | None,
                   types: tuple[str, ...], cross: bool, seed: int,
                   network_survey_ties: str | None, database_url: str | None) -> None:
    """Write the network (or a selection) for Gephi: GEXF, GraphML, JSON or CSV.

    Nodes carry type, nation, region, place type, metrics and provenance; ties carry
    their weight, partnerships, kinds and provenance. CSV writes the ties to the
    file and the organisations beside it (FILE.nodes.csv).
    """
    chosen = fmt or output.suffix.lstrip(".").lower()
    if chosen not in EXPORT_FORMATS:
        raise LandscapeError.of("N164", f"cannot tell the format of {output.name!r}; give "
                                f"--format {'|'.join(sorted(EXPORT_FORMATS))}")
    where = _selection(region, nation, types)
    data, labels = _load(database_url, bool(resolve("network_survey_ties", network_survey_ties)))
    graph = organisation_graph(data, survey_ties=True)
    view = subgraph(graph, cross=cross, **where)
    table = metrics_table(view, seed=seed, community_of=communities(graph, seed=seed))
    notes = {"data_status": "; ".join(labels) or "as loaded", "notes": " ".join(table.notes)}
    written = write_export(exportable(view, table, notes), output, chosen)
    for path in written:
        click.echo(f"Wrote {path} ({view.number_of_nodes()} organisations, "
                   f"{view.number_of_edges()} ties, {EXPORT_FORMATS[chosen]})")
