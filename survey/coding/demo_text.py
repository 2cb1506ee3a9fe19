"""Synthetic free-text answers on challenges to collaboration, for the demo.

The 2022 responses are not public. This module *generates* answers, with a fixed
seed, from plain sentences per theme written in the spirit of the report's quotes
(3.58-3.74), so that the codebook's rules (not hand labels) find resources /
capacity / funding in exactly the published shares of those who answered:

* local government: 20 of the 26 (of 35) who answered = 76.9% (10/13 is the only
  other answering denominator up to 35 that prints as 76.9%);
* researchers: 7 of the 16 (of 17) who answered = 43.8% (7/16 is the only
  possibility up to 17, so exactly one researcher left the question blank).

Every row says so in its ``data_status`` column. Regenerate the shipped file with
``python -c "from survey.coding import write_demo_challenges as w; w()"``; a test
checks it matches this code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from survey.coding.codebook import load_codebook
from survey.coding.rules import code_text
from survey.files import atomic_write_text

__all__ = [
    "DATA_STATUS",
    "DEMO_CHALLENGES_PATH",
    "DEMO_SEED",
    "generate_demo_challenges",
    "load_demo_challenges",
    "write_demo_challenges",
]

DATA_STATUS = "synthetic: generated to match published aggregates, not real responses"
DEMO_SEED = 2022
DEMO_CHALLENGES_PATH = Path(__file__).resolve().parent.parent / "data" / "demo_challenges.csv"
_COLUMNS = ["response_id", "respondent_type", "challenges", "data_status"]
_RESOURCES = "resources_capacity_funding"
_SHORT_TERM = "short_term_funding"


@dataclass(frozen=True)
class _GroupPlan:
    prefix: str
    respondents: int
    answered: int
    resource_mentions: int
    rates: dict[str, float]  # chance an answering respondent mentions each other theme


_PLANS: dict[str, _GroupPlan] = {
    "local_government": _GroupPlan("LG", 35, 26, 20, {
        _SHORT_TERM: 0.3, "complexity_no_entry_point": 0.25, "staff_turnover": 0.2,
        "local_vs_global_focus": 0.3, "different_timescales": 0.25,
        "decisiveness_fear_of_failure": 0.1, "language_communication": 0.15,
        "project_management": 0.1, "commissioning_bureaucracy": 0.1,
    }),
    "researcher": _GroupPlan("R", 17, 16, 7, {
        _SHORT_TERM: 0.3, "complexity_no_entry_point": 0.3, "staff_turnover": 0.15,
        "local_vs_global_focus": 0.25, "different_timescales": 0.35,
        "decisiveness_fear_of_failure": 0.15, "language_communication": 0.25,
        "project_management": 0.2, "commissioning_bureaucracy": 0.3,
    }),
}

# One sentence per theme; each is checked to be coded as exactly its theme.
_SENTENCES: dict[str, dict[str, list[str]]] = {
    "local_government": {
        _RESOURCES: [
            "We simply do not have the capacity to scope research alongside the day job.",
            "Funding is the main barrier - there is no budget set aside for evidence work.",
            "Our analytical team is two people, so capacity is very stretched.",
            "Resources: officer time and money to pay for research are both scarce.",
            "Austerity has hollowed out our research and intelligence function.",
            "Lack of funding for anything beyond statutory services.",
            "Budgets have been cut year after year and research is the first thing to go.",
            "Limited internal resource to act as the link with academics.",
        ],
        _SHORT_TERM: [
            "Short-term funding means projects stop just as they get going.",
            "Everything is one-off funding, so there is no continuity between studies.",
            "Annual budget settlements make it impossible to plan anything longer.",
            "We end up with multiple short studies rediscovering the same things.",
        ],
        "complexity_no_entry_point": [
            "There is no clear entry point to the university; it depends on who you know.",
            "Universities are complex organisations and hard to navigate from the outside.",
            "It is difficult to know who to contact about a piece of research.",
            "We rely on chance meetings to find the right academic.",
        ],
        "staff_turnover": [
            "Staff turnover at the university means relationships are lost.",
            "Our best contact left the university and the link went with them.",
            "Partnerships depend on one or two individuals and fall away when they leave.",
        ],
        "local_vs_global_focus": [
            "Academics are rewarded for publishing in international journals, not for "
            "local impact.",
            "University research priorities are national or global rather than local.",
            "Our nearest university has no relevant expertise in local economic "
            "development.",
            "The university's focus is on its international reputation rather than on "
            "our place.",
        ],
        "different_timescales": [
            "Policy deadlines are weeks; academic timescales are months or years.",
            "We need answers quickly and research takes too long.",
            "Academic timescales do not fit the council's committee cycle.",
        ],
        "decisiveness_fear_of_failure": [
            "Academics are reluctant to give firm recommendations.",
            "Members want clear answers, but researchers caveat everything.",
            "There is a fear of failure because we are publicly accountable for every "
            "decision.",
        ],
        "language_communication": [
            "We speak different languages and academic jargon gets in the way.",
            "Reports written by academics do not speak to elected members.",
            "There is a lack of mutual understanding of each other's priorities.",
        ],
        "project_management": [
            "Roles were poorly defined and nobody owned the project.",
            "Managing expectations about what the outputs will be is a constant struggle.",
            "Joint projects drift without clear milestones or regular check-ins.",
        ],
        "commissioning_bureaucracy": [
            "Procurement rules make it hard to commission a university directly.",
            "The paperwork to commission a small piece of work is out of all proportion.",
            "University contracting and legal processes are slow.",
        ],
    },
    "researcher": {
        _RESOURCES: [
            "Finding funding for small local projects is hard.",
            "Academic workload models leave little capacity for local engagement.",
            "Council partners are under-resourced and cannot spare officer time.",
            "Research council funding rarely fits what local partners need.",
            "There is no money to buy out my time from teaching.",
        ],
        _SHORT_TERM: [
            "Grants are short-term projects, so relationships end when the money does.",
            "Stop-start funding makes it hard to build anything lasting.",
            "Most posts are on short-term contracts tied to a single grant.",
        ],
        "complexity_no_entry_point": [
            "The council's structures change often, so it is hard to know where to start.",
            "Frequent reorganisation of council departments means there is no obvious "
            "way in.",
            "Local government is opaque to outsiders and it is unclear who to approach.",
        ],
        "staff_turnover": [
            "Officers move on and we have to start the relationship again.",
            "High turnover in council teams means losing contacts every year or so.",
            "When key people leave, the partnership tends to fizzle out.",
        ],
        "local_vs_global_focus": [
            "The incentive structures in academia do not reward local work.",
            "Local engagement is not valued by the REF in the way journal articles are.",
            "Career progression depends on international research, not work with the "
            "council.",
        ],
        "different_timescales": [
            "Councils want results at short notice, which does not fit the academic year.",
            "Local government works to very tight timeframes compared with a three-year "
            "grant.",
            "The pace of policy work is hard to match alongside teaching.",
        ],
        "decisiveness_fear_of_failure": [
            "Councils want decisive conclusions that the evidence cannot always support.",
            "Researchers are wary of giving advice when the stakes are high.",
            "Officers can be risk-averse about trying anything new.",
        ],
        "language_communication": [
            "Communication between the two sides is often poor.",
            "There are misconceptions on both sides about what research can deliver.",
            "Councils and universities have different priorities for the same project.",
        ],
        "project_management": [
            "Managing the project across two organisations takes a lot of effort.",
            "There was no clear ownership of the work once it started.",
            "Deliverables shifted part-way through without anyone agreeing.",
        ],
        "commissioning_bureaucracy": [
            "Overheads and full economic costing make us expensive for small jobs.",
            "The university contracts office is not set up for small commissions.",
            "Ethics approval and contract negotiations eat up the time available.",
        ],
    },
}
# Answers that mention money only to deny it is the problem: the negation guard
# must leave them coded as complexity alone.
_NEGATED_FUNDING = {
    "local_government": "Funding is not a problem for us, but knowing who to contact at "
                        "the university is.",
    "researcher": "Money isn't an issue for this work; the hard part is knowing who to "
                  "speak to at the council.",
}
_NO_THEME = {
    "local_government": ["No major barriers so far - the partnership works well.",
                         "Hard to say; we are at an early stage.",
                         "None that I am aware of."],
    "researcher": ["Nothing significant in my experience.", "Too early to tell."],
}


class _Deck:
    """Draws sentences without repeats until a theme's sentences are used up."""

    def __init__(self, rng: random.Random, sentences: list[str]) -> None:
        self._rng, self._sentences, self._left = rng, sentences, list[str]()

    def draw(self) -> str:
        if not self._left:
            self._left = list(self._sentences)
            self._rng.shuffle(self._left)
        return self._left.pop()


def _group_answers(group: str, plan: _GroupPlan, seed: int
                   ) -> list[tuple[str, str, frozenset[str]]]:
    """(response id, answer, the themes the answer was written to mention)."""
    rng = random.Random(f"{seed}:{group}")  # noqa: S311 - reproducible demo text, not secrets
    ids = [f"{plan.prefix}{i:02d}" for i in range(1, plan.respondents + 1)]
    answering = sorted(rng.sample(ids, plan.answered))
    mentioning = set(rng.sample(answering, plan.resource_mentions))
    decks = {theme: _Deck(rng, s) for theme, s in _SENTENCES[group].items()}
    no_theme = _Deck(rng, _NO_THEME[group])
    others = [t for t in plan.rates if t != _SHORT_TERM]
    blanks = [i for i in ids if i not in answering]
    answers: dict[str, tuple[str, frozenset[str]]] = {rid: ("", frozenset()) for rid in blanks}
    if blanks and group == "local_government":
        answers[blanks[0]] = ("  ", frozenset())  # typed only spaces: did not answer
    for rid in answering:
        themes = [_RESOURCES] if rid in mentioning else []
        themes += [t for t in plan.rates
                   if (t != _SHORT_TERM or rid in mentioning) and rng.random() < plan.rates[t]]
        sentences = [decks[t].draw() for t in themes]
        if rid not in mentioning and not themes:
            if rng.random() < 0.4:
                answers[rid] = (no_theme.draw(), frozenset())
                continue
            themes = [rng.choice(others)]
            sentences = [decks[themes[0]].draw()]
        if rid not in mentioning and "complexity_no_entry_point" in themes \
                and rng.random() < 0.5:
            i = themes.index("complexity_no_entry_point")
            sentences[i] = _NEGATED_FUNDING[group]
        rng.shuffle(sentences)
        answers[rid] = (" ".join(sentences), frozenset(themes))
    return [(rid, *answers[rid]) for rid in ids]


def generate_demo_challenges(seed: int = DEMO_SEED) -> pd.DataFrame:
    """The synthetic answers: one row per demo respondent (LG01-LG35, R01-R17).

    Raises ``RuntimeError`` if the shipped rules do not code an answer as exactly
    the themes it was written to mention, or would not reproduce the published
    shares (a broken sentence or rule), so a bad demo can never be written.

    Examples
    --------
    >>> demo = generate_demo_challenges()
    >>> demo.groupby("respondent_type").size().to_dict()
    {'local_government': 35, 'researcher': 17}
    >>> demo["data_status"].unique().tolist() == [DATA_STATUS]
    True
    """
    codebook = load_codebook()
    rows: list[dict[str, str]] = []
    for group, plan in _PLANS.items():
        mentions = answered = 0
        for rid, text, planned in _group_answers(group, plan, seed):
            rows.append({"response_id": rid, "respondent_type": group, "challenges": text,
                         "data_status": DATA_STATUS})
            coded = code_text(text, codebook)
            if coded != planned:
                raise RuntimeError(f"demo {rid}: rules find {sorted(coded)} in {text!r}, "
                                   f"written to mention {sorted(planned)}")
            if text.strip():
                answered += 1
                mentions += _RESOURCES in coded
        if (mentions, answered) != (plan.resource_mentions, plan.answered):
            raise RuntimeError(f"demo {group}: rules find {mentions} of {answered}, planned "
                               f"{plan.resource_mentions} of {plan.answered}")
    return pd.DataFrame(rows, columns=_COLUMNS)


def write_demo_challenges(path: Path = DEMO_CHALLENGES_PATH, seed: int = DEMO_SEED) -> Path:
    """Write the synthetic answers as UTF-8 CSV (written whole, then moved into place).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_demo_challenges(Path(d) / "demo.csv")
    ...     len(load_demo_challenges(out))
    52
    """
    text = generate_demo_challenges(seed).to_csv(index=False, lineterminator="\n")
    return atomic_write_text(path, text)


def load_demo_challenges(path: Path = DEMO_CHALLENGES_PATH) -> pd.DataFrame:
    """Read the shipped synthetic answers, keeping blank answers as empty text.

    Examples
    --------
    >>> demo = load_demo_challenges()
    >>> int((demo.challenges.str.strip() != "").sum())
    42
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
