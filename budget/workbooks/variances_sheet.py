"""The Variances sheet: every variance at or over the threshold, explained, with officers' commentary."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.report import OutturnReport, VarianceRow, sign_statement, variance_key
from budget.workbooks.outturn_layout import HEADER_ROW, VARIANCE_NET, OutturnLayout
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    period_title,
    set_print_setup,
    write_cached_formula,
    write_money,
    write_text,
    write_title_rows,
)

# A level; B heading; C name; D amount; E direction; F explanation; G commentary (H: the hidden key)
WIDTHS = [8.0, 24.0, 28.0, 11.0, 12.0, 62.0, 40.0]


VARIANCE_HEADERS = ["Level", "Heading", "Name", "Amount", "Direction", "Explanation", "Commentary", "Key"]


def variance_formula_for(v: VarianceRow, report: OutturnReport, layout: OutturnLayout) -> str | None:
    """A live formula for a Variances amount: the Summary's or the Lines sheet's variance net cell, or for the
    grouped row the sum of its lines' cells. None (a plain value) unless the cells add up to the row's amount."""
    net = VARIANCE_NET
    sign = report.variance_sign
    line_rows = layout.line_rows
    if v.level == "heading":
        for h in report.headings:
            if h.name == v.name and h.figures.variances(sign)[2] == v.amount_p:
                return f"=Summary!{cell(layout.summary_rows[h.name], net)}"
        return None
    by_key = {(ln.heading, ln.name): ln for ln in report.lines}
    if v.level == "line":
        ln = by_key.get((v.heading, v.name))
        row = line_rows.get((v.heading, v.name))
        if ln is None or row is None or ln.figures.variances(sign)[2] != v.amount_p:
            return None
        return f"=Lines!{cell(row, net)}"
    listed = {(r.heading, r.name) for r in report.variances if r.level == "line"}
    small = [k for k in line_rows if k[0] == v.heading and k not in listed]
    if not small or sum(by_key[k].figures.variances(sign)[2] for k in small) != v.amount_p:
        return None
    return "=" + "+".join(f"Lines!{cell(line_rows[k], net)}" for k in small)


def write_variances(
    workbook: Workbook, report: OutturnReport, fmts: Formats, layout: OutturnLayout
) -> Worksheet:
    """Variances at or over the threshold, with an open Commentary column and a hidden Key column."""
    ws = workbook.add_worksheet("Variances")
    period = period_title(report.financial_year, report.period, report.period_no)
    title = f"Variances at or over £{report.threshold_p // 100:,} {period}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign), WIDTHS)
    for col, text in enumerate(VARIANCE_HEADERS):
        ws.write_string(HEADER_ROW, col, text, fmts.header_money if col == 3 else fmts.header)
    row = HEADER_ROW + 1
    for v in report.variances:
        text = fmts.text_bold if v.level == "heading" else fmts.wrapped
        write_text(ws, row, 0, v.level, text)
        write_text(ws, row, 1, v.heading, fmts.wrapped_bold if v.level == "heading" else fmts.wrapped)
        write_text(ws, row, 2, v.name, fmts.wrapped_bold if v.level == "heading" else fmts.wrapped)
        formula = variance_formula_for(v, report, layout)
        if formula is None:
            write_money(ws, row, 3, v.amount_p, fmts.money)
        else:
            write_cached_formula(ws, row, 3, formula, v.amount_p, fmts.money)
        write_text(ws, row, 4, v.direction, text)
        write_text(ws, row, 5, v.explanation, fmts.wrapped)
        write_text(ws, row, 6, v.commentary, fmts.unlocked_text)
        write_text(ws, row, 7, variance_key(v.level, v.name, v.heading), fmts.text)
        fit_row(
            ws,
            row,
            [
                (v.explanation, WIDTHS[5]),
                (v.commentary, WIDTHS[6]),
                (v.name, WIDTHS[2]),
                (v.heading, WIDTHS[1]),
            ],
        )
        row += 1
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True})
    set_print_setup(ws, report.authority, title, HEADER_ROW, WIDTHS, row - 1)
    ws.set_column(7, 7, 30, None, {"hidden": True})
    ws.print_area(0, 0, max(row - 1, HEADER_ROW), 7)  # the hidden key column inside it, never printed
    return ws
