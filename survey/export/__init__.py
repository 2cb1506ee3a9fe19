"""Report-ready exports: disclosure control, published-layout tables and charts.

:mod:`survey.export.disclosure` decides what a public table may show,
:mod:`survey.export.layout` lays band tables out as the 2022 report did,
:mod:`survey.export.tables` writes them as CSV, XLSX, DOCX and Markdown, and
:mod:`survey.export.charts` draws them as stacked bar charts (HTML, and PNG/SVG
with the system Chromium). Every other table of the explorer is a report
(:data:`survey.export.report_catalogue.REPORTS`), written by
:mod:`survey.export.report_files` for the CLI and the Downloads page alike.
"""

from survey.export.disclosure import (
    SUPPRESSED,
    DisclosurePolicy,
    ProtectedTable,
    Suppression,
    protect,
    secondary_suppression,
)
from survey.export.layout import (
    CHART_FORMATS,
    TABLE_FORMATS,
    PublishedLayout,
    build_layouts,
    format_from_suffix,
    priority_layouts,
)
from survey.export.tables import (
    write_band_table,
    write_layouts,
)

__all__ = [
    "CHART_FORMATS",
    "SUPPRESSED",
    "TABLE_FORMATS",
    "DisclosurePolicy",
    "ProtectedTable",
    "PublishedLayout",
    "Suppression",
    "build_layouts",
    "format_from_suffix",
    "priority_layouts",
    "protect",
    "secondary_suppression",
    "write_band_table",
    "write_layouts",
]
