/* Accessibility repairs of Dash 4's components (served from assets/: the explorer's
   Content-Security-Policy allows no inline script). Re-applied whenever the page changes.
   - The dropdown's hidden "focus target" input is aria-hidden yet in the Tab order; it
     only forwards focus to the dropdown's button, so it leaves the Tab order and the
     button (which Dash leaves at tabindex=-1) takes its place: Tab reaches every
     dropdown.
   - dcc.RadioItems and dcc.Checklist wrap native radios/checkboxes in listbox/option
     roles, which hides them from screen readers (and nests controls in options): the
     list becomes a plain group named by its label, the options plain labels.
   - An open dropdown (a dialog and a listbox) is named by the dropdown's label; its
     options keep Dash's roles (Dash chooses through them), so axe still reports the
     checkbox nested in each option while a dropdown is open.
   - The dropdown's "clear" link (an <a> without href inside its button) is hidden from
     the accessibility tree: a mouse shortcut; the options deselect by keyboard.
   - After a page change, focus moves to the page heading (h2), so a screen reader
     announces where it is.
   - Plotly's toolbar leaves the Tab order (its zoom and pan are mouse tools; the
     tables carry the figures), and a chart with a text alternative (the figcaption of
     its <figure>) hides its drawing, whose every tick and label a screen reader
     would otherwise read as one long run of text.
   - The navigation marks the page shown (aria-current), for screen readers and sight. */
(function () {
    "use strict";
    var lastPath = window.location.pathname;
    var focusWanted = false;
    var oldHeading = null;

    function labelOf(id) {
        var label = id && document.querySelector("label[for='" + CSS.escape(id) + "']");
        if (label && !label.id) { label.id = id + "-label"; }
        return label;
    }

    function repairPopup(popup) {
        // The open dropdown: named by the dropdown's own label, options without controls.
        var trigger = popup.id && document.querySelector(
            "[aria-controls='" + CSS.escape(popup.id) + "']");
        var label = trigger && labelOf(trigger.id);
        popup.querySelectorAll("[role='listbox'], [role='dialog']").forEach(function (el) {
            if (label) { el.setAttribute("aria-labelledby", label.id); }
        });
        if (label && popup.getAttribute("role") === "dialog") {
            popup.setAttribute("aria-labelledby", label.id);
        }
        // The options keep their roles: Dash's dropdown chooses through them.
    }

    function repairClear(root) {
        // The "clear" link sits inside the dropdown's button and is an <a> without href
        // (not focusable, not allowed an aria-label): a mouse shortcut, hidden from the
        // accessibility tree; the options themselves deselect by keyboard.
        root.querySelectorAll("a.dash-dropdown-clear[aria-label]").forEach(function (link) {
            link.removeAttribute("aria-label");
            link.setAttribute("aria-hidden", "true");
        });
    }

    function repairLists(root) {
        root.querySelectorAll(".dash-dropdown-content").forEach(repairPopup);
        root.querySelectorAll(".dash-options-list[role='listbox']").forEach(function (list) {
            if (list.closest(".dash-dropdown-content")) { return; }
            list.setAttribute("role", "group");
            var label = labelOf(list.id);
            if (label) { list.setAttribute("aria-labelledby", label.id); }
            list.querySelectorAll("[role='option']").forEach(function (option) {
                option.removeAttribute("role");
                option.removeAttribute("aria-selected");
            });
        });
    }

    function repairCharts(root) {
        root.querySelectorAll(".modebar-btn").forEach(function (button) {
            if (button.tabIndex !== -1) { button.tabIndex = -1; }
        });
        root.querySelectorAll("figure .js-plotly-plot").forEach(function (plot) {
            if (plot.closest("figure").querySelector("figcaption") &&
                    plot.getAttribute("aria-hidden") !== "true") {
                plot.setAttribute("aria-hidden", "true");
            }
        });
    }

    function markCurrent() {
        document.querySelectorAll("nav a[href]").forEach(function (link) {
            var here = link.pathname === window.location.pathname;
            if (here && link.getAttribute("aria-current") !== "page") {
                link.setAttribute("aria-current", "page");
            } else if (!here && link.hasAttribute("aria-current")) {
                link.removeAttribute("aria-current");
            }
        });
    }

    function repair() {
        document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
            if (input.tabIndex !== -1) { input.tabIndex = -1; }
            // Dash gives the button itself tabindex=-1 (Tab reached the input, which
            // forwarded focus): the button takes the input's place in the Tab order.
            var button = input.parentElement &&
                input.parentElement.querySelector("button.dash-dropdown");
            if (button && !button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
        });
        repairLists(document);
        repairClear(document);
        repairCharts(document);
        markCurrent();
        if (focusWanted) {
            var heading = document.querySelector("#_pages_content h2");
            if (heading && heading !== oldHeading) {
                focusWanted = false;
                heading.setAttribute("tabindex", "-1");
                heading.focus();
            }
        }
    }

    new MutationObserver(function () {
        if (window.location.pathname !== lastPath) {
            lastPath = window.location.pathname;
            oldHeading = document.querySelector("#_pages_content h2");
            focusWanted = true;
        }
        repair();
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                          attributeFilter: ["aria-selected"]});
    document.addEventListener("DOMContentLoaded", repair);
}());
