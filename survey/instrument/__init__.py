"""Survey instruments: the typed model, loading, validation, versions and exports."""

from survey.instrument.loader import load_instrument, parse_instrument, parse_instrument_text
from survey.instrument.model import (
    InstrumentVersion,
    Option,
    Question,
    QuestionType,
    RankingRule,
    Text,
    Version,
)
from survey.instrument.registry import Catalogue, instruments_dir, parse_ref

__all__ = [
    "Catalogue",
    "InstrumentVersion",
    "Option",
    "Question",
    "QuestionType",
    "RankingRule",
    "Text",
    "Version",
    "instruments_dir",
    "load_instrument",
    "parse_instrument",
    "parse_instrument_text",
    "parse_ref",
]
