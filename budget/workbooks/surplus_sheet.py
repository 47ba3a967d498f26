"""The Surplus share sheet: the contract's split of the net outturn position between council and trust."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.report import BUDGET_MINUS_FORECAST, OutturnReport, sign_statement
from budget.workbooks.outturn_layout import HEADER_ROW, VARIANCE_NET, OutturnLayout
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    period_title,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
    write_title_rows,
    write_wide_text,
)
from ledgers.readers.money import share_pence

WIDTHS = [46.0, 16.0, 64.0]


def write_surplus_share(
    workbook: Workbook, report: OutturnReport, fmts: Formats, layout: OutturnLayout
) -> Worksheet:
    """The contract surplus / risk share: shares as formulas where the tool's figures are that arithmetic."""
    ws = workbook.add_worksheet("Surplus share")
    s = report.surplus
    title = f"Contract surplus share {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign), WIDTHS)
    write_wide_text(
        ws,
        3,
        "Net outturn position: positive = underspend (surplus), (brackets) = overspend.",
        fmts.sign,
        WIDTHS,
    )
    write_header(ws, HEADER_ROW, ["Item", "£000", "How it is worked out"], fmts)
    ws.write_string(HEADER_ROW, 2, "How it is worked out", fmts.header)
    r = HEADER_ROW + 1  # contract value; r+1 net position; r+2, r+3 shares; r+4.. results
    contract, net, under, over = (cell(r + i, 1) for i in range(4))
    band_first = r + 10
    band_last = band_first + len(s.bands) - 1
    contract_line = next((ln for ln in report.lines if ln.name == report.contract_line), None)
    contract_how = (
        f"the revised contract sum: the forecast of the line '{contract_line.name}', "
        "which contract variations change"
        if contract_line is not None
        else "contract sum from the council (settings: [contract] value)"
    )
    rows: list[tuple[str, str | int, str]] = [
        ("Contract value", s.contract_value_p, contract_how),
        ("Net outturn position", s.net_position_p, "underspend positive, overspend negative"),
        ("Share of an underspend returned to the council", "under", "settings: surplus_share_to_council"),
        ("Share of an overspend borne by the council", "over", "settings: overspend_share_to_council"),
    ]
    for i, (label, value, how) in enumerate(rows):
        write_text(ws, r + i, 0, label, fmts.text)
        if isinstance(value, int):
            write_money(ws, r + i, 1, value, fmts.money)
        else:
            fraction = s.surplus_share_to_council if value == "under" else s.overspend_share_to_council
            ws.write_number(r + i, 1, float(fraction), fmts.percent)
        write_text(ws, r + i, 2, how, fmts.wrapped)
        fit_row(ws, r + i, [(how, WIDTHS[2]), (label, WIDTHS[0])])
    if contract_line is not None and -contract_line.figures.forecast_net_p == s.contract_value_p:
        row = layout.line_rows.get((contract_line.heading, contract_line.name))
        if row is not None:
            write_cached_formula(ws, r, 1, f"=-Lines!{cell(row, 6)}", s.contract_value_p, fmts.money)
    # the net position is the Summary's Grand Total net variance, read as "positive = underspend"
    grand = cell(layout.summary_total_row, VARIANCE_NET)
    total = report.grand_total
    if total.budget_net_p - total.forecast_net_p == s.net_position_p:
        flip = "" if report.variance_sign == BUDGET_MINUS_FORECAST else "-"
        write_cached_formula(ws, r + 1, 1, f"={flip}Summary!{grand}", s.net_position_p, fmts.money)
    by_rate = share_pence(
        s.net_position_p,
        s.surplus_share_to_council if s.net_position_p >= 0 else s.overspend_share_to_council,
    )
    if s.bands and sum(amount for _, amount in s.bands) == s.council_share_p:
        share_formula: str | None = f"=SUM({cell(band_first, 1)}:{cell(band_last, 1)})"
        share_how = "sum of the council's share in each band (below)"
    elif not s.bands and by_rate == s.council_share_p:
        share_formula = f"=ROUND(IF({net}>=0,{net}*{under},{net}*{over}),2)"
        share_how = "net position × the share for an underspend or an overspend"
    else:
        share_formula, share_how = None, "as calculated under the contract terms"
    results = [
        ("Council's share", share_formula, s.council_share_p, share_how),
        (
            report.retained_label,
            f"={net}-{cell(r + 4, 1)}"
            if s.net_position_p - s.council_share_p == s.retained_share_p
            else None,
            s.retained_share_p,
            "net position − council's share",
        ),
        (
            "Final contract sum",
            f"={contract}-{cell(r + 4, 1)}"
            if s.contract_value_p - s.council_share_p == s.final_contract_sum_p
            else None,
            s.final_contract_sum_p,
            "contract value − council's share (a returned underspend reduces it)",
        ),
    ]
    for i, (label, formula, pence, how) in enumerate(results, start=4):
        write_text(ws, r + i, 0, label, fmts.text_bold)
        if formula is None:
            write_money(ws, r + i, 1, pence, fmts.money_bold)
        else:
            write_cached_formula(ws, r + i, 1, formula, pence, fmts.money_bold)
        write_text(ws, r + i, 2, how, fmts.wrapped)
        fit_row(ws, r + i, [(how, WIDTHS[2]), (label, WIDTHS[0])])
    if s.bands:
        write_header(ws, band_first - 1, ["Band", "Council share £000"], fmts)
        for i, (description, amount) in enumerate(s.bands):
            write_text(ws, band_first + i, 0, description, fmts.wrapped)
            write_money(ws, band_first + i, 1, amount, fmts.money)
        funded_first = band_first + len(s.bands) + 2
    else:
        funded_first = band_first
    ws.write_string(
        funded_first - 2,
        0,
        "Lines funded by others (their variances are within the net position above)",
        fmts.subtitle,
    )
    write_header(ws, funded_first - 1, ["Line", "Variance Net £000", "Funded by"], fmts)
    ws.write_string(funded_first - 1, 2, "Funded by", fmts.header)
    for i, (line, funder, variance) in enumerate(s.funded_lines):
        write_text(ws, funded_first + i, 0, line, fmts.wrapped)
        write_money(ws, funded_first + i, 1, variance, fmts.money)
        write_text(ws, funded_first + i, 2, funder, fmts.wrapped)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    set_print_setup(ws, report.authority, title, HEADER_ROW, WIDTHS, funded_first + len(s.funded_lines))
    return ws
