"""The partnership landscape as data: organisations, partnerships, themes, barriers.

Every record carries its provenance (where it came from). The store keeps these records
(``survey.store``); ``network`` builds graphs from a :class:`LandscapeData`.
"""

from survey.landscape.records import (
    Alias,
    Barrier,
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)

__all__ = [
    "Alias",
    "Barrier",
    "LandscapeData",
    "Organisation",
    "Partnership",
    "Provenance",
    "Theme",
]
