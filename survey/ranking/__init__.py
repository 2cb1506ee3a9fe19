"""Ranking analysis: band tables, file layouts, audits of published tables, reconstruction.

The data interface shared by every module here is the *rankings frame* wrapped in
:class:`RankingData`; its treatment of partial rankings and ties is defined once,
in :mod:`survey.ranking.bands`. Exports are additive: other modules of this
package (consensus, compare) add their own names below.
"""

from __future__ import annotations

from survey.ranking.bands import (
    DEFAULT_BANDS,
    BandTable,
    RankingData,
    band_table,
    parse_bands,
    percent,
    round_percent,
)

__all__ = [
    "DEFAULT_BANDS",
    "BandTable",
    "RankingData",
    "band_table",
    "parse_bands",
    "percent",
    "round_percent",
]
