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


def axe_version(driver: Any) -> str:
    """The axe-core version injected by :func:`axe_results` (call after it)."""
    return str(driver.execute_script("return axe.version"))
