"""Accessibility checks in the browser tests: axe-core run inside the page.

axe-core comes bundled with the ``axe-core-python`` package (its ``axe.min.js``,
4.4), so nothing is downloaded. :func:`serious_violations` injects it into the
page a selenium driver shows and returns the serious and critical violations.
"""

from __future__ import annotations

from typing import Any

#: Impacts that fail a test.
FAILING = ("serious", "critical")


def axe_results(driver: Any, context: Any = None) -> dict[str, Any]:
    """Run axe-core on the page ``driver`` shows and return its results."""
    # Loaded by the browser tests only.
    from axe_core_python.selenium import Axe

    driver.set_script_timeout(60)
    results: dict[str, Any] = Axe().run(driver, context=context)
    return results


def serious_violations(driver: Any, context: Any = None) -> list[str]:
    """One line per serious or critical violation: rule, impact and the elements."""
    found = []
    for violation in axe_results(driver, context)["violations"]:
        if violation.get("impact") in FAILING:
            targets = [" ".join(map(str, node.get("target", []))) for node in
                       violation.get("nodes", [])][:5]
            found.append(f"{violation['id']} ({violation['impact']}): "
                         f"{violation['help']} at {targets}")
    return found


#: Longest text alternative of a chart or live announcement: a sentence or two, not
#: the 2,000-character run of a drawing's labels (issue 11) nor a re-read table.
SHORT = 300

# What a screen reader meets that axe does not judge; run in the page, returns problems.
_AUDIT = """
const problems = [];
document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    const graph = plot.closest('[id]');
    const figure = plot.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    if (!caption) { problems.push('no text alternative: ' + graph.id); return; }
    if (caption.textContent.length > arguments[0]) {
        problems.push('long text alternative (' + caption.textContent.length + '): ' + graph.id);
    }
    if (!plot.closest('[aria-hidden="true"]')) {
        problems.push('drawing read aloud: ' + graph.id);
    }
});
document.querySelectorAll('.modebar a, .modebar button').forEach(e => {
    if (e.tabIndex >= 0) { problems.push('toolbar in the Tab order'); }
});
document.querySelectorAll('table').forEach(t => {
    if (!t.querySelector('th')) { problems.push('table without headers: ' + t.id); }
});
document.querySelectorAll('[aria-live]').forEach(r => {
    if (r.textContent.length > arguments[0]) {
        problems.push('long live region (' + r.textContent.length + '): ' + r.id);
    }
});
return problems;
"""


def reader_problems(driver: Any, limit: int = SHORT) -> list[str]:
    """Charts without a short text alternative or with their drawing read aloud, the
    plotly toolbar in the Tab order, tables without header cells, long live regions."""
    found: list[str] = driver.execute_script(_AUDIT, limit)
    return found


def tab_stops(driver: Any, presses: int = 60) -> list[tuple[str, bool]]:
    """Tab on from the page's first link through up to ``presses`` stops: each stop's id
    (or tag and text) and whether it shows a focus ring (an outline or box shadow).

    The first link is focused by script, which shows no ring (not :focus-visible), so
    the stops start after it; it is styled as the other links."""
    # Loaded by the browser tests only.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    stops: list[tuple[str, bool]] = []
    driver.execute_script("window.scrollTo(0, 0); document.querySelector('a[href]').focus();")
    for _ in range(presses):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        found = driver.execute_script("""
            const e = document.activeElement;
            if (!e || e === document.body) { return null; }
            const s = getComputedStyle(e);
            const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                || s.boxShadow !== 'none';
            return [e.id || e.tagName.toLowerCase() + ' "' +
                    (e.textContent || e.value || '').trim().slice(0, 30) + '"', ring];""")
        if found is None or (stops and found[0] == stops[0][0]):
            break  # left the page, or came round again
        stops.append((str(found[0]), bool(found[1])))
    return stops


def axe_version(driver: Any) -> str:
    """The axe-core version injected by :func:`axe_results` (call after it)."""
    return str(driver.execute_script("return axe.version"))
