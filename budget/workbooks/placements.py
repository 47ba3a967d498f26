"""The placement outlook workbook: Summary, Numbers, Cost, Charts (one per line), Flows, Assumptions, Notes.

Numbers and Cost hold, per line and month, the history (actual month-end numbers and cost) then the
baseline forecast with its 80% range; Summary gives each scenario's cost and year-end numbers by financial
year. No child-level data: only counts and costs by line and month.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from budget.mtfs.outlook import PlacementOutlook, Table
from budget.workbooks.xlsx import (
    PERCENT,
    Formats,
    cell,
    chart_page_breaks,
    fit_row,
    formats_for,
    set_print_setup,
    text_lines,
    write_header,
    write_money,
    write_text,
    write_wide_text,
)
from forecasts.placements.model import FLOWS

TITLE = "Placement outlook: month-end numbers and cost by line"
CHARTS_PER_ROW = 2
CHART_ROWS = 16
CHARTS_PER_PAGE_ROWS = 3  # rows of charts on a printed page (landscape, one page wide)
SUMMARY_WIDTHS = [26.0, 16.0, 15.0, 15.0, 15.0, 14.0, 10.0, 10.0]
SERIES_WIDTHS = [30.0, 10.0, 18.0, 18.0, 15.0, 15.0]
MIN_WIDTH, MAX_FIRST_WIDTH, MAX_WIDTH = 10.0, 48.0, 33.0


def _title(ws: Worksheet, fmts: Formats, outlook: PlacementOutlook, title: str) -> int:
    write_text(ws, 0, 0, outlook.authority, fmts.title)
    write_text(
        ws, 1, 0, f"{title} — as at {outlook.as_at:%d/%m/%Y}, to {outlook.until:%d/%m/%Y}", fmts.subtitle
    )
    write_text(ws, 2, 0, "Ranges are 80% (10th to 90th percentile over the model's draws).", fmts.sign)
    return 4


def _summary(wb: xlsxwriter.Workbook, fmts: Formats, outlook: PlacementOutlook) -> None:
    ws = wb.add_worksheet("Summary")
    row = _title(ws, fmts, outlook, TITLE)
    headers = [
        "Scenario",
        "Financial year",
        "Cost £",
        "Low £",
        "High £",
        "Children at year end",
        "Low",
        "High",
    ]
    write_header(ws, row, headers, fmts, money_from=2)
    row += 1
    for sc in outlook.scenarios:
        for y in sc.years.to_dict("records"):
            write_text(ws, row, 0, sc.spec.name, fmts.text)
            write_text(ws, row, 1, str(y["fy"]), fmts.text)
            for col, key in ((2, "cost_p"), (3, "cost_low_p"), (4, "cost_high_p")):
                write_money(ws, row, col, int(y[key]), fmts.pounds)
            for col, key in ((5, "month_end"), (6, "month_end_low"), (7, "month_end_high")):
                ws.write_number(row, col, round(float(y[key]), 1), fmts.integer)
            row += 1
    row += 1
    write_text(ws, row, 0, "Scenario", fmts.text_bold)
    write_text(ws, row, 1, "Assumptions", fmts.text_bold)
    for sc in outlook.scenarios:
        row += 1
        write_text(ws, row, 0, sc.spec.name, fmts.text)
        write_wide_text(ws, row, "; ".join(sc.spec.assumption_lines()), fmts.wrapped, SUMMARY_WIDTHS, 1)
    row += 2
    write_wide_text(
        ws,
        row,
        "Low/high £ is the 80% range of the year's cost (of the months forecast in it): each draw's cost added "
        "up over the year, then its 10th and 90th percentile over the draws. Children at year end: at the "
        "last month end forecast in the year.",
        fmts.note,
        SUMMARY_WIDTHS,
    )
    for col, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(col, col, width)


def _line_rows(outlook: PlacementOutlook, value: str, low: str, high: str, hist: str) -> pd.DataFrame:
    """History then baseline forecast per line: columns line, month, kind, actual, forecast, low, high."""
    base = outlook.scenarios[0].by_line
    nan = float("nan")
    h = outlook.history.assign(kind="actual", actual=outlook.history[hist].astype(float), forecast=nan)
    h = h.assign(low=nan, high=nan)
    f = base.assign(kind="forecast", actual=nan, forecast=base[value].astype(float))
    f = f.assign(low=base[low].astype(float), high=base[high].astype(float))
    cols = ["line", "month", "kind", "actual", "forecast", "low", "high"]
    out = pd.concat([h[cols], f[cols]], ignore_index=True)
    return out.sort_values(["line", "month"], kind="stable").reset_index(drop=True)


def _series_sheet(
    wb: xlsxwriter.Workbook,
    fmts: Formats,
    outlook: PlacementOutlook,
    name: str,
    rows: pd.DataFrame,
    money: bool,
) -> dict[str, tuple[int, int]]:
    """A long sheet (line, month, actual, forecast, low, high); returns each line's first and last row."""
    ws = wb.add_worksheet(name)
    row = _title(ws, fmts, outlook, f"{name} by line and month: history, then the baseline forecast")
    unit = "£" if money else "children at month end"
    headers = ["Line", "Month", "Actual " + unit, "Forecast " + unit, "Low", "High"]
    write_header(ws, row, headers, fmts, 2)
    fit_row(ws, row, [(h, w) for h, w in zip(headers, SERIES_WIDTHS, strict=True)])
    blocks: dict[str, tuple[int, int]] = {}
    for r in rows.to_dict("records"):
        row += 1
        line = str(r["line"])
        first = blocks.get(line, (row, row))[0]
        blocks[line] = (first, row)
        write_text(ws, row, 0, line, fmts.text)
        write_text(ws, row, 1, f"{pd.Timestamp(r['month']):%b %Y}", fmts.text)
        for col, v in ((2, r["actual"]), (3, r["forecast"]), (4, r["low"]), (5, r["high"])):
            if v is None or pd.isna(v):
                ws.write_blank(row, col, None)
            elif money:
                write_money(ws, row, col, int(v), fmts.pounds)
            else:
                ws.write_number(row, col, round(float(v), 2))
    for col, width in enumerate(SERIES_WIDTHS):
        ws.set_column(col, col, width)
    ws.freeze_panes(5, 2)
    return blocks


def _charts(wb: xlsxwriter.Workbook, fmts: Formats, outlook: PlacementOutlook, blocks: dict) -> None:
    ws = wb.add_worksheet("Charts")
    _title(ws, fmts, outlook, "Month-end numbers by line: history, forecast and its 80% range")
    for i, (line, (first, last)) in enumerate(sorted(blocks.items())):
        chart = wb.add_chart({"type": "line"})
        assert chart is not None
        cats = ["Numbers", first, 1, last, 1]
        for col, label, style in (
            (2, "Actual", {"width": 2}),
            (3, "Forecast", {"width": 2, "dash_type": "dash"}),
            (4, "Low (80%)", {"width": 1, "color": "#A0A0A0"}),
            (5, "High (80%)", {"width": 1, "color": "#A0A0A0"}),
        ):
            chart.add_series(
                {
                    "name": label,
                    "categories": cats,
                    "values": ["Numbers", first, col, last, col],
                    "line": style,
                }
            )
        chart.set_title({"name": f"{line}: children at month end", "name_font": {"size": 10}})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        chart.set_x_axis({"num_font": {"rotation": -45}})
        chart.set_legend({"position": "bottom"})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(cell(4 + (i // CHARTS_PER_ROW) * CHART_ROWS, (i % CHARTS_PER_ROW) * 10), chart)
    ws.set_h_pagebreaks(chart_page_breaks(len(blocks), CHARTS_PER_ROW, CHART_ROWS, CHARTS_PER_PAGE_ROWS))


def _flows(wb: xlsxwriter.Workbook, fmts: Formats, outlook: PlacementOutlook) -> None:
    ws = wb.add_worksheet("Flows")
    row = _title(ws, fmts, outlook, "How the stock moves, baseline (mean over draws)")
    headers = ["Line", "Month", "Opening", "Came into care", "Moved in", "Moved out", "Left care", "Aged 18"]
    write_header(ws, row, [*headers, "Closing"], fmts, 2)
    for r in outlook.flows.to_dict("records"):
        row += 1
        write_text(ws, row, 0, str(r["line"]), fmts.text)
        write_text(ws, row, 1, f"{pd.Timestamp(r['month']):%b %Y}", fmts.text)
        for col, name in enumerate(FLOWS, start=2):
            v = r[name]
            ws.write_number(row, col, round(float(v), 2))
    ws.set_column(0, 0, 30)
    ws.set_column(1, 8, 12)


def assumption_widths(tables: dict[str, Table]) -> list[float]:
    """Column widths that fit every assumptions table: each column as wide as its longest text cell or
    header word (within limits: long texts and headers wrap), numbers at least ``MIN_WIDTH``."""
    ncols = max((len(headers) for headers, _ in tables.values()), default=1)
    widths = [MIN_WIDTH] * ncols
    for headers, rows in tables.values():
        for col, header in enumerate(headers):
            longest_word = max((len(w) for w in header.split()), default=0)
            widths[col] = max(widths[col], longest_word + 2.0)
        for values in rows:
            for col, v in enumerate(values):
                if isinstance(v, str):
                    widths[col] = max(widths[col], len(v) + 3.0)
    return [min(w, MAX_FIRST_WIDTH if col == 0 else MAX_WIDTH) for col, w in enumerate(widths)]


def _assumptions(wb: xlsxwriter.Workbook, fmts: Formats, outlook: PlacementOutlook) -> None:
    ws = wb.add_worksheet("Assumptions")
    row = _title(ws, fmts, outlook, "Assumptions the placement model used (baseline)")
    widths = assumption_widths(outlook.assumptions)
    number = wb.add_format({"valign": "top"})  # beside wrapped text, figures sit on its first line
    percent = wb.add_format({"valign": "top", "num_format": PERCENT})
    for title, (headers, rows) in outlook.assumptions.items():
        write_text(ws, row, 0, title, fmts.subtitle)
        row += 1
        write_header(ws, row, headers, fmts, 1)
        ws.set_row(row, 15 * max(2, max(text_lines(h, widths[c] * 0.8) for c, h in enumerate(headers))) + 3)
        for values in rows:
            row += 1
            texts: list[tuple[str | None, float]] = []
            for col, v in enumerate(values):
                if v is None:
                    ws.write_blank(row, col, None)
                elif isinstance(v, str):
                    write_text(ws, row, col, v, fmts.wrapped)
                    texts.append((v, widths[col]))
                elif "share" in headers[col] or "Still in" in headers[col] or headers[col] == "April uplift":
                    ws.write_number(row, col, float(v), percent)
                else:
                    ws.write_number(row, col, round(float(v), 4), number)
            fit_row(ws, row, texts)
        row += 2
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)


def _notes(wb: xlsxwriter.Workbook, fmts: Formats, outlook: PlacementOutlook) -> None:
    ws = wb.add_worksheet("Notes")
    row = _title(ws, fmts, outlook, "Notes")
    for label, text in outlook.notes:
        write_text(ws, row, 0, label, fmts.text_bold)
        write_text(ws, row, 1, text, fmts.wrapped)
        fit_row(ws, row, [(text, 100.0)])
        row += 1
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100)


def write_placements_workbook(outlook: PlacementOutlook, path: Path) -> None:
    """Write the placement outlook workbook to ``path``."""
    wb = xlsxwriter.Workbook(str(path))
    fmts = formats_for(wb)
    _summary(wb, fmts, outlook)
    blocks = _series_sheet(
        wb,
        fmts,
        outlook,
        "Numbers",
        _line_rows(outlook, "month_end", "month_end_low", "month_end_high", "month_end"),
        False,
    )
    _series_sheet(
        wb, fmts, outlook, "Cost", _line_rows(outlook, "cost_p", "cost_low_p", "cost_high_p", "cost_p"), True
    )
    _charts(wb, fmts, outlook, blocks)
    _flows(wb, fmts, outlook)
    _assumptions(wb, fmts, outlook)
    _notes(wb, fmts, outlook)
    for ws in wb.worksheets():  # landscape, one page wide, the title rows and footer on every page
        header_row = 4 if ws.name in ("Numbers", "Cost", "Flows") else 2  # a table header, or the title only
        set_print_setup(ws, outlook.authority, f"as at {outlook.as_at:%d/%m/%Y}", header_row)
    wb.close()


def outlook_json(outlook: PlacementOutlook) -> dict[str, object]:
    """The outlook as JSON-ready data: per scenario, per line and month the numbers and cost (pounds) with
    80% ranges, the totals by month and by financial year (the year's own range), and the assumptions
    tables."""

    def months(df: pd.DataFrame) -> list[dict[str, object]]:
        return [
            {
                "month": f"{pd.Timestamp(r['month']):%Y-%m}",
                "month_end": round(float(r["month_end"]), 2),
                "month_end_lo80": round(float(r["month_end_low"]), 2),
                "month_end_hi80": round(float(r["month_end_high"]), 2),
                "cost": int(r["cost_p"]) / 100,
                "cost_lo80": int(r["cost_low_p"]) / 100,
                "cost_hi80": int(r["cost_high_p"]) / 100,
            }
            for r in df.to_dict("records")
        ]

    return {
        "authority": outlook.authority,
        "as_at": outlook.as_at.isoformat(),
        "until": outlook.until.isoformat(),
        "draws": outlook.draws,
        "scenarios": [
            {
                "name": sc.spec.name,
                "assumptions": sc.spec.assumption_lines(),
                "total": months(sc.totals),
                "years": [
                    {
                        "financial_year": str(y["fy"]),
                        "months": int(y["months"]),
                        "cost": int(y["cost_p"]) / 100,
                        "cost_lo80": int(y["cost_low_p"]) / 100,
                        "cost_hi80": int(y["cost_high_p"]) / 100,
                        "month_end": round(float(y["month_end"]), 2),
                        "month_end_lo80": round(float(y["month_end_low"]), 2),
                        "month_end_hi80": round(float(y["month_end_high"]), 2),
                    }
                    for y in sc.years.to_dict("records")
                ],
                "lines": {str(ln): months(g) for ln, g in sc.by_line.groupby("line", sort=True)},
            }
            for sc in outlook.scenarios
        ],
        "assumptions": {
            title: [dict(zip(headers, row, strict=True)) for row in rows]
            for title, (headers, rows) in outlook.assumptions.items()
        },
    }
