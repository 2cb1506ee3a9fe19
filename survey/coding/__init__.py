"""Coding free-text answers: codebooks, rules, overrides, shares and agreement.

>>> from survey.coding import code_text, load_codebook
>>> sorted(code_text("No defined entry point, and staff turnover.", load_codebook()))
['complexity_no_entry_point', 'staff_turnover']
"""

from survey.coding.agreement import KappaResult, cohens_kappa, kappa_by_theme
from survey.coding.codebook import (
    Codebook,
    Rule,
    Theme,
    default_codebook_path,
    keyword_regex,
    load_codebook,
    parse_codebook_text,
)
from survey.coding.demo_text import (
    DATA_STATUS,
    generate_demo_challenges,
    load_demo_challenges,
    write_demo_challenges,
)
from survey.coding.pairs import cooccurrence
from survey.coding.quotes import Redactor, redact_quote
from survey.coding.rules import (
    CODED_COLUMNS,
    CodingOverride,
    apply_overrides,
    code_answers,
    code_text,
    coding_matrix,
)
from survey.coding.shares import (
    PUBLISHED_BARRIER_SHARES,
    barrier_reproduction,
    feasible_denominators,
    round_half_up,
    theme_shares,
)

__all__ = [
    "CODED_COLUMNS",
    "DATA_STATUS",
    "PUBLISHED_BARRIER_SHARES",
    "Codebook",
    "CodingOverride",
    "KappaResult",
    "Redactor",
    "Rule",
    "Theme",
    "apply_overrides",
    "barrier_reproduction",
    "code_answers",
    "code_text",
    "coding_matrix",
    "cohens_kappa",
    "cooccurrence",
    "default_codebook_path",
    "feasible_denominators",
    "generate_demo_challenges",
    "kappa_by_theme",
    "keyword_regex",
    "load_codebook",
    "load_demo_challenges",
    "parse_codebook_text",
    "redact_quote",
    "round_half_up",
    "theme_shares",
    "write_demo_challenges",
]
