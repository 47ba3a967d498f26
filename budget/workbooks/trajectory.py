"""The Trajectory sheet: the forecast year-end net outturn at every month end of the year, and how right a
closed year's month ends were."""

from __future__ import annotations

import math

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.report import OutturnReport
from budget.monthend.track_record import (
    BUDGET,
    CHECKPOINTS,
    METHOD_LABELS,
    METHODS,
    RUN_RATE,
    TOOL,
    AccuracyRow,
    TrackRecord,
)
from budget.monthend.trajectory import HEADING, LINE, Trajectory, TrajectoryRow
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
from ledgers.readers.periods import FinancialYear

SHEET = "Trajectory"
HEADER_ROW = 5
FIRST_MONTH_COL = 2  # P1 in column C … P12 in column N
FINAL_COL, MOVED_COL = 14, 15
LAST_COL = MOVED_COL
NAME_WIDTH, MONEY_WIDTH = 38, 8.5
CHART_W, CHART_H, CHART_ROWS = 500, 250, 14
SHORT = {TOOL: "forecast", BUDGET: "budget", RUN_RATE: "run rate"}


def month_headers(financial_year: str) -> list[str]:
    """'P1 Apr-19' … 'P12 Mar-20'."""
    fy = FinancialYear.parse(financial_year)
    return [f"P{q} {fy.month(q):%b-%y}" for q in range(1, 13)]


def write_trajectory(workbook: Workbook, report: OutturnReport, fmts: Formats) -> Worksheet | None:
    """The Trajectory sheet (None when the report carries no trajectory)."""
    traj = report.trajectory
    if traj is None:
        return None
    ws = workbook.add_worksheet(SHEET)
    title = f"Forecast trajectory {period_title(report.financial_year, report.period, report.period_no)}"
    write_text(ws, 0, 0, report.authority, fmts.title)
    write_text(ws, 1, 0, title, fmts.subtitle)
    note = workbook.add_format({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"})
    write_note(
        ws,
        2,
        LAST_COL,
        "Forecast year-end net outturn (expenditure less income) as each month end forecast it; £000, cells "
        "hold pounds. A blank month: that month end was never run (not a nil forecast).",
        note,
    )
    final_note = (
        "Final outturn: stored when the year was closed."
        if traj.closed
        else "Final outturn: shown once the year is closed ('careladder year close')."
    )
    write_note(ws, 3, LAST_COL, final_note + " Moved: highest less lowest forecast of the year.", note)
    headers = ["Line", "Budget Net", *month_headers(report.financial_year), "Final outturn", "Moved"]
    write_header(ws, HEADER_ROW, headers, fmts)
    rows = _trajectory_table(ws, traj, fmts)
    row = max(rows.values()) + 3
    row = _numbers_table(
        ws, traj, fmts, workbook.add_format({"num_format": "0.0"}), row, report.financial_year
    )
    breaks: list[int] = []
    row = _charts(workbook, ws, traj, fmts, rows, row + 2, breaks)
    if report.track_record is not None:
        centred = workbook.add_format({"align": "center", "valign": "top"})
        breaks.append(row)  # the accuracy table starts a page of its own
        row = _track_record_table(ws, report.track_record, fmts, centred, note, row + 1)
    ws.set_column(0, 0, NAME_WIDTH)
    ws.set_column(1, LAST_COL, MONEY_WIDTH)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    _print_setup(ws, report.authority, title)
    ws.print_area(0, 0, row, LAST_COL)
    ws.set_h_pagebreaks(breaks)
    return ws


def write_note(ws: Worksheet, row: int, last_col: int, text: str, fmt: Format) -> None:
    """A sentence across the table's width, wrapped (never spilling past the printed columns)."""
    ws.merge_range(row, 0, row, last_col, text, fmt)
    ws.set_row(row, 15 * max(1, math.ceil(len(text) / 175)))


def _print_setup(ws: Worksheet, authority: str, title: str) -> None:
    """Landscape A4 one page wide: the columns are sized so that it prints at about 75%."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(
        0, 1
    )  # the authority and title on every page; each table on the sheet carries its own header
    ws.set_footer(f"&L{footer_text(authority)}&C{footer_text(title)}&RPage &P of &N")


def _trajectory_table(ws: Worksheet, traj: Trajectory, fmts: Formats) -> dict[tuple[str, str], int]:
    """Lines under their heading, the heading as SUM formulas of its lines, then the grand total of the
    headings. Returns the sheet row of each (level, name)."""
    row = HEADER_ROW + 1
    where: dict[tuple[str, str], int] = {}
    members: list[int] = []
    heading_rows: list[int] = []
    for r in traj.rows:
        if r.level == LINE:
            _write_row(ws, row, r, traj, fmts.text, fmts.money, None)
            members.append(row)
        else:
            label = f"Total {r.name}" if r.level == HEADING else r.name
            sums = members if r.level == HEADING else heading_rows
            _write_row(ws, row, r, traj, fmts.text_bold, fmts.money_bold, sums, label)
            if r.level == HEADING:
                heading_rows.append(row)
                members = []
        where[(r.level, r.name)] = row
        row += 2 if r.level == HEADING else 1
    return where


def _sum_formula(rows: list[int], col: int) -> str:
    if not rows:
        return "=0"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"=SUM({cell(rows[0], col)}:{cell(rows[-1], col)})"
    return "=SUM(" + ",".join(cell(x, col) for x in rows) + ")"


def _write_row(
    ws: Worksheet,
    row: int,
    r: TrajectoryRow,
    traj: Trajectory,
    text_fmt: object,
    money_fmt: object,
    sums: list[int] | None,
    label: str | None = None,
) -> None:
    """One row: values for a line; SUM formulas (cached) of ``sums`` for a heading or the total."""
    write_text(ws, row, 0, label or r.name, text_fmt)  # type: ignore[arg-type]

    def put(col: int, pence: int | None) -> None:
        if pence is None:
            ws.write_blank(row, col, None, money_fmt)
        elif sums is None:
            write_money(ws, row, col, pence, money_fmt)  # type: ignore[arg-type]
        else:
            write_cached_formula(ws, row, col, _sum_formula(sums, col), pence, money_fmt)  # type: ignore[arg-type]

    put(1, r.budget_net_p)
    for q in range(1, 13):
        put(FIRST_MONTH_COL + q - 1, r.forecast_p.get(q) if q in traj.periods else None)
    put(FINAL_COL, r.final_net_p)
    first, last = cell(row, FIRST_MONTH_COL), cell(row, FIRST_MONTH_COL + 11)
    write_cached_formula(
        ws,
        row,
        MOVED_COL,
        f"=MAX({first}:{last})-MIN({first}:{last})",
        r.moved_p,
        money_fmt,  # type: ignore[arg-type]
    )


def _numbers_table(
    ws: Worksheet, traj: Trajectory, fmts: Formats, one_dp: Format, row: int, financial_year: str
) -> int:
    """Placement lines: the forecast average number of placements over the year at each month end."""
    placed = [r for r in traj.lines if r.numbers]
    if not placed:
        return row
    write_text(
        ws, row, 0, "Forecast average number of placements over the year, at each month end", fmts.subtitle
    )
    row += 1
    write_header(ws, row, ["Line", "Budgeted", *month_headers(financial_year)], fmts)
    for r in placed:
        row += 1
        write_text(ws, row, 0, r.name, fmts.text)
        if r.budget_numbers is not None:
            ws.write_number(row, 1, float(r.budget_numbers), one_dp)
        for q in range(1, 13):
            if q in r.numbers and q in traj.periods:
                ws.write_number(row, FIRST_MONTH_COL + q - 1, round(r.numbers[q], 6), one_dp)
    return row + 1


def _charts(
    workbook: Workbook,
    ws: Worksheet,
    traj: Trajectory,
    fmts: Formats,
    rows: dict[tuple[str, str], int],
    row: int,
    breaks: list[int],
) -> int:
    """Small charts, two a row: the grand total and the five lines whose forecast moved most, each against its
    budget (and its final outturn once closed). Their budget and final lines are drawn from the chart data rows
    written here (formulas on the table). Returns the first row below them."""
    items = [traj.total, *traj.movers(5)]
    write_text(
        ws, row, 0, "Chart data: each chart's budget (and final outturn) across the year", fmts.subtitle
    )
    data_row = row + 1
    for r in items:
        src = rows[(r.level, r.name)]
        for label, col, pence in (("Budget", 1, r.budget_net_p), ("Final outturn", FINAL_COL, r.final_net_p)):
            if pence is None:
                continue
            write_text(ws, data_row, 0, f"{label}: {r.name}", fmts.text)
            for m in range(12):
                ref = cell(src, col, absolute=True)
                write_cached_formula(ws, data_row, FIRST_MONTH_COL + m, f"={ref}", pence, fmts.money)
            rows[(label, r.name)] = data_row
            data_row += 1
    top = data_row + 1
    write_text(
        ws,
        top,
        0,
        "The forecast at each month end (markers; gaps where no month end was run) against the budget"
        + (" and the final outturn" if traj.closed else ""),
        fmts.subtitle,
    )
    for i, r in enumerate(items):
        chart = workbook.add_chart({"type": "line"})
        src = rows[(r.level, r.name)]
        categories = [SHEET, HEADER_ROW, FIRST_MONTH_COL, HEADER_ROW, FIRST_MONTH_COL + 11]
        chart.add_series(
            {
                "name": "Forecast outturn",
                "categories": categories,
                "values": [SHEET, src, FIRST_MONTH_COL, src, FIRST_MONTH_COL + 11],
                "marker": {"type": "circle", "size": 5},
                "line": {"color": "#1F4E79", "width": 2},
            }
        )
        chart.add_series(
            {
                "name": "Budget",
                "categories": categories,
                "values": [SHEET, rows[("Budget", r.name)], FIRST_MONTH_COL, rows[("Budget", r.name)], 13],
                "line": {"color": "#7F7F7F", "dash_type": "dash", "width": 1.5},
            }
        )
        if ("Final outturn", r.name) in rows:
            fr = rows[("Final outturn", r.name)]
            chart.add_series(
                {
                    "name": "Final outturn",
                    "categories": categories,
                    "values": [SHEET, fr, FIRST_MONTH_COL, fr, 13],
                    "line": {"color": "#C00000", "dash_type": "round_dot", "width": 1.5},
                }
            )
        chart.show_blanks_as("gap")
        chart.set_title({"name": r.name, "name_font": {"size": 10}})
        chart.set_y_axis(
            {"num_format": "#,##0,;(#,##0,)", "name": "£000", "major_gridlines": {"visible": True}}
        )
        chart.set_x_axis({"num_font": {"size": 8}, "label_position": "low"})
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        ws.insert_chart(top + 1 + (i // 2) * CHART_ROWS, 0 if i % 2 == 0 else 7, chart, {"x_offset": 4})
    breaks.extend(chart_page_breaks(top, len(items)))
    return top + 1 + ((len(items) + 1) // 2) * CHART_ROWS


def chart_page_breaks(top: int, charts: int) -> list[int]:
    """Page breaks that keep charts whole: before the block (at its title row) and after every two rows of
    two charts (a page holds about 40 rows at the scale these sheets print)."""
    rows = (charts + 1) // 2
    return [top] + [top + 1 + k * CHART_ROWS for k in range(2, rows, 2)]


def _track_record_table(
    ws: Worksheet, record: TrackRecord, fmts: Formats, centred: Format, note: Format, row: int
) -> int:
    """How right the closed year's month ends were, by line and heading, against two forecasts made without
    the tool."""
    write_text(
        ws,
        row,
        0,
        f"How right we were: {record.financial_year}'s month ends against its final outturn",
        fmts.subtitle,
    )
    notes = [
        "Error = what a month end said less the final outturn (£000): positive = it was too high. Beside the "
        "careladder forecast ('forecast'), the two an officer makes without it: the budget ('budget') and "
        f"'run rate' ({METHOD_LABELS[RUN_RATE]}).",
        f"Within amber from: the first month end from which the forecast stayed within the RAG amber limit "
        f"({record.rag_amber:.0%} of the final figure). Most accurate: lowest mean absolute error over the "
        "month ends run, P1 to P11 (each line's own method, as the budget set it or by default).",
        "Month ends run: " + (", ".join(f"P{q}" for q in record.periods) or "none"),
    ]
    for text in notes:
        row += 1
        write_note(ws, row, LAST_COL, text, note)
    row += 2
    headers = ["Line", "Final outturn"]
    for q in CHECKPOINTS:
        headers += [f"P{q} {SHORT[m]}" for m in METHODS]
    headers += ["Within amber from", "Most accurate"]
    write_header(ws, row, headers, fmts)
    ws.set_row(row, 45)
    for r in record.rows:
        row += 1
        _track_record_row(ws, row, r, fmts, centred)
    return row + 1


def _track_record_row(ws: Worksheet, row: int, r: AccuracyRow, fmts: Formats, centred: Format) -> None:
    bold = r.level != LINE
    money = fmts.money_bold if bold else fmts.money
    name = f"Total {r.name}" if r.level == HEADING else r.name
    write_text(ws, row, 0, name, fmts.text_bold if bold else fmts.text)
    write_money(ws, row, 1, r.final_net_p, money)
    col = 2
    for q in CHECKPOINTS:
        for m in METHODS:
            error = r.error_p(q, m)
            if error is None:
                ws.write_string(row, col, "not run", centred)
            else:
                write_money(ws, row, col, error, money)
            col += 1
    write_text(ws, row, col, "never" if r.within_amber_from is None else f"P{r.within_amber_from}", centred)
    best = ", ".join(SHORT[m] for m in r.most_accurate) or "n/a"
    write_text(ws, row, col + 1, best, centred)
