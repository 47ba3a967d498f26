"""The Summary sheet: the headline (¶29–30 of the seed report), the table by heading (¶33) and a chart."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.headline import headline
from budget.monthend.report import BUDGET_MINUS_FORECAST, Figures, OutturnReport, rag_status, sign_statement
from budget.workbooks.outturn_layout import (
    SUMMARY_HEADER_ROW,
    SUMMARY_HEADERS,
    SUMMARY_MOVEMENT,
    SUMMARY_RAG,
    VARIANCE_NET,
    OutturnLayout,
)
from budget.workbooks.xlsx import (
    Formats,
    cell,
    figure_pence,
    fit_row,
    movement_statement,
    period_title,
    rag_formula,
    rag_legend,
    set_print_setup,
    variance_formula,
    write_cached_formula,
    write_header,
    write_money,
    write_rag_colours,
    write_text,
    write_title_rows,
    write_total_row,
    write_wide_text,
)

WIDTHS = [40.0] + [12.0] * 11  # A: heading; B–J the nine money columns; K movement; L RAG
HEADLINE_ROW, FIGURES_HEADER_ROW, FIGURES_ROW, BAND_ROW = 3, 4, 5, 8
CHART_ROWS = 20  # the chart is 380 px tall: about 20 rows of 20 px


def write_summary(
    workbook: Workbook, report: OutturnReport, fmts: Formats, layout: OutturnLayout
) -> Worksheet:
    """Summary: headline, one row per heading in budget order (gross and income read from Lines), Grand Total,
    movement, RAG, legend, and a chart of net variance by heading."""
    ws = workbook.add_worksheet("Summary")
    title = f"Forecast outturn {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign), WIDTHS)
    write_headline(ws, report, fmts, layout)
    write_band_row(ws, report, fmts)
    write_header(ws, SUMMARY_HEADER_ROW, SUMMARY_HEADERS, fmts)
    sign = report.variance_sign
    for heading in report.headings:
        row = layout.summary_rows[heading.name]
        write_text(ws, row, 0, heading.name, fmts.wrapped)
        fit_row(ws, row, [(heading.name, WIDTHS[0])])
        write_heading_figures(ws, row, heading.name, heading.figures, report, fmts, layout)
        total_row = layout.heading_total_rows.get(heading.name)
        if heading.movement_net_p is None:
            ws.write_string(row, SUMMARY_MOVEMENT, "n/a", fmts.text)
        elif total_row is not None:
            write_cached_formula(
                ws, row, SUMMARY_MOVEMENT, f"=Lines!{cell(total_row, 12)}", heading.movement_net_p, fmts.money
            )
        else:
            write_money(ws, row, SUMMARY_MOVEMENT, heading.movement_net_p, fmts.money)
        write_rag(ws, row, report, heading.figures.variances(sign)[2], heading.figures.budget_net_p, fmts)
    row = layout.summary_total_row
    first = layout.summary_first
    ws.write_string(row, 0, "Grand Total", fmts.text_bold)
    write_total_row(ws, row, list(range(first, row)), report.grand_total, sign, fmts.money_bold)
    moved = [h.movement_net_p for h in report.headings]
    if moved and all(m is not None for m in moved):
        write_cached_formula(
            ws,
            row,
            SUMMARY_MOVEMENT,
            f"=SUM({cell(first, SUMMARY_MOVEMENT)}:{cell(row - 1, SUMMARY_MOVEMENT)})",
            sum(m or 0 for m in moved),
            fmts.money_bold,
        )
    write_wide_text(ws, row + 2, movement_statement(), fmts.note, WIDTHS)
    write_wide_text(
        ws, row + 3, rag_legend(report.rag_amber, report.rag_red, report.rag_floor_p), fmts.note, WIDTHS
    )
    write_rag_colours(ws, fmts, first, row, SUMMARY_RAG)
    ws.freeze_panes(SUMMARY_HEADER_ROW + 1, 1)
    last = row + 4
    if report.headings:
        chart = workbook.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "Net variance (£000)",
                "categories": ["Summary", first, 0, row - 1, 0],
                "values": ["Summary", first, VARIANCE_NET, row - 1, VARIANCE_NET],
                "invert_if_negative": False,
                "data_labels": {"value": True, "num_format": "#,##0,;(#,##0,)", "position": "outside_end"},
            }
        )
        chart.set_title({"name": "Net variance by heading (£000)", "name_font": {"size": 11}})
        chart.set_x_axis(
            {
                "num_format": "#,##0,;(#,##0,)",
                "name": "positive = underspend, (brackets) = overspend"
                if sign == BUDGET_MINUS_FORECAST
                else "positive = overspend, (brackets) = underspend",
                "name_font": {"size": 9, "bold": False},
            }
        )
        chart.set_y_axis({"reverse": True, "label_position": "low", "num_font": {"size": 9}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 880, "height": 360 + 18 * len(report.headings)})
        ws.insert_chart(last + 1, 0, chart, {"x_offset": 10, "y_offset": 5})
        last += 2 + CHART_ROWS + len(report.headings)
    set_print_setup(ws, report.authority, title, SUMMARY_HEADER_ROW, WIDTHS, last)
    return ws


def write_heading_figures(
    ws: Worksheet,
    row: int,
    heading: str,
    figures: Figures,
    report: OutturnReport,
    fmts: Formats,
    layout: OutturnLayout,
) -> None:
    """B–J of a heading: gross and income are the heading's total row on Lines; net and variances formulas."""
    values = figure_pence(figures, report.variance_sign)
    total_row = layout.heading_total_rows.get(heading)
    for col in (1, 2, 4, 5):
        if total_row is None:
            write_money(ws, row, col, values[col - 1], fmts.money)
        else:
            write_cached_formula(ws, row, col, f"=Lines!{cell(total_row, col)}", values[col - 1], fmts.money)
    write_cached_formula(ws, row, 3, f"={cell(row, 1)}+{cell(row, 2)}", values[2], fmts.money)
    write_cached_formula(ws, row, 6, f"={cell(row, 4)}+{cell(row, 5)}", values[5], fmts.money)
    for col, (budget_col, forecast_col) in enumerate([(1, 4), (2, 5), (3, 6)], start=7):
        formula = variance_formula(cell(row, budget_col), cell(row, forecast_col), report.variance_sign)
        write_cached_formula(ws, row, col, formula, values[col - 1], fmts.money)


def write_rag(
    ws: Worksheet, row: int, report: OutturnReport, variance_p: int, budget_p: int, fmts: Formats
) -> None:
    """The RAG word as a live formula on the row's variance and budget net, cached from the tool's rule."""
    word = rag_status(
        variance_p, budget_p, report.variance_sign, report.rag_amber, report.rag_red, report.rag_floor_p
    )
    formula = rag_formula(
        cell(row, VARIANCE_NET), cell(row, 3), report.variance_sign, report.rag_amber, report.rag_red,
        report.rag_floor_p,
    )  # fmt: skip
    ws.write_formula(row, SUMMARY_RAG, formula, fmts.text, word)


def write_band_row(ws: Worksheet, report: OutturnReport, fmts: Formats) -> None:
    """The band over the money columns: '2019/20 Budget £000 | Forecast Outturn £000 | Variance £000'."""
    fy = report.financial_year
    for first, text in (
        (1, f"{fy} Budget £000"),
        (4, f"{fy} Forecast Outturn £000"),
        (7, f"{fy} Variance £000"),
    ):
        ws.merge_range(BAND_ROW, first, BAND_ROW, first + 2, text, fmts.band)


def write_headline(ws: Worksheet, report: OutturnReport, fmts: Formats, layout: OutturnLayout) -> None:
    """The headline sentences, then its figures as a small table (live on the Grand Total row)."""
    h = headline(report)
    write_wide_text(ws, HEADLINE_ROW, " ".join(h.sentences), fmts.headline, WIDTHS)
    month, quarter = report.month_movement, report.quarter_movement
    headers = [
        "Headline (services: the contract sum left out)",
        "Net budget",
        "Forecast net outturn",
        "Variance",
        "Variance % of net budget",
        f"Forecast change since P{month.period_no}" if month else "Forecast change since last month",
        f"Forecast change since P{quarter.period_no}" if quarter else "Forecast change since quarter end",
    ]
    write_header(ws, FIGURES_HEADER_ROW, headers, fmts)
    ws.set_row(FIGURES_HEADER_ROW, 45)
    grand = layout.summary_total_row
    contract_heading = next((ln.heading for ln in report.lines if ln.name == report.contract_line), None)
    heading_is_contract = (
        contract_heading in layout.summary_rows
        and sum(1 for ln in report.lines if ln.heading == contract_heading) == 1
    )
    r = FIGURES_ROW
    ws.write_string(r, 0, "£000", fmts.text)
    if contract_heading is None or heading_is_contract:
        crow = layout.summary_rows.get(contract_heading or "")
        less, less_f = ("", "") if crow is None else (f"-{cell(crow, 3)}", f"-{cell(crow, 6)}")
        write_cached_formula(ws, r, 1, f"={cell(grand, 3)}{less}", h.net_budget_p, fmts.money_bold)
        write_cached_formula(ws, r, 2, f"={cell(grand, 6)}{less_f}", h.forecast_net_p, fmts.money_bold)
    else:
        write_money(ws, r, 1, h.net_budget_p, fmts.money_bold)
        write_money(ws, r, 2, h.forecast_net_p, fmts.money_bold)
    write_cached_formula(ws, r, 3, f"={cell(grand, VARIANCE_NET)}", h.variance_p, fmts.money_bold)
    if h.net_budget_p:
        share = abs(h.variance_p) / abs(h.net_budget_p)
        ws.write_formula(
            r, 4, f"=IF({cell(r, 1)}=0,0,ABS({cell(r, 3)})/ABS({cell(r, 1)}))", fmts.percent_bold, share
        )
    for col, m in ((5, month), (6, quarter)):
        if m is None:
            ws.write_string(r, col, "n/a", fmts.text)
        else:
            write_money(ws, r, col, m.forecast_change_p, fmts.money_bold)
