"""Normalising organisation names, so that trivially different spellings compare equal.

One function, :func:`normalise`, used for the alias index in the store and by the resolver.
It folds case and diacritics (``Glyndŵr`` = ``Glyndwr``), turns ``&`` into ``and``, drops
apostrophes and other punctuation, drops ``the``, expands the short forms people type
(``Uni`` -> ``university``), translates the common Welsh words of body names into English
(``Prifysgol`` -> ``university``, ``Cyngor`` -> ``council``, ``Wrecsam`` -> ``wrexham``) and
puts ``University of X`` in the order ``X University``.

Examples
--------
>>> normalise("The University of Sheffield")
'sheffield university'
>>> normalise("Uni of Sheffield")
'sheffield university'
>>> normalise("Wrexham Glyndŵr University") == normalise("wrexham glyndwr university")
True
>>> normalise("King's Lynn & West Norfolk")
'kings lynn and west norfolk'
>>> normalise("Prifysgol Wrecsam")
'wrexham university'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise", "slug"]

# Short forms typed for the words of body names.
_SHORT = {"uni": "university", "univ": "university", "univeristy": "university",
          "ctr": "centre", "center": "centre", "govt": "government", "dept": "department",
          "assoc": "association", "coll": "college", "st": "saint", "boro": "borough",
          "ca": "combined authority"}
# Welsh words of body names and Welsh place names, in their English form. Word order is
# handled by the resolver's order-insensitive comparison, not here.
_WELSH = {"prifysgol": "university", "cyngor": "council", "sir": "county",
          "sirol": "county", "bwrdeistref": "borough", "dinas": "city", "canolfan": "centre",
          "llywodraeth": "government", "cymru": "wales", "cymreig": "welsh",
          "polisi": "policy", "cyhoeddus": "public", "ac": "and", "fetropolitan":
          "metropolitan", "wrecsam": "wrexham", "caerdydd": "cardiff", "abertawe": "swansea",
          "casnewydd": "newport", "caerfyrddin": "carmarthen", "ynys": "isle",
          "mon": "anglesey"}
_LEADING = ("university", "college", "council")
_WORD = re.compile(r"[a-z0-9]+")


def _fold(text: str) -> str:
    """Case- and diacritic-folded text, with apostrophes dropped and ``&`` spelled out."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.casefold().replace("&", " and ").replace("+", " and ")
    return re.sub(r"['’‘`]", "", bare)


def normalise(name: str) -> str:
    """The comparison form of an organisation name (see the module docstring).

    Parameters
    ----------
    name : str
        A name as typed or as written in a registry.

    Returns
    -------
    str
        Lower-case ASCII words separated by single spaces; ``""`` for a name with no
        letters or digits.
    """
    words = _WORD.findall(_fold(name))
    words = " ".join(_SHORT.get(w, w) for w in words).split()
    words = [_WELSH.get(w, w) for w in words]
    words = [w for w in words if w != "the"]
    # "University of X", "X University" and the Welsh order "Prifysgol X" are one name;
    # likewise "College of X" and "Cyngor X" (council).
    if len(words) > 1 and words[0] in _LEADING:
        rest = words[2:] if words[1] == "of" else words[1:]
        if rest:
            words = [*rest, words[0]]
    return " ".join(words)


def slug(name: str) -> str:
    """A stable key for a name: folded words joined by ``-`` (a leading "The" dropped).

    Examples
    --------
    >>> slug("The Queen's University of Belfast")
    'queens-university-of-belfast'
    >>> slug("Wrexham Glyndŵr University")
    'wrexham-glyndwr-university'
    """
    words = _WORD.findall(_fold(name))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return "-".join(words)
