"""The coded error catalogue.

Every problem the platform reports to a person has a stable code, a message that
says what is wrong, where (file:line, or row:column) and how to fix it. The CLI
turns a :class:`LandscapeError` into that message on stderr and exit code 2;
nothing else reaches the user as a traceback.

Codes are grouped by area so a new one is easy to place:

========  ==========================================
``I1xx``  instrument files: YAML and structure
``I2xx``  instrument semantics: codes, labels, logic
``I3xx``  versions: publishing, locks, diffs
``S1xx``  response store and migrations
``F1xx``  sampling frame and invitations
``R1xx``  response imports and the web form
``A1xx``  analysis input (rankings, tables)
``X1xx``  exports
========  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["ERRORS", "Issue", "LandscapeError", "Location", "Severity", "issue"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file and line, or a table row and column."""

    file: str | None = None
    line: int | None = None
    column: int | str | None = None
    row: int | None = None
    question: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            elif self.row is not None:
                where += f":{self.row}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        elif self.row is not None:
            parts.append(f"row {self.row}" + (f", column {self.column}" if self.column else ""))
        if self.question:
            parts.append(f"question '{self.question}'")
        return " ".join(parts)


# code -> (short title, how to fix). The message itself is written where the
# problem is found, because only there is the detail known.
ERRORS: dict[str, tuple[str, str]] = {
    # -- instrument files ------------------------------------------------
    "I101": ("malformed YAML", "Fix the YAML syntax at the line shown."),
    "I102": ("not an instrument", "The file must be a mapping with 'instrument', 'version' and "
             "'questions' keys."),
    "I103": ("missing field", "Add the field shown."),
    "I104": ("wrong kind of value", "Give the field a value of the kind named."),
    "I105": ("unknown question type", "Use one of: single_choice, multiple_choice, ranking, "
             "free_text, rating, number, organisation, place, consent."),
    "I106": ("unknown field", "Remove the field or correct its spelling."),
    "I107": ("bad version number", "Use a semantic version: MAJOR.MINOR.PATCH, e.g. 1.0.0."),
    "I108": ("file name does not match content",
             "Name the file instruments/<instrument>/<version>.yaml after its contents."),
    "I109": ("bad code", "Codes are lower_snake_case: a letter, then letters, digits or '_'."),
    "I110": ("unknown instrument or version",
             "Run 'landscape instrument list' to see what exists; write ID@VERSION."),
    # -- instrument semantics -------------------------------------------
    "I201": ("duplicate question code", "Give every question a unique code."),
    "I202": ("duplicate option code", "Give every option of a question a unique code."),
    "I203": ("missing English label", "Every label needs an 'en' text."),
    "I204": ("missing translation", "Add the text in this language, or drop the language "
             "from 'languages'."),
    "I205": ("stale translation", "The English text changed after this translation was "
             "written: re-translate it and update its 'source' stamp."),
    "I206": ("logic syntax error", "Correct the expression; see instruments/FORMAT.md for the "
             "skip-logic language."),
    "I207": ("logic refers to an unknown question", "Refer only to codes of questions defined "
             "in this instrument."),
    "I208": ("logic refers to a later question", "A condition can use only questions asked "
             "before this one; move the question or change the condition."),
    "I209": ("logic type mismatch", "Compare a question only with values of its own kind."),
    "I210": ("unreachable question", "No answers can make this question appear; correct its "
             "condition or its path."),
    "I211": ("bad ranking rule", "Declare mode: full or top_k (with k between 1 and the "
             "number of options), and ties: forbid or allow."),
    "I212": ("choice question without options", "Give the question at least two options."),
    "I213": ("unknown path", "Use a path declared under 'paths'."),
    "I214": ("bad option reference", "Refer to one of the question's own option codes."),
    "I215": ("unknown language", "Languages are 'en' (required) and 'cy'."),
    "I216": ("bad scale", "A rating needs min < max and, if given, labels for points in "
             "that range."),
    # -- versions ----------------------------------------------------------
    "I301": ("published version edited", "A published version is immutable: restore the "
             "file and publish the change as a new version."),
    "I302": ("published version not locked", "Run 'landscape instrument publish ID@VERSION' "
             "to record its content hash."),
    "I303": ("version understates its change", "Bump the version as the diff classifies the "
             "change (major for breaking, minor for additive, patch for wording)."),
    "I304": ("bad harmonisation map", "Refer only to questions and options that exist in the "
             "versions named."),
    "I305": ("version already published", "Publish a new version number instead."),
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found, with its catalogue code."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = Severity.ERROR

    @property
    def title(self) -> str:
        return ERRORS[self.code][0]

    @property
    def fix(self) -> str:
        return ERRORS[self.code][1]

    def __str__(self) -> str:
        where = f"{self.location}: " if str(self.location) else ""
        return f"{where}{self.severity} {self.code} {self.title}: {self.message}\n  fix: {self.fix}"


def issue(
    code: str,
    message: str,
    location: Location | None = None,
    severity: Severity = Severity.ERROR,
) -> Issue:
    """Build an :class:`Issue`, checking the code is catalogued."""
    if code not in ERRORS:
        raise KeyError(f"error code {code} is not in the catalogue")
    return Issue(code, message, location or Location(), severity)


class LandscapeError(Exception):
    """A user-facing failure: one or more catalogued issues.

    The CLI prints every issue and exits with code 2.
    """

    def __init__(self, issues: Issue | list[Issue]) -> None:
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @classmethod
    def of(cls, code: str, message: str, location: Location | None = None) -> LandscapeError:
        return cls(issue(code, message, location))
