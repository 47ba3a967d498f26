"""The Cash sheet: month-end cash balances to the year end, the lowest point, a chart, and each line's cash.

Written into the outturn workbook (``outturn --cash``) or a workbook of its own (``careladder cash --out``).
Totals, net flows and balances are live formulas whose cached values are the tool's figures.
"""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.cash import CashLine, CashPosition
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    formats_for,
    period_title,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
)

SHEET = "Cash"
HEADER_ROW = 5
FIRST_MONTH_COL = 2  # A label, B lag, C.. months


def write_cash_workbook(cash: CashPosition, path: Path) -> None:
    """A workbook holding the Cash sheet alone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(str(path))
    try:
        write_cash(workbook, cash, formats_for(workbook))
    finally:
        workbook.close()


def _sum_cells(cells: list[str]) -> str:
    return "=" + ("+".join(cells) if cells else "0")


def write_cash(workbook: Workbook, cash: CashPosition, fmts: Formats) -> Worksheet:
    """The Cash sheet (months across, from the month after the opening balance to March)."""
    ws = workbook.add_worksheet(SHEET)
    title = f"Cash position to the year end {period_title(cash.financial_year, cash.period, cash.period_no)}"
    write_text(ws, 0, 0, cash.authority, fmts.title)
    write_text(ws, 1, 0, title, fmts.subtitle)
    n = len(cash.months)
    cols = [FIRST_MONTH_COL + i for i in range(n)]
    total_col = FIRST_MONTH_COL + n
    note = workbook.add_format({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"})
    width = 26 + 4 + 7.5 * n + 9
    sign = (
        "Cash in (contract, income) positive, cash out (expenditure paid) positive and taken off; "
        "figures shown in £000, cells hold pounds."
    )
    write_note(ws, 2, total_col, sign, note, width)
    opening = f"Opening balance at {cash.opening_at:%d/%m/%Y}: {cash.opening_source}."
    write_note(ws, 3, total_col, opening, note, width)
    months = [m.month.strftime("%b %y") for m in cash.months]
    headers = ["£000", "", *months, "Year"]
    write_header(ws, HEADER_ROW, headers, fmts, FIRST_MONTH_COL)
    r_bf, r_contract, r_income, r_paid, r_net, r_close = (HEADER_ROW + 1 + i for i in range(6))
    income_lines = [c for c in cash.lines if c.kind == "income"]
    paid_lines = [c for c in cash.lines if c.kind == "expenditure"]
    r_lines_income = r_close + 24  # below the lowest point and the chart
    r_lines_paid = r_lines_income + len(income_lines) + 3
    labels = [
        (r_bf, "Balance brought forward"),
        (r_contract, "Contract from the council"),
        (r_income, "Other income received"),
        (r_paid, "Expenditure paid"),
        (r_net, "Net cash flow"),
        (r_close, "Month-end balance"),
    ]
    for row, label in labels:
        write_text(ws, row, 0, label, fmts.text_bold if row in (r_net, r_close) else fmts.text)
    balance = cash.opening_p
    for i, (m, col) in enumerate(zip(cash.months, cols, strict=True)):
        if i == 0:
            write_money(ws, r_bf, col, balance, fmts.money)
        else:
            write_cached_formula(ws, r_bf, col, f"={cell(r_close, col - 1)}", balance, fmts.money)
        write_money(ws, r_contract, col, m.contract_p, fmts.money)
        inc = [cell(r_lines_income + j, col) for j in range(len(income_lines))]
        out = [cell(r_lines_paid + j, col) for j in range(len(paid_lines))]
        write_cached_formula(ws, r_income, col, _sum_cells(inc), m.other_income_p, fmts.money)
        write_cached_formula(ws, r_paid, col, _sum_cells(out), m.expenditure_p, fmts.money)
        net = f"={cell(r_contract, col)}+{cell(r_income, col)}-{cell(r_paid, col)}"
        write_cached_formula(ws, r_net, col, net, m.net_p, fmts.money)
        write_cached_formula(
            ws, r_close, col, f"={cell(r_bf, col)}+{cell(r_net, col)}", m.closing_p, fmts.money_bold
        )
        balance = m.closing_p
    if n:
        for row, pence in (
            (r_contract, sum(m.contract_p for m in cash.months)),
            (r_income, sum(m.other_income_p for m in cash.months)),
            (r_paid, sum(m.expenditure_p for m in cash.months)),
            (r_net, sum(m.net_p for m in cash.months)),
        ):
            formula = f"=SUM({cell(row, cols[0])}:{cell(row, cols[-1])})"
            write_cached_formula(ws, row, total_col, formula, pence, fmts.money)
    low = cash.lowest
    r_low = r_close + 2
    write_text(ws, r_low, 0, "Lowest month-end balance", fmts.text_bold)
    if low is not None:
        span = f"{cell(r_close, cols[0])}:{cell(r_close, cols[-1])}"
        names = f"{cell(HEADER_ROW, cols[0])}:{cell(HEADER_ROW, cols[-1])}"
        write_cached_formula(ws, r_low, FIRST_MONTH_COL, f"=MIN({span})", low.closing_p, fmts.money_bold)
        ws.write_formula(
            r_low, FIRST_MONTH_COL + 1, f"=INDEX({names},MATCH(MIN({span}),{span},0))", fmts.text_bold,
            low.month.strftime("%b %y"),
        )  # fmt: skip
        write_text(ws, r_low + 1, 0, f"lowest at the end of {low.month:%B %Y}", fmts.sign)
        chart = workbook.add_chart({"type": "line"})
        chart.add_series(
            {
                "name": "Month-end balance",
                "categories": [SHEET, HEADER_ROW, cols[0], HEADER_ROW, cols[-1]],
                "values": [SHEET, r_close, cols[0], r_close, cols[-1]],
                "marker": {"type": "circle"},
            }
        )
        chart.set_title({"name": "Month-end cash balance (£000)"})
        chart.set_y_axis({"num_format": "#,##0,;(#,##0,)", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 820, "height": 300})
        ws.insert_chart(r_low + 3, 0, chart)
    whole = workbook.add_format({"num_format": "0", "valign": "top"})
    for row, caption, lines in (
        (r_lines_income - 1, "Other income received, by line", income_lines),
        (r_lines_paid - 1, "Expenditure paid, by line", paid_lines),
    ):
        _line_rows(ws, fmts, whole, row, caption, lines, months, cols, total_col)
    r_notes = r_lines_paid + len(paid_lines) + 1
    for i, text in enumerate(cash.notes):
        write_note(ws, r_notes + i, total_col, text, note, width)
    # widths for one page across at about 75% (A4 landscape): 12 months of £000 need little room
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 4)
    ws.set_column(FIRST_MONTH_COL, total_col - 1, 7.5)
    ws.set_column(total_col, total_col, 9)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, cash.authority, title, HEADER_ROW)
    return ws


def write_note(ws: Worksheet, row: int, last_col: int, text: str, fmt: Format, width: float) -> None:
    """A sentence wrapped across the table's width (long text left to overflow would widen the printed page)."""
    if last_col > 0:
        ws.merge_range(row, 0, row, last_col, "", fmt)
    write_text(ws, row, 0, text, fmt)
    fit_row(ws, row, [(text, width)])


def _line_rows(
    ws: Worksheet,
    fmts: Formats,
    whole: Format,
    row: int,
    title: str,
    lines: list[CashLine],
    months: list[str],
    cols: list[int],
    total_col: int,
) -> None:
    ws.write_string(row - 1, 0, f"{title} (lag: months from spend or income to cash)", fmts.subtitle)
    write_header(ws, row, ["Line", "Lag", *months, "Year"], fmts, 1)
    for j, c in enumerate(lines):
        r = row + 1 + j
        write_text(ws, r, 0, c.line, fmts.wrapped)
        fit_row(ws, r, [(c.line, 24)])  # 26 wide holds about 24 characters of a line's name in print
        ws.write_number(r, 1, c.lag, whole)
        for col, pence in zip(cols, c.amounts_p, strict=True):
            write_money(ws, r, col, pence, fmts.money)
        if cols:
            formula = f"=SUM({cell(r, cols[0])}:{cell(r, cols[-1])})"
            write_cached_formula(ws, r, total_col, formula, sum(c.amounts_p), fmts.money)
