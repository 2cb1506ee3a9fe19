"""Shared helpers for the store tests: a small synthetic instrument and frame files."""

from __future__ import annotations

from pathlib import Path

from survey.instrument import InstrumentVersion, parse_instrument_text

DEMO_YAML = """
instrument: demo
version: 1.0.0
title: Demo survey (synthetic test instrument)
paths:
  partnership: {label: In a partnership, when: "in_partnership == 'yes'"}
  no_partnership: {label: Not in a partnership, when: "in_partnership == 'no'"}
questions:
  - code: in_partnership
    type: single_choice
    required: true
    label: Are you involved in a research partnership?
    options:
      - {code: 'yes', label: 'Yes'}
      - {code: 'no', label: 'No'}
  - code: priorities
    type: ranking
    required: true
    path: partnership
    label: Rank these priorities
    ranking: {mode: full, ties: forbid}
    options:
      - {code: funding, label: Research funding}
      - {code: skills, label: Research skills}
      - {code: data, label: Access to data}
  - code: top_two
    type: ranking
    label: Your top two
    ranking: {mode: top_k, k: 2, ties: forbid}
    options:
      - {code: a, label: Option A}
      - {code: b, label: Option B}
      - {code: c, label: Option C}
  - code: staff
    type: number
    label: Staff working on research
    min: 0
    max: 1000
    integer: true
  - code: satisfaction
    type: rating
    label: Satisfaction
    scale: {min: 1, max: 5, labels: {1: Very low, 5: Very high}}
  - code: region
    type: place
    level: region
    label: Your region
  - code: sectors
    type: multiple_choice
    other: true
    label: Sectors you work with
    options:
      - {code: health, label: Health}
      - {code: housing, label: Housing}
  - code: comments
    type: free_text
    max_length: 50
    label: Comments
  - code: agree
    type: consent
    label: I agree to take part
"""


def demo_instrument(version: str = "1.0.0", extra_yaml: str = "") -> InstrumentVersion:
    """The demo instrument, optionally as another version with extra questions."""
    return parse_instrument_text(DEMO_YAML.replace("version: 1.0.0", f"version: {version}")
                                 + extra_yaml)


def complete_answers(**overrides: object) -> dict[str, object]:
    """A valid complete response on the partnership path."""
    answers: dict[str, object] = {
        "in_partnership": "yes", "priorities": {"funding": 1, "skills": 2, "data": 3},
        "agree": True,
    }
    answers.update(overrides)
    return answers


FRAME_HEADER = "name,email,organisation,organisation_type,role,nation,region\n"


def write_frame(path: Path, rows: list[str]) -> Path:
    path.write_text(FRAME_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path
