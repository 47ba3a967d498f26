"""The Funding sheet of the outturn workbook: ring-fenced funds, spent, forecast and left at the year end."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.funding import FundPosition
from budget.workbooks.cash import write_note
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
)

SHEET = "Funding"
HEADER_ROW = 4
HEADERS = [
    "Fund",
    "Lines it pays for",
    "Start year",
    "End year",
    "Allocation",
    "Spent to date",
    "Forecast spend to year end",
    "Balance at year end",
    "Years left",
    "Spent to date from",
]


def write_funding(
    workbook: Workbook, funds: list[FundPosition], fmts: Formats, authority: str, period: str
) -> Worksheet:
    """One row per fund; the balance is allocation − spent − forecast as a live formula; a total row."""
    ws = workbook.add_worksheet(SHEET)
    title = f"Ring-fenced funds {period}"
    write_text(ws, 0, 0, authority, fmts.title)
    write_text(ws, 1, 0, title, fmts.subtitle)
    note = workbook.add_format({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"})
    write_note(
        ws,
        2,
        len(HEADERS) - 1,
        "Balance at year end = allocation − spent to date − forecast spend to the year end; a negative balance "
        "(brackets) is spending beyond the fund. Figures shown in £000; cells hold pounds.",
        note,
        128,
    )
    write_header(ws, HEADER_ROW, HEADERS, fmts, 4)
    ws.write_string(HEADER_ROW, 9, HEADERS[9], fmts.header)
    whole = workbook.add_format({"num_format": "0", "valign": "top"})
    first = HEADER_ROW + 1
    for i, f in enumerate(funds):
        r = first + i
        lines = ", ".join(f.lines)
        write_text(ws, r, 0, f.fund, fmts.wrapped)
        write_text(ws, r, 1, lines, fmts.wrapped)
        write_text(ws, r, 2, f.start_year, fmts.text)
        write_text(ws, r, 3, f.end_year, fmts.text)
        write_money(ws, r, 4, f.allocation_p, fmts.money)
        write_money(ws, r, 5, f.spent_to_date_p, fmts.money)
        write_money(ws, r, 6, f.forecast_to_year_end_p, fmts.money)
        formula = f"={cell(r, 4)}-{cell(r, 5)}-{cell(r, 6)}"
        write_cached_formula(ws, r, 7, formula, f.balance_at_year_end_p, fmts.money)
        ws.write_number(r, 8, f.years_left, whole)
        source = f.spent_source + ("; " + "; ".join(f.notes) if f.notes else "")
        write_text(ws, r, 9, source, fmts.wrapped)
        fit_row(ws, r, [(lines, 20), (source, 18), (f.fund, 28)])
    total = first + len(funds)
    write_text(ws, total, 0, "Total", fmts.text_bold)
    for col, pence in (
        (4, sum(f.allocation_p for f in funds)),
        (5, sum(f.spent_to_date_p for f in funds)),
        (6, sum(f.forecast_to_year_end_p for f in funds)),
        (7, sum(f.balance_at_year_end_p for f in funds)),
    ):
        formula = f"=SUM({cell(first, col)}:{cell(total - 1, col)})" if funds else "=0"
        write_cached_formula(ws, total, col, formula, pence, fmts.money_bold)
    ws.set_row(HEADER_ROW, 45)  # three-line headers in the narrow money columns
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 3, 8)
    ws.set_column(4, 7, 10)
    ws.set_column(8, 8, 6)
    ws.set_column(9, 9, 18)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, authority, title, HEADER_ROW)
    return ws
