"""The colours of every chart, in one place, readable with any colour vision.

Charts in the explorer and in exports take their colours from here and nowhere else
(``tests/dashboard/test_palette.py`` walks every figure the app and the exports build):

- :data:`CATEGORICAL`: Okabe and Ito's eight colours ("Color Universal Design",
  2008), distinguishable under the common colour-vision deficiencies, for things
  without an order (organisation types, communities, one series);
- :data:`SEQUENTIAL`: viridis (van der Walt and Smith, matplotlib 2015) sampled at
  ten points, dark to light: perceptually uniform and monotone in lightness, so an
  order (importance bands, counts in a heatmap) reads the same in grey or to a
  deuteranope;
- :data:`NEUTRALS`: greys for ties, suppressed or unranked segments, text and rules.

Colours are ``#rrggbb`` strings; plotly takes them as they are.
"""

from __future__ import annotations

__all__ = ["CATEGORICAL", "NEUTRALS", "SEQUENTIAL", "SYMBOLS", "category", "colorscale",
           "ordered", "palette_colours", "rgba", "text_on"]

#: Okabe–Ito, in their published order (orange first; black last, as it is also ink).
CATEGORICAL: tuple[str, ...] = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2",
                                "#d55e00", "#cc79a7", "#000000")
#: Viridis at ten evenly spaced points, darkest first.
SEQUENTIAL: tuple[str, ...] = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                               "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725")
#: Greys, by use.
NEUTRALS: dict[str, str] = {
    "white": "#ffffff", "paper": "#f2f2f2", "light": "#bdbdbd", "mid": "#969696",
    "rule": "#5a5a5a", "text": "#444444", "ink": "#0b0c0c",
}
#: Marker shapes that, with the colour, tell more than eight categories apart.
SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up")


def palette_colours() -> frozenset[str]:
    """Every colour a chart may use (lower-case ``#rrggbb``).

    Examples
    --------
    >>> "#e69f00" in palette_colours(), "#1f77b4" in palette_colours()
    (True, False)
    """
    return frozenset((*CATEGORICAL, *SEQUENTIAL, *NEUTRALS.values()))


def category(index: int) -> tuple[str, str]:
    """The colour and marker symbol of the ``index``-th category (0-based).

    Colours cycle through :data:`CATEGORICAL`; each further round of eight takes
    the next symbol, so up to 32 categories stay apart.

    Examples
    --------
    >>> category(0), category(9)
    (('#e69f00', 'circle'), ('#56b4e9', 'square'))
    """
    size = len(CATEGORICAL)
    return CATEGORICAL[index % size], SYMBOLS[(index // size) % len(SYMBOLS)]


def ordered(count: int) -> tuple[str, ...]:
    """``count`` colours of :data:`SEQUENTIAL` spread over its range, darkest first.

    For ordered categories (bands of importance): the first is the darkest.

    Examples
    --------
    >>> ordered(3)
    ('#440154', '#1f9e89', '#fde725')
    >>> ordered(1)
    ('#440154',)
    """
    last = len(SEQUENTIAL) - 1
    if count <= 1:
        return SEQUENTIAL[:max(count, 0)]
    # Rounded half up (round() would round 4.5 to even); more than ten repeat colours.
    return tuple(SEQUENTIAL[min(last, int(i * last / (count - 1) + 0.5))] for i in range(count))


def colorscale() -> list[list[float | str]]:
    """A plotly colour scale from :data:`SEQUENTIAL`, light for low values.

    Examples
    --------
    >>> colorscale()[0], colorscale()[-1]
    ([0.0, '#fde725'], [1.0, '#440154'])
    """
    light_first = SEQUENTIAL[::-1]
    last = len(light_first) - 1
    return [[i / last, colour] for i, colour in enumerate(light_first)]


def rgba(colour: str, alpha: float) -> str:
    """A ``#rrggbb`` colour with transparency, as plotly's ``rgba(r,g,b,a)``.

    Examples
    --------
    >>> rgba("#d55e00", 0.5)
    'rgba(213,94,0,0.5)'
    """
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _luminance(colour: str) -> float:
    # WCAG 2 relative luminance.
    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(colour: str) -> str:
    """White or ink, whichever contrasts more with ``colour`` (text inside a bar).

    Examples
    --------
    >>> text_on("#440154"), text_on("#fde725")
    ('#ffffff', '#0b0c0c')
    """
    back = _luminance(colour)
    contrast = {c: (max(back, _luminance(c)) + 0.05) / (min(back, _luminance(c)) + 0.05)
                for c in (NEUTRALS["white"], NEUTRALS["ink"])}
    return max(contrast, key=lambda c: contrast[c])
