"""The Monthly sheet: each line's actual net by month to date, the forecast for each month after and the budget
profile, with cumulative totals (live formulas, values cached), and a chart for each heading."""

from __future__ import annotations

from itertools import accumulate

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.monthly import MonthlyLine, MonthlyView
from budget.monthend.report import OutturnReport
from budget.workbooks.trajectory import chart_page_breaks, write_note
from budget.workbooks.xlsx import (
    Formats,
    cell,
    footer_text,
    period_title,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
)

SHEET = "Monthly"
FIRST = 1  # P1 in column B … P12 in column M
OTHER_COL, YEAR_COL = 13, 14
NAME_WIDTH, MONEY_WIDTH = 38, 8.5
CHART_W, CHART_H, CHART_ROWS = 500, 250, 14
FORECAST_FILL = "#EDEDED"


def _sum(rows: list[int], col: int) -> str:
    if not rows:
        return "=0"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"=SUM({cell(rows[0], col)}:{cell(rows[-1], col)})"
    return "=SUM(" + ",".join(cell(r, col) for r in rows) + ")"


def _grouped(view: MonthlyView) -> list[tuple[str, list[MonthlyLine]]]:
    groups: dict[str, list[MonthlyLine]] = {}
    for ln in view.lines:
        groups.setdefault(ln.heading, []).append(ln)
    return list(groups.items())


def write_monthly(workbook: Workbook, report: OutturnReport, fmts: Formats) -> Worksheet | None:
    """The Monthly sheet (None when the report carries no month-by-month view)."""
    view = report.monthly
    if view is None:
        return None
    ws = workbook.add_worksheet(SHEET)
    forecast_money = workbook.add_format({"num_format": "#,##0,;(#,##0,);-", "bg_color": FORECAST_FILL})
    forecast_bold = workbook.add_format(
        {"num_format": "#,##0,;(#,##0,);-", "bg_color": FORECAST_FILL, "bold": True, "top": 1, "bottom": 6}
    )
    title = f"Month by month {period_title(report.financial_year, report.period, report.period_no)}"
    p = view.period_no
    write_text(ws, 0, 0, report.authority, fmts.title)
    write_text(ws, 1, 0, title, fmts.subtitle)
    write_note(
        ws,
        2,
        YEAR_COL,
        f"Net spend (expenditure less income), £000; cells hold pounds. P1–P{p}: actuals; shaded months: "
        "the forecast. Accruals and adjustments: in the forecast outturn but in no month (placement days not "
        "yet invoiced, officers' adjustments). Year total = the Lines sheet's forecast net.",
        workbook.add_format({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"}),
    )
    months = [f"{label} {'actual' if q <= p else 'forecast'}" for q, label in enumerate(view.month_labels, 1)]
    row = 4
    write_text(ws, row, 0, "Actual and forecast net spend by month", fmts.subtitle)
    row += 1
    header_row = row
    write_header(ws, row, ["Line", *months, "Accruals and adjustments", "Year total"], fmts)
    spend_rows, row = _table(ws, view, fmts, row + 1, p, forecast_money, forecast_bold, profile=False)
    row += 2
    write_text(ws, row, 0, "Budget profile by month", fmts.subtitle)
    row += 1
    write_header(ws, row, ["Line", *view.month_labels, "", "Year total"], fmts)
    profile_rows, row = _table(ws, view, fmts, row + 1, p, forecast_money, forecast_bold, profile=True)
    row += 2
    row = _charts(workbook, ws, view, fmts, spend_rows, profile_rows, header_row, row)
    ws.set_column(0, 0, NAME_WIDTH)
    ws.set_column(1, YEAR_COL, MONEY_WIDTH)
    ws.freeze_panes(header_row + 1, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(
        0, 1
    )  # the authority and title on every page; each table on the sheet carries its own header
    ws.set_footer(f"&L{footer_text(report.authority)}&C{footer_text(title)}&RPage &P of &N")
    ws.print_area(0, 0, row, YEAR_COL)
    return ws


def _table(
    ws: Worksheet,
    view: MonthlyView,
    fmts: Formats,
    row: int,
    p: int,
    forecast_money: Format,
    forecast_bold: Format,
    *,
    profile: bool,
) -> tuple[dict[str, int], int]:
    """Lines under their heading, each heading a SUM row, the grand total and its cumulative row. Returns the
    row of each heading's total (and 'Grand Total', 'Cumulative') and the last row written."""
    where: dict[str, int] = {}
    heading_rows: list[int] = []
    totals = [0] * 12
    other_total = 0
    for heading, lines in _grouped(view):
        write_text(ws, row, 0, heading, fmts.text_bold)
        row += 1
        members: list[int] = []
        sums = [0] * 12
        other = 0
        for ln in lines:
            values = ln.profile_p if profile else ln.months_p
            write_text(ws, row, 0, ln.name, fmts.text)
            for i, v in enumerate(values):
                fmt = forecast_money if not profile and i + 1 > p else fmts.money
                write_money(ws, row, FIRST + i, v, fmt)
                sums[i] += v
            if not profile:
                write_money(ws, row, OTHER_COL, ln.other_p, fmts.money)
                other += ln.other_p
            last = OTHER_COL if not profile else FIRST + 11
            write_cached_formula(
                ws,
                row,
                YEAR_COL,
                f"=SUM({cell(row, FIRST)}:{cell(row, last)})",
                sum(values) + (0 if profile else ln.other_p),
                fmts.money,
            )
            members.append(row)
            row += 1
        write_text(ws, row, 0, f"Total {heading}", fmts.text_bold)
        _sum_row(ws, row, members, sums, other, p, fmts, forecast_bold, profile)
        where[heading] = row
        heading_rows.append(row)
        totals = [a + b for a, b in zip(totals, sums, strict=True)]
        other_total += other
        row += 2
    write_text(ws, row, 0, "Grand Total", fmts.text_bold)
    _sum_row(ws, row, heading_rows, totals, other_total, p, fmts, forecast_bold, profile)
    where["Grand Total"] = row
    total_row = row
    row += 1
    write_text(ws, row, 0, "Cumulative", fmts.text_bold)
    for i, v in enumerate(accumulate(totals)):
        formula = f"=SUM({cell(total_row, FIRST, absolute=True)}:{cell(total_row, FIRST + i)})"
        write_cached_formula(ws, row, FIRST + i, formula, v, fmts.money)
    where["Cumulative"] = row
    return where, row


def _sum_row(
    ws: Worksheet,
    row: int,
    members: list[int],
    sums: list[int],
    other: int,
    p: int,
    fmts: Formats,
    forecast_bold: Format,
    profile: bool,
) -> None:
    for i, v in enumerate(sums):
        fmt = forecast_bold if not profile and i + 1 > p else fmts.money_bold
        write_cached_formula(ws, row, FIRST + i, _sum(members, FIRST + i), v, fmt)
    if not profile:
        write_cached_formula(ws, row, OTHER_COL, _sum(members, OTHER_COL), other, fmts.money_bold)
    write_cached_formula(
        ws, row, YEAR_COL, _sum(members, YEAR_COL), sum(sums) + (0 if profile else other), fmts.money_bold
    )


def _charts(
    workbook: Workbook,
    ws: Worksheet,
    view: MonthlyView,
    fmts: Formats,
    spend_rows: dict[str, int],
    profile_rows: dict[str, int],
    header_row: int,
    row: int,
) -> int:
    """Chart data (cumulative formulas on the tables) and one chart a heading: actual and forecast to date
    against the budget profile, cumulative, so the run rate against profile shows."""
    p = view.period_no
    write_text(ws, row, 0, "Chart data: cumulative net spend by heading", fmts.subtitle)
    row += 1
    write_header(ws, row, ["Series", *view.month_labels], fmts)
    label_row = row
    data: dict[str, tuple[int, int, int]] = {}
    totals = _heading_values(view)
    for heading in [h for h, _ in _grouped(view)] + ["Grand Total"]:
        spend, profile = totals[heading]
        cum_spend, cum_profile = list(accumulate(spend)), list(accumulate(profile))
        rows: list[int] = []
        for label, src, cum, keep in (
            ("actual", spend_rows[heading], cum_spend, lambda q: q <= p),
            ("forecast", spend_rows[heading], cum_spend, lambda q: q >= p or p == 0),
            ("budget profile", profile_rows[heading], cum_profile, lambda q: True),
        ):
            row += 1
            write_text(ws, row, 0, f"{heading}: {label}, cumulative", fmts.text)
            for i in range(12):
                if keep(i + 1) and not (label == "forecast" and p == 12):
                    formula = f"=SUM({cell(src, FIRST, absolute=True)}:{cell(src, FIRST + i)})"
                    write_cached_formula(ws, row, FIRST + i, formula, cum[i], fmts.money)
            rows.append(row)
        data[heading] = (rows[0], rows[1], rows[2])
    row += 2
    ws.set_h_pagebreaks(chart_page_breaks(row - 1, len(data)))
    for i, (heading, (actual_row, forecast_row, profile_row)) in enumerate(data.items()):
        chart = workbook.add_chart({"type": "line"})
        categories = [SHEET, label_row, FIRST, label_row, FIRST + 11]
        for name, r, line in (
            ("Actual (cumulative)", actual_row, {"color": "#1F4E79", "width": 2.25}),
            ("Forecast (cumulative)", forecast_row, {"color": "#1F4E79", "width": 2.25, "dash_type": "dash"}),
            ("Budget profile (cumulative)", profile_row, {"color": "#7F7F7F", "width": 1.5}),
        ):
            chart.add_series(
                {
                    "name": name,
                    "categories": categories,
                    "values": [SHEET, r, FIRST, r, FIRST + 11],
                    "line": line,
                    "marker": {"type": "none"},
                }
            )
        chart.show_blanks_as("gap")
        chart.set_title({"name": heading, "name_font": {"size": 10}})
        chart.set_y_axis({"num_format": "#,##0,;(#,##0,)", "name": "£000"})
        chart.set_x_axis({"num_font": {"size": 8}, "label_position": "low"})
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        ws.insert_chart(row + (i // 2) * CHART_ROWS, 0 if i % 2 == 0 else 7, chart, {"x_offset": 4})
    return row + ((len(data) + 1) // 2) * CHART_ROWS


def _heading_values(view: MonthlyView) -> dict[str, tuple[list[int], list[int]]]:
    """Per heading and the grand total: (months actual/forecast, profile) in pence."""
    out: dict[str, tuple[list[int], list[int]]] = {}
    total = ([0] * 12, [0] * 12)
    for heading, lines in _grouped(view):
        spend = [sum(ln.months_p[i] for ln in lines) for i in range(12)]
        profile = [sum(ln.profile_p[i] for ln in lines) for i in range(12)]
        out[heading] = (spend, profile)
        total = (
            [a + b for a, b in zip(total[0], spend, strict=True)],
            [a + b for a, b in zip(total[1], profile, strict=True)],
        )
    out["Grand Total"] = total
    return out
