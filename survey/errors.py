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
``C1xx``  coding free text: codebooks, overrides, agreement
``N1xx``  the partnership network: landscape data, names, views
``X1xx``  exports
``L1xx``  the partnership landscape: data files, registries, names, review
``U1xx``  explorer logins, roles and serving the explorer
========  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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
    "I120": ("participant information incomplete",
             "Give every section (who, purpose, data_use, retention, contact, withdrawal) a "
             "text in each language of the instrument."),
    "I110": ("unknown instrument or version",
             "Run 'landscape instrument list' to see what exists; write ID@VERSION."),
    "I111": ("YAML nested too deeply", "Flatten the structure to the depth the message gives "
             "(an instrument needs fewer than ten levels)."),
    "I112": ("number too long", "Shorten the number to the length the message gives, or "
             "quote it to make it text."),
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
    "I306": ("draft cannot be published", "Set 'status: published' in the file, then run "
             "'landscape instrument publish ID@VERSION' again."),
    "I307": ("malformed lock file", "instruments/instruments.lock is written by 'landscape "
             "instrument publish': restore it from version control rather than editing it."),
    # -- response store and migrations --------------------------------------
    "S101": ("store not initialised", "Run 'landscape db upgrade' to create the tables, or "
             "point LANDSCAPE_DATABASE_URL at an existing store."),
    "S102": ("store is newer than this software", "Upgrade the partnership-landscape "
             "package to a version that knows this schema; do not downgrade the database."),
    "S103": ("store needs migrating", "Back up the database, then run 'landscape db upgrade'."),
    "S104": ("cannot open the store", "Check LANDSCAPE_DATABASE_URL (or --database-url) and "
             "that the database server is running."),
    "S105": ("instrument version differs from the one recorded", "A recorded version is "
             "immutable: publish the changed instrument as a new version."),
    "S106": ("invalid answer", "Answer as the question asks (see the detail); nothing was "
             "saved."),
    "S107": ("response already submitted", "A completed response cannot be changed by "
             "resubmitting different answers; contact the survey team to correct it."),
    "S108": ("bad setting", "Correct the option or environment variable named."),
    "S109": ("unknown or used link", "Use the most recent link from your invitation, or ask "
             "the survey team for a new one."),
    "S110": ("nothing to export", "Collect or import responses first, or widen the selection."),
    # -- sampling frame and invitations -----------------------------------
    "F101": ("unreadable frame file", "Give a UTF-8 CSV with a header row: name, email, "
             "organisation, organisation_type, role, nation, region."),
    "F102": ("bad email address", "Give one address of the form name@domain.example."),
    "F103": ("unknown place", "Use a nation or ITL1 region code or English name from "
             "survey/instrument/places.py, e.g. 'wales' or 'North East'."),
    "F104": ("region not in nation", "Give a region inside the nation named (or leave the "
             "region blank)."),
    "F105": ("duplicate email", "List each person once; remove or merge the repeated rows."),
    "F106": ("missing value", "Fill in the required column."),
    "F107": ("confirmation needed", "Re-run with --yes once you are sure."),
    "F108": ("mail not sent", "Check the LANDSCAPE_SMTP_* settings and that the server "
             "accepts mail; the mail-merge file was still written."),
    "F109": ("no one to contact", "Import a frame first ('landscape frame import'), or check "
             "the instrument named."),
    "F110": ("version is fielded by invitation", "Give the open link a version no one was "
             "invited to (publish a new version for open fielding)."),
    "F111": ("no people in the frame file", "Give one row per person under the header row."),
    "F112": ("duplicate column", "Name each column once: remove or rename the repeated one."),
    "F113": ("cell outside the columns", "Give each row at most as many cells as the header "
             "names (a comma inside a value needs the value in double quotes)."),
    "F114": ("value too long", "Shorten the value to the length the message gives."),
    "F115": ("unknown organisation type", "Use a type code or label of the instrument (the "
             "message lists them and the closest), or map your own terms with --type-map FILE "
             "(a CSV of frame_type,organisation_type)."),
    "F117": ("purge not finished", "Stop everything else using the store (e.g. 'landscape "
             "serve'), then run 'landscape frame purge --yes' again: it finishes scrubbing."),
    "F116": ("bad type map", "Give a CSV with the header frame_type,organisation_type and one "
             "row per term of your frame, each mapped to a type code or label of the "
             "instrument."),
    # -- response imports (survey/store/imports.py) --------------------------
    "R101": ("unreadable import file", "Give a CSV saved as UTF-8 (with or without BOM) or an "
             "XLSX workbook (--sheet NAME for another sheet than the first)."),
    "R102": ("empty import file", "Give a header row and one row per respondent."),
    "R103": ("unknown column", "Name the column after a question code or its English/Welsh "
             "label (an option column as question/option, a rank column as question[1]), "
             "remove it, or skip it with --ignore-column NAME."),
    "R104": ("duplicate column", "Give each question (and each option or rank position) in "
             "one column only."),
    "R105": ("unknown option", "Use one of the question's option codes or labels (English or "
             "Welsh; case and spacing do not matter); separate several with ';'."),
    "R106": ("not a number", "Give a plain number such as 12 or 3.5 (no units or thousands "
             "separators), or leave the cell blank."),
    "R107": ("not yes/no", "Give yes/no, true/false or 1/0, or leave the cell blank."),
    "R108": ("unknown place", "Use a nation or ITL1 region code or its English or Welsh name, "
             "e.g. 'wales', 'Cymru' or 'North East'."),
    "R109": ("missing required answer", "Fill in the answer for every respondent the question "
             "is shown to, or import with --skip-invalid --rejects FILE to leave the row out."),
    "R110": ("invalid answer", "Answer as the question asks (see the detail)."),
    "R111": ("answer the skip logic hides", "Blank the answer: the respondent's earlier answers "
             "mean this question is not asked (see 'landscape instrument show')."),
    "R112": ("wrong ranking layout", "Use --layout auto, or the layout the ranking columns are "
             "in: rank-per-option (q.option = rank), option-per-rank (q[1] = option), "
             "ordered-list (one field of space-separated codes)."),
    "R114": ("bad respondent id", "Give every row a unique, non-blank id (or drop the id "
             "column to key rows by file and row number)."),
    "R115": ("bad import option", "Correct the option named (see 'landscape responses import "
             "--help')."),
    "R116": ("already imported with other answers", "An imported response is not overwritten: "
             "give the row a new id if it is another response, or restore the earlier answers."),
    "R117": ("nothing imported", "Fix the rows listed (or re-run with --skip-invalid --rejects "
             "FILE to import the good rows and set the bad ones aside)."),
    "R118": ("survey tool not recognised", "Name the tool that exported the file with "
             "--from qualtrics|jisc|surveymonkey|msforms|limesurvey|kobo|odk|redcap, or "
             "--from generic for a file whose columns are question codes or labels."),
    "R119": ("not the named tool's export", "Export the file again from the tool with its "
             "default header rows, or name the tool that wrote it (--from auto recognises "
             "it)."),
    "R120": ("file no longer fits its mapping", "Write the mapping again for this file "
             "('landscape responses map FILE --instrument ID@VERSION --from TOOL -o "
             "mapping.yaml') and review it, or export the file with the columns it had."),
    "R121": ("bad column mapping", "Give every column of the mapping a question code (and "
             "option code or rank number) of the instrument, or 'ignore: true'."),
    # -- analysis input: ranking files, bands, published tables -------------
    "A101": ("unreadable ranking file", "Give a UTF-8 CSV (with or without BOM) or an XLSX "
             "file with one header row and one row per respondent."),
    "A102": ("unknown layout", "Use --layout rank-per-option, option-per-rank or ordered-list."),
    "A103": ("missing column", "Add the column, or name the right one (e.g. --group-column)."),
    "A104": ("unknown option", "Use one of the question's option codes or labels (any "
             "language; case and spacing do not matter), or map the column explicitly."),
    "A105": ("not a rank", "Give a whole-number rank position, or leave the cell blank for "
             "'not ranked'."),
    "A106": ("rank out of range", "Rank positions run from 1 to the number of positions the "
             "question asks for."),
    "A107": ("tie not allowed", "This question forbids ties: give each position to one option "
             "only (or declare 'ties: allow' on the question)."),
    "A108": ("option ranked twice", "Give each option at most one position in a respondent's "
             "ranking."),
    "A109": ("incomplete ranking", "Rank every option (mode: full) or at most k (mode: top_k); "
             "a respondent who ranked none is simply 'did not answer'."),
    "A110": ("duplicate respondent id", "Give every respondent a unique id."),
    "A111": ("bad bands", "Write bands as FIRST-LAST rank ranges separated by commas, e.g. "
             "1-3,4-6,7-9; ranges must not overlap."),
    "A112": ("not a published table file", "Give a YAML file shaped like "
             "survey/data/published_2022.yaml: priority_tables with bands and tables of n "
             "and rows (option, pct)."),
    "A113": ("unknown table", "Use one of the table names listed in the file."),
    "A114": ("columns do not match the options", "Name each column after one option (code or "
             "label) or one rank position, or pass a column mapping."),
    "A115": ("no published figures reproduced", "Reinstall the package: its demo data or "
             "published figures are missing or damaged."),
    "A116": ("cell outside the columns", "Give each row at most as many cells as the header "
             "names (a comma inside a value needs the value in double quotes)."),
    # analysis: consensus orders and group comparisons (survey/ranking/consensus.py, compare.py)
    "A151": ("not a rankings table", "Give one row per respondent and one column per option, "
             "each cell a whole-number rank of 1 or more or blank for 'not ranked'."),
    "A152": ("too many options for exact Kemeny", "Use --method schulze or borda for more "
             "than 20 options, or analyse a subset of the options."),
    "A153": ("bad analysis setting", "Use one of the values listed in the message."),
    "A154": ("too few respondents", "Collect more rankings, or widen the selection; the "
             "message says how many the statistic needs."),
    "A155": ("groups do not line up", "Compare exactly two groups, and map each option to a "
             "concept shared by both groups' instruments."),
    "A156": ("statistic not meaningful for rankings", "Use agreement() (Friedman with "
             "Kendall's W, Cochran's Q) to measure agreement among rankings."),
    # -- coding free text (codebooks, overrides, agreement) -----------------
    "C101": ("not a codebook", "The file must be a mapping with 'codebook', 'version' and "
             "'themes' keys; see instruments/codebooks/barriers.yaml."),
    "C102": ("missing field", "Add the field shown."),
    "C103": ("wrong kind of value", "Give the field a value of the kind named."),
    "C104": ("unknown field", "Remove the field or correct its spelling."),
    "C105": ("bad version number", "Use a semantic version: MAJOR.MINOR.PATCH, e.g. 1.0.0."),
    "C106": ("bad theme code", "Theme codes are lower_snake_case: a letter, then letters, "
             "digits or '_'."),
    "C107": ("duplicate theme code", "Give every theme a unique code; a code is stable once "
             "used, so rename the newer one."),
    "C108": ("bad regular expression", "Correct the pattern (Python 're' syntax; quote it in "
             "single quotes in YAML so backslashes stay as written)."),
    "C109": ("rule matches empty text", "A rule must need at least one character to match; "
             "otherwise it codes every answer."),
    "C110": ("theme without rules", "Give the theme at least one keyword or pattern."),
    "C111": ("unknown theme", "Use a theme code defined in the codebook."),
    "C112": ("unknown or unanswered response", "Refer to a response id in the coded data "
             "that has a non-empty answer."),
    "C113": ("bad coding input", "Give one row per response with a unique, non-empty id and "
             "the answer text (blank = did not answer)."),
    "C114": ("codings do not line up", "Give both coders' codings as response x theme "
             "true/false tables with the same theme columns."),
    "C115": ("bad override", "Give the response id, the theme code, applied true/false, the "
             "coder's name and a timezone-aware time, e.g. datetime.now(UTC)."),
    # -- the demo, store-backed analysis and stored codings (survey/reproduce/demo.py,
    #    survey/store/analysis.py, survey/store/codings.py) ----------------------------
    "S151": ("store already holds data", "Load the demo into a new database (--database "
             "sqlite:///demo.db), or re-run with --reset to delete everything in this one."),
    # -- backup and restore (survey/store/backup.py) ------------------------------
    "S161": ("not a backup file", "Give a file written by 'landscape db backup'."),
    "S162": ("backup file damaged", "The file was cut short or changed after it was written: "
             "restore from another copy of the backup; the store was not changed."),
    "S163": ("backup is newer than this software", "Restore it with the version of "
             "partnership-landscape that wrote it, or a newer one."),
    "S164": ("store already holds data", "Restore into a new database (--database-url), or "
             "re-run with --force to replace everything in this one."),
    "S165": ("store refused the backup", "Restore into a new database of the kind named in "
             "the message; the store was not changed."),
    "A171": ("unknown grouping or filter", "Use --by/--where with one of: instrument, version, "
             "nation, region, organisation_type, path; write filters as FIELD=VALUE."),
    "A172": ("no rankings to analyse", "Load responses first (e.g. 'landscape demo'), or widen "
             "--instrument/--where; the message lists what the store holds."),
    "A181": ("bad non-response counts", "Give one frame count and one respondent count per "
             "group, with 0 <= respondents <= frame."),
    "A182": ("cannot weight to the frame", "Import a frame ('landscape frame import') and "
             "collect responses from people in it; respondents from an open link have no "
             "frame to weight to."),
    "A183": ("bad weighting input", "Give --by with one or more of: nation, region, "
             "organisation_type, and --method poststratify or rake."),
    "C151": ("unknown response", "Give a response id (or its idempotency key, e.g. demo:LG01) "
             "from 'landscape code barriers --format csv' or the raw export."),
    "C152": ("unreadable coding file", "Give a UTF-8 CSV with a response_id column and either "
             "one true/false (1/0) column per theme, or theme and applied columns."),
    # -- the partnership network: views, metrics, match-making (network/) ----------
    "N161": ("unknown region or nation", "Give an ITL1 region or nation by its code or English "
             "or Welsh name, e.g. 'West Midlands' or 'wales'; the message lists the closest."),
    "N162": ("unknown organisation", "Give the organisation's name, one of its aliases or its "
             "key ('landscape network metrics --format csv' lists them); the message lists "
             "the closest."),
    "N163": ("unknown organisation type", "Give a type code or label, e.g. 'university' or "
             "'County council'; the message lists the closest."),
    "N164": ("bad network option", "Correct the option named in the message."),
    "N165": ("no partnership landscape", "Load one first ('landscape demo' loads the 2022 "
             "landscape), or point --database at a store that holds one."),
    # -- the partnership landscape (survey/landscape, survey/store/landscape.py) ----------
    "L101": ("malformed landscape data file", "Fix the YAML syntax at the line shown; "
             "nothing was loaded."),
    "L102": ("not a landscape data file", "The file must be a mapping with 'dataset' and "
             "one or more of 'organisations', 'partnerships', 'themes', 'barriers' (see "
             "survey/data/landscape/README.md); nothing was loaded."),
    "L103": ("missing field", "Add the field shown; nothing was loaded."),
    "L104": ("unknown code", "Use one of the codes listed in the message (types, kinds, "
             "place types and provenance kinds are in survey/landscape/records.py; regions "
             "and nations in survey/instrument/places.py); nothing was loaded."),
    "L105": ("unknown organisation", "Refer to an organisation by the key it is given under "
             "'organisations' (in any of the dataset's files) or in the registry; nothing "
             "was loaded."),
    "L106": ("duplicate key", "Give every organisation, partnership, theme and barrier a "
             "unique key; nothing was loaded."),
    "L107": ("unknown field", "Remove the field or correct its spelling; nothing was "
             "loaded."),
    "L108": ("wrong kind of value", "Give the field a value of the kind named; nothing was "
             "loaded."),
    "L110": ("landscape does not line up", "Every partnership needs two or more known "
             "members, and every theme or barrier code must be defined; nothing was saved."),
    "L111": ("unknown or duplicate organisation key", "Use the key of a stored organisation "
             "(see 'landscape network resolve NAME'), or a new unique key."),
    "L112": ("bad review decision", "Give a pending item's id (see 'landscape network review "
             "list'), one of accept, reject or create, and --reviewer NAME."),
    "L113": ("unknown organisation", "Use a name the resolver links (the closest names are "
             "listed), or record the organisation first."),
    "L114": ("bad name", "Give a name with at least one letter or digit."),
    # -- explorer logins, roles and serving (survey/store/users.py, dashboard/) -----
    "U101": ("bad user name", "Give a name of 1 to 64 letters, digits, '.', '_', '-' or '@', "
             "starting with a letter or digit."),
    "U102": ("unknown user", "Run 'landscape user list' to see who exists."),
    "U103": ("user already exists", "Choose another name, or change the password with "
             "'landscape user passwd NAME'."),
    "U104": ("unknown role", "Give one of the roles: viewer, analyst, admin."),
    "U105": ("unacceptable password", "Give a password of at least 12 characters (a "
             "passphrase of several words is easiest), the same both times."),
    "U106": ("last admin", "Add another admin first ('landscape user add NAME --role "
             "admin'): the explorer's users are managed by an admin."),
    "U107": ("no secret key for production", "Set LANDSCAPE_SECRET_KEY to 32+ random "
             "characters (python -c 'import secrets; print(secrets.token_urlsafe(32))'), or "
             "run a local demo with 'landscape serve --demo'."),
    "U108": ("no admin for production", "Add one with 'landscape user add NAME --role admin' "
             "(on the same --database-url), or run a local demo with 'landscape serve --demo'."),
    "U109": ("bad serve options", "Correct the option named in the message."),
    # -- exports -------------------------------------------------------------
    "X101": ("cannot write the export file", "Create the output directory (or choose another "
             "path) and check you may write there; nothing was written."),
    "X102": ("unknown export format", "Use --format csv, xlsx, docx, md, html, png or svg, or "
             "an output file name ending in one of these."),
    "X103": ("no Chromium for image export", "Install Chromium (e.g. 'apt-get install "
             "chromium') or set BROWSER_PATH to a Chrome/Chromium executable; nothing is "
             "downloaded. HTML charts need no browser: use --format html."),
    "X104": ("image rendering failed", "Check that the Chromium named in the message starts "
             "(e.g. 'chromium --headless --version'), or export --format html instead."),
    "X105": ("bad export option", "Correct the option named in the message."),
    "X106": ("text too long for an Excel cell", "Export as CSV (--format csv), which keeps "
             "every answer whole; nothing was written."),
    "X107": ("cannot write the SPSS or Stata file", "Export as CSV (--format csv), and "
             "report the message: the store holds something the format cannot; nothing was "
             "written."),
    "X108": ("public output refused: the release would disclose a suppressed cell",
             "Publish only the release's own outputs: its fixed bands (LANDSCAPE_RELEASE_BANDS), "
             "no --by/--where whose complement is unprotected, compare --top equal to the first "
             "band, consensus by mean-rank or borda; or raise the threshold (--min-n), or keep "
             "the output internal (--internal, not for publication). Nothing was written."),
    "X109": ("unknown report", "Give one of the report names in the message ('landscape "
             "export report --list' prints them with what each holds); nothing was written."),
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found, with its catalogue code."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = Severity.ERROR
    #: A finer code from the checker that found it (an answer problem of
    #: :mod:`survey.answers`, e.g. ``required``), with its ``params``: so a caller
    #: can tell problems apart, or word them itself, without reading ``message``.
    reason: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

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
    *,
    reason: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Issue:
    """Build an :class:`Issue`, checking the code is catalogued."""
    if code not in ERRORS:
        raise KeyError(f"error code {code} is not in the catalogue")
    return Issue(code, message, location or Location(), severity, reason, dict(params or {}))


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
