"""The `Savings` sheet of the outturn workbook: the MTFS savings tracker with live totals."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.plans.savings import SavingsTracker, TrackerRow
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_rag_colours,
    write_text,
    write_title_rows,
    write_wide_text,
)

SAVINGS_HEADERS = [
    "Scheme", "Line", "Year", "Owner", "Basis of forecast", "Target", "Delivered to date", "Forecast",
    "At risk", "RAG", "Slipped to next year", "Written off", "Recurrent", "Mitigation",
    "Full-year effect (modelled)",
]  # fmt: skip
FULL_YEAR_COL = 14  # O: modelled schemes only; not totalled (each year's figure is cumulative)
MONEY_COLS = (5, 6, 7, 8, 10, 11)  # F G H I K L
HEADER_ROW = 4
# A scheme; B line; C year; D owner; E basis; F–L money and RAG; M recurrent; N mitigation; O full-year effect
WIDTHS = [34.0, 24.0, 8.0, 14.0, 14.0, 11.0, 11.0, 11.0, 11.0, 11.0, 11.0, 11.0, 9.0, 30.0, 12.0]
SIGN = "Savings positive: at risk = target − forecast, so a positive figure is a shortfall, (brackets) over-delivery."


def _row_pence(r: TrackerRow) -> dict[int, int]:
    return {
        5: r.target_p,
        6: r.delivered_p,
        7: r.forecast_p,
        8: r.at_risk_p,
        10: r.slipped_p,
        11: r.written_off_p,
    }


def write_savings(
    workbook: Workbook, tracker: SavingsTracker, fmts: Formats, authority: str, period_label: str
) -> Worksheet:
    """Every scheme by year (subtotals per year, grand total), then totals by line (SUMIF), RAG colours."""
    ws = workbook.add_worksheet("Savings")
    title = f"MTFS savings tracker {period_label}"
    write_title_rows(ws, fmts, authority, title, SIGN, WIDTHS)
    write_wide_text(
        ws,
        3,
        f"RAG: red when more than {tracker.red_at_risk:.0%} of the target is at risk, amber when any is. "
        "Closed years: undelivered recurrent savings slip to next year, one-off savings are written off. "
        "Full-year effect: a modelled scheme's children moved by the year end, a whole year at that year's "
        "prices, less the whole running cost (the forecast is the part-year increase). "
        "Not assessed: no forecast yet, so the target is assumed.",
        fmts.note,
        WIDTHS,
    )
    write_header(ws, HEADER_ROW, SAVINGS_HEADERS, fmts, money_from=5)
    ws.set_row(HEADER_ROW, 45)  # three-line headers in the narrow money columns
    row = HEADER_ROW + 1
    detail_first = row
    subtotals: list[int] = []
    grand = {c: 0 for c in MONEY_COLS}
    for year in tracker.years():
        rows = [r for r in tracker.rows if r.year == year]
        first = row
        totals = {c: 0 for c in MONEY_COLS}
        for r in rows:
            write_text(ws, row, 0, r.scheme, fmts.wrapped)
            write_text(ws, row, 1, r.line, fmts.wrapped)
            write_text(ws, row, 2, r.year, fmts.text)
            write_text(ws, row, 3, r.owner, fmts.text)
            write_text(ws, row, 4, r.basis, fmts.text)
            pence = _row_pence(r)
            for c in (5, 6, 7, 10, 11):
                write_money(ws, row, c, pence[c], fmts.money)
            write_cached_formula(ws, row, 8, f"={cell(row, 5)}-{cell(row, 7)}", pence[8], fmts.money)
            write_text(ws, row, 9, r.rag, fmts.text)
            write_text(ws, row, 12, "yes" if r.recurrent else "no", fmts.text)
            write_text(ws, row, 13, r.mitigation, fmts.wrapped)
            fit_row(ws, row, [(r.scheme, WIDTHS[0]), (r.line, WIDTHS[1]), (r.mitigation, WIDTHS[13])])
            if r.full_year_p is not None:
                write_money(ws, row, FULL_YEAR_COL, r.full_year_p, fmts.money)
            for c in MONEY_COLS:
                totals[c] += pence[c]
            row += 1
        write_text(ws, row, 0, f"Total {year}", fmts.text_bold)
        for c in MONEY_COLS:
            write_cached_formula(
                ws, row, c, f"=SUM({cell(first, c)}:{cell(row - 1, c)})", totals[c], fmts.money_bold
            )
            grand[c] += totals[c]
        subtotals.append(row)
        row += 2
    detail_last = row - 1
    ws.write_string(row, 0, "Grand Total", fmts.text_bold)
    for c in MONEY_COLS:
        formula = "=" + ("+".join(cell(r, c) for r in subtotals) if subtotals else "0")
        write_cached_formula(ws, row, c, formula, grand[c], fmts.money_bold)
    write_rag_colours(ws, fmts, detail_first, row, 9)
    row = _by_line(ws, row + 3, tracker, fmts, detail_first, detail_last)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, authority, title, HEADER_ROW, WIDTHS, row)
    return ws


def _by_line(ws: Worksheet, row: int, tracker: SavingsTracker, fmts: Formats, first: int, last: int) -> int:
    """Totals by line over every year: SUMIF of the scheme rows above, cached from the tracker."""
    ws.write_string(row, 0, "Totals by line (every year)", fmts.subtitle)
    headers = ["Line", "", "", "", "", "Target", "Delivered to date", "Forecast", "At risk"]
    write_header(ws, row + 1, headers, fmts, money_from=5)
    row += 2
    for line, (target, delivered, forecast) in tracker.totals_by_line().items():
        write_text(ws, row, 0, line, fmts.text)
        crit = cell(row, 0, absolute=True)
        keys = f"{cell(first, 1, absolute=True)}:{cell(last, 1, absolute=True)}"
        for c, pence in ((5, target), (6, delivered), (7, forecast)):
            span = f"{cell(first, c, absolute=True)}:{cell(last, c, absolute=True)}"
            write_cached_formula(ws, row, c, f"=SUMIF({keys},{crit},{span})", pence, fmts.money)
        write_cached_formula(ws, row, 8, f"={cell(row, 5)}-{cell(row, 7)}", target - forecast, fmts.money)
        row += 1
    return row
