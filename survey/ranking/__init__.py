"""Ranking analysis: band tables, file layouts, audits of published tables, reconstruction.

The data interface shared by every module here is the *rankings frame* wrapped in
:class:`RankingData`; its treatment of partial rankings and ties is defined once,
in :mod:`survey.ranking.bands`. Exports are additive: other modules of this
package (consensus, compare) add their own names below.
"""

from __future__ import annotations

from survey.ranking.audit import AuditReport, Violation, audit_table, nearest_table
from survey.ranking.bands import (
    DEFAULT_BANDS,
    BandTable,
    RankingData,
    band_table,
    parse_bands,
    percent,
    round_percent,
)
from survey.ranking.compare import agreement, compare_groups, wilson_interval
from survey.ranking.consensus import Consensus, consensus
from survey.ranking.layouts import LAYOUTS, read_rankings, write_rankings
from survey.ranking.published import load_tables, published_table
from survey.ranking.reconstruct import DATA_STATUS, demo_ranking_data, load_demo_rankings
from survey.ranking.uncertainty import majority_check, position_intervals

__all__ = [
    "DATA_STATUS",
    "DEFAULT_BANDS",
    "LAYOUTS",
    "AuditReport",
    "BandTable",
    "Consensus",
    "RankingData",
    "Violation",
    "agreement",
    "audit_table",
    "band_table",
    "compare_groups",
    "consensus",
    "demo_ranking_data",
    "load_demo_rankings",
    "load_tables",
    "majority_check",
    "nearest_table",
    "parse_bands",
    "percent",
    "position_intervals",
    "published_table",
    "read_rankings",
    "round_percent",
    "wilson_interval",
    "write_rankings",
]
