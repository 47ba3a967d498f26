"""Where everything sits in the outturn workbook, worked out before any sheet is written.

Sheets refer to each other's cells (Summary reads the Lines heading totals, Variances and Surplus share read
the Summary), so every sheet writer takes the one ``OutturnLayout`` instead of guessing rows."""

from __future__ import annotations

from dataclasses import dataclass

from budget.monthend.report import LineResult, OutturnReport

FIGURE_HEADERS = [
    "Budget Gross",
    "Budget Income",
    "Budget Net",
    "Forecast Gross",
    "Forecast Income",
    "Forecast Net",
    "Variance Gross",
    "Variance Income",
    "Variance Net",
]
SUMMARY_HEADERS = ["Heading", *FIGURE_HEADERS, "Movement Net", "RAG"]
LINE_EXTRA_HEADERS = [
    "Method",
    "Adjustments",
    "Movement Net",
    "RAG",
    "Best case net",
    "Worst case net",
    "Funded by",
    "Note",
]
LINES_HEADERS = ["Line", *FIGURE_HEADERS, *LINE_EXTRA_HEADERS]
HEADER_ROW = 4  # zero-based: on every sheet but Summary the table header is Excel row 5
SUMMARY_HEADER_ROW = 9  # Summary: title rows, the headline block and the band row sit above the table
GROSS, INCOME, NET = 1, 2, 3  # budget columns B–D; forecast is +3, variance +6
VARIANCE_NET = 9  # column J on Summary and Lines
LINES_MOVEMENT, LINES_RAG = 12, 13  # columns M, N on Lines
SUMMARY_MOVEMENT, SUMMARY_RAG = 10, 11  # columns K, L on Summary


def grouped_lines(report: OutturnReport) -> list[tuple[str, list[LineResult]]]:
    """Lines grouped under their heading: headings in budget order, then any heading only lines name."""
    groups: dict[str, list[LineResult]] = {h.name: [] for h in report.headings}
    for line in report.lines:
        groups.setdefault(line.heading, []).append(line)
    return [(name, lines) for name, lines in groups.items() if lines]


@dataclass(frozen=True)
class OutturnLayout:
    """Zero-based rows of the Summary and Lines tables."""

    summary_rows: dict[str, int]  # heading → its Summary row
    summary_total_row: int
    line_rows: dict[tuple[str, str], int]  # (heading, line) → its Lines row
    heading_label_rows: dict[str, int]  # heading → the Lines row of its bold label
    heading_total_rows: dict[str, int]  # heading → the Lines row of its "Total <heading>"
    lines_total_row: int

    @property
    def summary_first(self) -> int:
        return SUMMARY_HEADER_ROW + 1


def layout_for(report: OutturnReport) -> OutturnLayout:
    """Every table row of Summary and Lines for this report."""
    summary_rows = {h.name: SUMMARY_HEADER_ROW + 1 + i for i, h in enumerate(report.headings)}
    row = HEADER_ROW + 1
    line_rows: dict[tuple[str, str], int] = {}
    labels: dict[str, int] = {}
    totals: dict[str, int] = {}
    for heading, lines in grouped_lines(report):
        labels[heading] = row
        row += 1
        for line in lines:
            line_rows[(heading, line.name)] = row
            row += 1
        totals[heading] = row
        row += 2
    return OutturnLayout(
        summary_rows=summary_rows,
        summary_total_row=SUMMARY_HEADER_ROW + 1 + len(report.headings),
        line_rows=line_rows,
        heading_label_rows=labels,
        heading_total_rows=totals,
        lines_total_row=row,
    )
