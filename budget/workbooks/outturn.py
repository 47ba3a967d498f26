"""The outturn workbook: Summary and Lines (live formulas with cached values), then the detail sheets."""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.report import (
    BUDGET_MINUS_FORECAST,
    Figures,
    LineResult,
    OutturnReport,
    VarianceRow,
    sign_statement,
    variance_key,
)
from budget.workbooks.cash import write_cash
from budget.workbooks.funding import write_funding
from budget.workbooks.savings import write_savings
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    formats_for,
    period_title,
    set_print_setup,
    write_cached_formula,
    write_figure_row,
    write_header,
    write_money,
    write_text,
    write_title_rows,
    write_total_row,
)
from ledgers.readers.money import share_pence

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
SUMMARY_HEADERS = ["Heading", *FIGURE_HEADERS]
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
HEADER_ROW = 4  # zero-based: the table header sits on Excel row 5, the first data row on row 6
SUSPENSE_NOTE = "Suspense: ledger rows that match no mapping (see Notes)"


def write_outturn_workbook(report: OutturnReport, path: Path) -> None:
    """Write the month-end outturn workbook (Summary, Lines, Variances, Surplus share, Notes) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(str(path))
    try:
        fmts = formats_for(workbook)
        write_summary(workbook, report, fmts)
        line_rows = write_lines(workbook, report, fmts)
        write_variances(workbook, report, fmts, line_rows)
        write_surplus_share(workbook, report, fmts)
        if report.savings is not None and report.savings.rows:
            write_savings(
                workbook,
                report.savings,
                fmts,
                report.authority,
                period_title(report.financial_year, report.period, report.period_no),
            )
        if report.funding:
            write_funding(
                workbook, report.funding, fmts, report.authority,
                period_title(report.financial_year, report.period, report.period_no),
            )  # fmt: skip
        if report.cash is not None:
            write_cash(workbook, report.cash, fmts)
        write_notes(workbook, report, fmts)
    finally:
        workbook.close()


def write_summary(workbook: Workbook, report: OutturnReport, fmts: Formats) -> Worksheet:
    """Summary: one row per heading in budget order, Grand Total, and a chart of net variance by heading."""
    ws = workbook.add_worksheet("Summary")
    title = f"Forecast outturn {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign))
    write_header(ws, HEADER_ROW, SUMMARY_HEADERS, fmts)
    row = HEADER_ROW + 1
    for heading in report.headings:
        write_text(ws, row, 0, heading.name, fmts.text)
        write_figure_row(ws, row, heading.figures, report.variance_sign, fmts.money)
        row += 1
    first, last = HEADER_ROW + 1, row - 1
    ws.write_string(row, 0, "Grand Total", fmts.text_bold)
    write_total_row(
        ws, row, list(range(first, row)), report.grand_total, report.variance_sign, fmts.money_bold
    )
    ws.set_column(0, 0, 46)
    ws.set_column(1, 9, 13)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, report.authority, title, HEADER_ROW)
    if report.headings:
        chart = workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Net variance (£000)",
                "categories": ["Summary", first, 0, last, 0],
                "values": ["Summary", first, 9, last, 9],
                "invert_if_negative": False,
            }
        )
        chart.set_title({"name": "Net variance by heading (£000)"})
        chart.set_y_axis({"num_format": "#,##0,;(#,##0,)", "name": sign_statement(report.variance_sign)})
        chart.set_legend({"none": True})
        chart.set_size({"width": 900, "height": 380})
        ws.insert_chart(row + 3, 0, chart)
    return ws


def grouped_lines(report: OutturnReport) -> list[tuple[str, list[LineResult]]]:
    """Lines grouped under their heading: headings in budget order, then any heading only lines name."""
    groups: dict[str, list[LineResult]] = {h.name: [] for h in report.headings}
    for line in report.lines:
        groups.setdefault(line.heading, []).append(line)
    return [(name, lines) for name, lines in groups.items() if lines]


def write_line_extras(ws: Worksheet, row: int, line: LineResult, fmts: Formats) -> None:
    """Columns K–R of a line: method, adjustments, movement, RAG, best/worst case, funder, note."""
    text = fmts.suspense_text if line.is_suspense else fmts.text
    money = fmts.suspense_money if line.is_suspense else fmts.money
    write_text(ws, row, 10, line.method, text)
    write_money(ws, row, 11, line.adjustments_p, money)
    if line.movement_net_p is None:
        ws.write_string(row, 12, "n/a", text)
    else:
        write_money(ws, row, 12, line.movement_net_p, money)
    write_text(ws, row, 13, line.rag, text)
    write_money(ws, row, 14, line.best_net_p, money)
    write_money(ws, row, 15, line.worst_net_p, money)
    write_text(ws, row, 16, line.funded_by, text)
    note = SUSPENSE_NOTE if line.is_suspense else line.method_note
    write_text(ws, row, 17, note, fmts.wrapped)
    fit_row(ws, row, [(note, 50)])


def write_lines(workbook: Workbook, report: OutturnReport, fmts: Formats) -> dict[tuple[str, str], int]:
    """Lines: each heading's lines with a SUM subtotal row, a Grand Total, RAG colours by formula.

    Returns the row of each (heading, line), so the Variances sheet can refer to its variance cells."""
    ws = workbook.add_worksheet("Lines")
    title = f"Forecast outturn by line {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign))
    write_header(ws, HEADER_ROW, LINES_HEADERS, fmts)
    sign = report.variance_sign
    row = HEADER_ROW + 1
    subtotal_rows: list[int] = []
    rows_by_line: dict[tuple[str, str], int] = {}
    total = Figures()
    for heading, lines in grouped_lines(report):
        write_text(ws, row, 0, heading, fmts.text_bold)
        row += 1
        line_rows: list[int] = []
        subtotal = Figures()
        for line in lines:
            money = fmts.suspense_money if line.is_suspense else fmts.money
            write_text(ws, row, 0, line.name, fmts.suspense_text if line.is_suspense else fmts.text)
            write_figure_row(ws, row, line.figures, sign, money)
            write_line_extras(ws, row, line, fmts)
            subtotal.add(line.figures)
            line_rows.append(row)
            rows_by_line[(heading, line.name)] = row
            row += 1
        write_text(ws, row, 0, f"Total {heading}", fmts.text_bold)
        write_total_row(ws, row, line_rows, subtotal, sign, fmts.money_bold)
        adjustments = sum(line.adjustments_p for line in lines)
        formula = f"=SUM({cell(line_rows[0], 11)}:{cell(line_rows[-1], 11)})"
        write_cached_formula(ws, row, 11, formula, adjustments, fmts.money_bold)
        subtotal_rows.append(row)
        total.add(subtotal)
        row += 2
    ws.write_string(row, 0, "Grand Total", fmts.text_bold)
    write_total_row(ws, row, subtotal_rows, total, sign, fmts.money_bold)
    write_rag_colours(ws, report, fmts, HEADER_ROW + 1, row)
    ws.set_column(0, 0, 46)
    ws.set_column(1, 9, 13)
    ws.set_column(10, 10, 16)
    ws.set_column(11, 15, 12)
    ws.set_column(16, 16, 24)
    ws.set_column(17, 17, 50)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, report.authority, title, HEADER_ROW)
    ws.set_paper(8)  # A3: the Lines sheet is 18 columns wide
    return rows_by_line


def write_rag_colours(ws: Worksheet, report: OutturnReport, fmts: Formats, first: int, last: int) -> None:
    """Red / amber fill on the RAG column when |variance net| ≥ red / amber share of |budget net|."""
    variance, budget = f"$J{first + 1}", f"$D{first + 1}"
    for share, fmt in ((report.rag_red, fmts.red), (report.rag_amber, fmts.amber)):
        formula = f"=AND(ISNUMBER({variance}),{variance}<>0,ABS({variance})>={share}*ABS({budget}))"
        ws.conditional_format(
            first, 13, last, 13, {"type": "formula", "criteria": formula, "format": fmt, "stop_if_true": True}
        )


VARIANCE_HEADERS = ["Level", "Heading", "Name", "Amount", "Direction", "Explanation", "Commentary", "Key"]


def variance_formula_for(
    v: VarianceRow, report: OutturnReport, line_rows: dict[tuple[str, str], int]
) -> str | None:
    """A live formula for a Variances amount: the Summary's or the Lines sheet's variance net cell, or for the
    grouped row the sum of its lines' cells. None (a plain value) unless the cells add up to the row's amount."""
    net = 9  # column J: Variance Net on Summary and Lines
    sign = report.variance_sign
    if v.level == "heading":
        for i, h in enumerate(report.headings):
            if h.name == v.name and h.figures.variances(sign)[2] == v.amount_p:
                return f"=Summary!{cell(HEADER_ROW + 1 + i, net)}"
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
    workbook: Workbook, report: OutturnReport, fmts: Formats, line_rows: dict[tuple[str, str], int]
) -> Worksheet:
    """Variances at or over the threshold, with an open Commentary column and a hidden Key column."""
    ws = workbook.add_worksheet("Variances")
    period = period_title(report.financial_year, report.period, report.period_no)
    title = f"Variances at or over £{report.threshold_p // 100:,} {period}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign))
    for col, text in enumerate(VARIANCE_HEADERS):
        ws.write_string(HEADER_ROW, col, text, fmts.header_money if col == 3 else fmts.header)
    row = HEADER_ROW + 1
    for v in report.variances:
        text = fmts.text_bold if v.level == "heading" else fmts.text
        write_text(ws, row, 0, v.level, text)
        write_text(ws, row, 1, v.heading, text)
        write_text(ws, row, 2, v.name, text)
        formula = variance_formula_for(v, report, line_rows)
        if formula is None:
            write_money(ws, row, 3, v.amount_p, fmts.money)
        else:
            write_cached_formula(ws, row, 3, formula, v.amount_p, fmts.money)
        write_text(ws, row, 4, v.direction, text)
        write_text(ws, row, 5, v.explanation, fmts.wrapped)
        write_text(ws, row, 6, v.commentary, fmts.unlocked_text)
        write_text(ws, row, 7, variance_key(v.level, v.name, v.heading), fmts.text)
        fit_row(ws, row, [(v.explanation, 60), (v.commentary, 60)])
        row += 1
    ws.set_column(0, 0, 9)
    ws.set_column(1, 2, 32)
    ws.set_column(3, 3, 12)
    ws.set_column(4, 4, 12)
    ws.set_column(5, 6, 60)
    ws.set_column(7, 7, 30, None, {"hidden": True})
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True})
    set_print_setup(ws, report.authority, title, HEADER_ROW)
    return ws


def write_surplus_share(workbook: Workbook, report: OutturnReport, fmts: Formats) -> Worksheet:
    """The contract surplus / risk share: shares as formulas where the tool's figures are that arithmetic."""
    ws = workbook.add_worksheet("Surplus share")
    s = report.surplus
    title = f"Contract surplus share {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign))
    ws.write_string(
        3, 0, "Net outturn position: positive = underspend (surplus), (brackets) = overspend.", fmts.sign
    )
    write_header(ws, HEADER_ROW, ["Item", "£000", "How it is worked out"], fmts)
    r = HEADER_ROW + 1  # contract value; r+1 net position; r+2, r+3 shares; r+4.. results
    contract, net, under, over = (cell(r + i, 1) for i in range(4))
    band_first = r + 10
    band_last = band_first + len(s.bands) - 1
    rows: list[tuple[str, str | int, str]] = [
        ("Contract value", s.contract_value_p, "contract sum from the council (settings)"),
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
        write_text(ws, r + i, 2, how, fmts.text)
    # the net position is the Summary's Grand Total net variance, read as "positive = underspend"
    grand = cell(HEADER_ROW + 1 + len(report.headings), 9)
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
            "Trust's retained share",
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
        write_text(ws, r + i, 2, how, fmts.text)
    write_header(ws, band_first - 1, ["Band", "Council share £000"], fmts)
    for i, (description, amount) in enumerate(s.bands):
        write_text(ws, band_first + i, 0, description, fmts.text)
        write_money(ws, band_first + i, 1, amount, fmts.money)
    funded_first = band_first + len(s.bands) + 2
    ws.write_string(
        funded_first - 2,
        0,
        "Lines funded by others (their variances are within the net position above)",
        fmts.subtitle,
    )
    write_header(ws, funded_first - 1, ["Line", "Variance Net £000", "Funded by"], fmts)
    for i, (line, funder, variance) in enumerate(s.funded_lines):
        write_text(ws, funded_first + i, 0, line, fmts.text)
        write_money(ws, funded_first + i, 1, variance, fmts.money)
        write_text(ws, funded_first + i, 2, funder, fmts.text)
    ws.set_column(0, 0, 50)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 60)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    set_print_setup(ws, report.authority, title, HEADER_ROW)
    return ws


def write_table(ws: Worksheet, row: int, fmts: Formats, title: str, headers: list[str]) -> int:
    """A sub-table's title and header rows; returns its first data row."""
    ws.write_string(row, 0, title, fmts.subtitle)
    write_header(ws, row + 1, headers, fmts, money_from=len(headers))
    return row + 2


def write_notes(workbook: Workbook, report: OutturnReport, fmts: Formats) -> Worksheet:
    """Notes: period, data as at, sign convention, the report's notes, methods, adjustments, suspense."""
    ws = workbook.add_worksheet("Notes")
    period = period_title(report.financial_year, report.period, report.period_no)
    title = f"Notes to the forecast outturn {period}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign))
    write_header(ws, HEADER_ROW, ["Item", "Detail"], fmts, money_from=2)
    facts = [
        ("Period", f"P{report.period_no} ({report.period}), financial year {report.financial_year}"),
        ("Data as at", report.data_as_at or "not recorded"),
        ("Sign convention", sign_statement(report.variance_sign)),
        ("Variance threshold", f"£{report.threshold_p / 100:,.0f}: variances at or over this are explained"),
        ("RAG", f"amber from {report.rag_amber:.0%} of budget net, red from {report.rag_red:.0%}"),
        *report.notes,
    ]
    row = HEADER_ROW + 1
    for label, text in facts:
        write_text(ws, row, 0, label, fmts.text_bold)
        write_text(ws, row, 1, text, fmts.wrapped)
        fit_row(ws, row, [(text, 70)])
        row += 1
    row = write_table(ws, row + 1, fmts, "Forecast methods", ["Line", "Method"])
    for line in report.lines:
        method = line.method + (f": {line.method_note}" if line.method_note else "")
        write_text(ws, row, 0, line.name, fmts.text)
        write_text(ws, row, 1, method, fmts.wrapped)
        fit_row(ws, row, [(method, 70)])
        row += 1
    row = write_table(ws, row + 1, fmts, "Adjustments", ["Line", "Reason", "Amount £"])
    for line_name, pence, reason in report.adjustments:
        write_text(ws, row, 0, line_name, fmts.text)
        write_text(ws, row, 1, reason, fmts.wrapped)
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
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 3, 16)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    set_print_setup(ws, report.authority, title, HEADER_ROW)
    return ws
