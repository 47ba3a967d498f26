"""The Notes sheet: period, conventions, imports, methods in technical detail, adjustments, suspense, and how
each cost centre / account was classed as expenditure or income."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.methods import plain_method
from budget.monthend.report import OutturnReport, sign_statement
from budget.workbooks.outturn_layout import HEADER_ROW, OutturnLayout
from budget.workbooks.xlsx import (
    Formats,
    fit_row,
    period_title,
    rag_legend,
    set_print_setup,
    write_header,
    write_money,
    write_text,
    write_title_rows,
)

WIDTHS = [36.0, 70.0, 12.0, 14.0]


def write_table(ws: Worksheet, row: int, fmts: Formats, title: str, headers: list[str]) -> int:
    """A sub-table's title and header rows; returns its first data row."""
    ws.write_string(row, 0, title, fmts.subtitle)
    write_header(ws, row + 1, headers, fmts, money_from=len(headers))
    return row + 2


def write_notes(workbook: Workbook, report: OutturnReport, fmts: Formats, layout: OutturnLayout) -> Worksheet:
    """Notes: period, data as at, sign convention, the report's notes, methods, adjustments, suspense."""
    ws = workbook.add_worksheet("Notes")
    period = period_title(report.financial_year, report.period, report.period_no)
    title = f"Notes to the forecast outturn {period}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign), WIDTHS)
    write_header(ws, HEADER_ROW, ["Item", "Detail"], fmts, money_from=2)
    facts = [
        ("Period", f"P{report.period_no} ({report.period}), financial year {report.financial_year}"),
        ("Data as at", report.data_as_at or "not recorded"),
        ("Sign convention", sign_statement(report.variance_sign)),
        ("Variance threshold", f"£{report.threshold_p / 100:,.0f}: variances at or over this are explained"),
        ("RAG", rag_legend(report.rag_amber, report.rag_red, report.rag_floor_p).removeprefix("RAG: ")),
    ]
    said = {label for label, _ in facts} | {"Authority"}
    facts += [(label, text) for label, text in report.notes if label not in said]
    row = HEADER_ROW + 1
    for label, text in facts:
        write_text(ws, row, 0, label, fmts.wrapped_bold)
        write_text(ws, row, 1, text, fmts.wrapped)
        fit_row(ws, row, [(text, WIDTHS[1]), (label, WIDTHS[0])])
        row += 1
    row = write_table(ws, row + 1, fmts, "Forecast methods (the technical detail)", ["Line", "Method"])
    for line in report.lines:
        method = f"{plain_method(line.method, line.method_note)} (method '{line.method}')" + (
            f": {line.method_note}" if line.method_note else ""
        )
        write_text(ws, row, 0, line.name, fmts.wrapped)
        write_text(ws, row, 1, method, fmts.wrapped)
        fit_row(ws, row, [(method, WIDTHS[1]), (line.name, WIDTHS[0])])
        row += 1
    row = write_table(ws, row + 1, fmts, "Adjustments", ["Line", "Reason", "Amount £"])
    for line_name, pence, reason in report.adjustments:
        write_text(ws, row, 0, line_name, fmts.wrapped)
        write_text(ws, row, 1, reason, fmts.wrapped)
        fit_row(ws, row, [(reason, WIDTHS[1]), (line_name, WIDTHS[0])])
        write_money(ws, row, 2, pence, fmts.pounds)
        row += 1
    row = write_table(
        ws,
        row + 1,
        fmts,
        "Suspense (ledger rows matching no mapping)",
        ["Cost centre", "Account", "Rows", "Amount £"],
    )
    for cost_centre, account, rows, pence in report.suspense:
        write_text(ws, row, 0, cost_centre, fmts.text)
        write_text(ws, row, 1, account, fmts.text)
        ws.write_number(row, 2, rows, fmts.integer)
        write_money(ws, row, 3, pence, fmts.pounds)
        row += 1
    row = write_table(
        ws,
        row + 1,
        fmts,
        "Expenditure or income (each cost centre / account, decided when first seen)",
        ["Cost centre / account", "Why", "Kind", "Line"],
    )
    for cost_centre, account, line_name, kind, reason in report.kinds:
        write_text(ws, row, 0, f"{cost_centre} / {account}", fmts.wrapped)
        write_text(ws, row, 1, reason, fmts.wrapped)
        write_text(ws, row, 2, kind, fmts.text)
        write_text(ws, row, 3, line_name, fmts.wrapped)
        fit_row(ws, row, [(reason, WIDTHS[1]), (line_name, WIDTHS[3])])
        row += 1
    ws.freeze_panes(HEADER_ROW + 1, 0)
    set_print_setup(ws, report.authority, title, HEADER_ROW, WIDTHS, row)
    return ws
