"""The forecast accuracy workbook: sheets Accuracy, Charts (with their Chart data) and Notes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.accuracy import (
    CHART_STEPS,
    MAX_ORIGINS,
    MIN_MONTHS,
    PLACEMENTS,
    AccuracyReport,
    SeriesAccuracy,
)
from budget.workbooks.xlsx import (
    Formats,
    cell,
    chart_page_breaks,
    fit_row,
    formats_for,
    period_title,
    set_print_setup,
    write_header,
    write_text,
    write_wide_text,
)
from forecasts.series.engine import REFIT_EVERY

ACCURACY_HEADERS = [
    "Line",
    "Measure",
    "Months",
    "Method",
    "Weight",
    "MASE",
    "sMAPE %",
    "80% coverage",
    "95% coverage",
    "Ensemble chose",
    "Outturn method",
]
DATA_HEADERS = ["Series", "Month", "Actual", *(f"Forecast {k} month(s) before" for k in CHART_STEPS)]
BEST_FILL = "#C6EFCE"
CHARTS_PER_ROW = 2
CHART_ROWS = 16  # worksheet rows a chart takes, with a gap
CHARTS_PER_PAGE_ROWS = 2  # rows of charts on a printed page (landscape, one page wide)


def method_family(label: str) -> str:
    """A method label without its settings in brackets: ``"mean of 5: smoothed level + pooled trend"``."""
    return re.sub(r" \([^()]*\)", "", label)


def write_backtest_workbook(report: AccuracyReport, path: Path) -> None:
    """Write the accuracy workbook to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    try:
        fmts = formats_for(wb)
        extra = {
            "ratio": wb.add_format({"num_format": "0.000"}),
            "ratio_best": wb.add_format({"num_format": "0.000", "bold": True, "bg_color": BEST_FILL}),
            "one_dp": wb.add_format({"num_format": "0.0"}),
            "text_best": wb.add_format({"bold": True, "bg_color": BEST_FILL}),
            "number": wb.add_format({"num_format": "#,##0.00"}),
        }
        accuracy = wb.add_worksheet("Accuracy")
        charts = wb.add_worksheet("Charts")
        data = wb.add_worksheet("Chart data")
        notes = wb.add_worksheet("Notes")
        _accuracy_sheet(accuracy, report, fmts, extra)
        _chart_sheets(wb, charts, data, report, fmts, extra["number"])
        _notes_sheet(notes, report, fmts)
    finally:
        wb.close()


def _title(ws: Worksheet, report: AccuracyReport, fmts: Formats, title: str, widths: list[float]) -> None:
    write_text(ws, 0, 0, report.authority, fmts.title)
    write_text(ws, 1, 0, f"{title}: {period_title(report.financial_year, report.period, report.period_no)}")
    write_wide_text(
        ws,
        2,
        f"Backtest over up to {MAX_ORIGINS} monthly origins, {report.horizon} month(s) ahead; "
        "spend in pounds (net of income), placements as month-end numbers. See Notes.",
        fmts.note,
        widths,
    )


def _accuracy_sheet(ws: Worksheet, report: AccuracyReport, fmts: Formats, extra: dict[str, Format]) -> None:
    widths = [30.0, 10.0, 8.0, 14.0, 8.0, 8.0, 8.0, 10.0, 10.0, 62.0, 28.0]
    _title(ws, report, fmts, "Forecast accuracy", widths)
    header = 4
    write_header(ws, header, ACCURACY_HEADERS, fmts, money_from=2)
    row = header + 1
    for s in report.scored:
        best = s.best_methods()
        for sc in s.scores:
            is_best = sc.method in best
            text_fmt = extra["text_best"] if is_best else None
            write_text(ws, row, 0, s.line, text_fmt)
            write_text(ws, row, 1, s.measure, text_fmt)
            ws.write_number(row, 2, s.months)
            write_text(ws, row, 3, sc.method, text_fmt)
            if sc.method == "ensemble":
                ws.write_blank(row, 4, None)
            else:
                ws.write_number(row, 4, s.weights.get(sc.method, 0.0), fmts.percent)
            _number(ws, row, 5, sc.mase, extra["ratio_best"] if is_best else extra["ratio"])
            _number(ws, row, 6, sc.smape, extra["one_dp"])
            _number(ws, row, 7, sc.coverage80, fmts.percent)
            _number(ws, row, 8, sc.coverage95, fmts.percent)
            chose = method_family(s.chosen)
            write_text(ws, row, 9, chose, fmts.wrapped)  # wrapped in its column, never over the next
            fit_row(ws, row, [(chose, widths[9])])
            write_text(ws, row, 10, s.outturn_method)
            row += 1
    for s in report.too_short:
        write_text(ws, row, 0, s.line)
        write_text(ws, row, 1, s.measure)
        ws.write_number(row, 2, s.months)
        write_text(ws, row, 3, "too short")
        write_text(ws, row, 9, f"not scored: fewer than {MIN_MONTHS} months of history")
        write_text(ws, row, 10, s.outturn_method)
        row += 1
    ws.freeze_panes(header + 1, 1)
    if row > header + 1:
        ws.autofilter(header, 0, row - 1, len(ACCURACY_HEADERS) - 1)
    set_print_setup(ws, report.authority, f"{report.financial_year} P{report.period_no}", header, widths, row)


def _number(ws: Worksheet, row: int, col: int, value: float, fmt: Format) -> None:
    if math.isfinite(value):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def _chart_sheets(
    wb: Workbook, charts: Worksheet, data: Worksheet, report: AccuracyReport, fmts: Formats, number: Format
) -> None:
    chart_widths = [8.43] * (10 * CHARTS_PER_ROW)  # each chart (620 px) spans 10 default columns
    _title(charts, report, fmts, "Actuals against past forecasts", chart_widths)
    footer = f"{report.financial_year} P{report.period_no}"
    n_charts = sum(1 for x in report.scored if x.past is not None)
    chart_last = 4 + math.ceil(n_charts / CHARTS_PER_ROW) * CHART_ROWS
    set_print_setup(charts, report.authority, footer, 2, chart_widths, chart_last)
    charts.set_h_pagebreaks(chart_page_breaks(n_charts, CHARTS_PER_ROW, CHART_ROWS, CHARTS_PER_PAGE_ROWS))
    write_header(data, 0, DATA_HEADERS, fmts, money_from=2)
    data_widths = [40.0, 10.0] + [16.0] * (len(DATA_HEADERS) - 2)
    row = 1
    for i, s in enumerate(x for x in report.scored if x.past is not None):
        first, last = row, _write_data(data, row, s, number)
        row = last + 1
        chart = wb.add_chart({"type": "line"})
        assert chart is not None
        categories = ["Chart data", first, 1, last - 1, 1]
        chart.add_series(
            {"name": "Actual", "categories": categories, "values": ["Chart data", first, 2, last - 1, 2]}
        )
        for j, step in enumerate(CHART_STEPS):
            chart.add_series(
                {
                    "name": f"Forecast {step} month{'s' if step > 1 else ''} before",
                    "categories": categories,
                    "values": ["Chart data", first, 3 + j, last - 1, 3 + j],
                    "line": {"dash_type": "dash" if j else "solid", "width": 1.5},
                }
            )
        unit = "placements at month end" if s.measure == PLACEMENTS else "net spend, £"
        chart.set_title({"name": f"{s.line}: {unit} ({method_family(s.chosen)})", "name_font": {"size": 10}})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        chart.set_x_axis({"num_font": {"rotation": -45}})
        chart.set_legend({"position": "bottom"})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 620, "height": 300})
        place_row = 4 + (i // CHARTS_PER_ROW) * CHART_ROWS
        charts.insert_chart(cell(place_row, (i % CHARTS_PER_ROW) * 10), chart)
    set_print_setup(data, report.authority, footer, 0, data_widths, row)


def _write_data(ws: Worksheet, row: int, s: SeriesAccuracy, number: Format) -> int:
    """The chart's rows (series, month, actual, past forecasts); returns the row after them."""
    past = s.past
    assert past is not None
    for k, month in enumerate(past.months):
        write_text(ws, row, 0, f"{s.line} ({s.measure})")
        write_text(ws, row, 1, month)
        ws.write_number(row, 2, past.actual[k], number)
        for j, step in enumerate(CHART_STEPS):
            v = past.by_step[step][k]
            if v is None:
                ws.write_blank(row, 3 + j, None, number)
            else:
                ws.write_number(row, 3 + j, v, number)
        row += 1
    return row


def notes_lines(report: AccuracyReport) -> list[str]:
    """The Notes sheet's paragraphs."""
    prophet = (
        f"Prophet is included (--models asked for it), refitted every {REFIT_EVERY['M']} origins."
        if "prophet" in report.models
        else "Prophet is left out to keep the run quick (the default members are the engine's quick ones); "
        "add it with --models naive,drift,trend,regression,prophet."
    )
    return [
        f"Period: {report.period} (P{report.period_no} of {report.financial_year}). Horizon: "
        f"{report.horizon} month(s) ahead. Members: {', '.join(report.models)}. {prophet}",
        "Series: each budget line's monthly net spend in pounds (expenditure plus income, from the ledger "
        "history in the store, from the line's first month with spend) and, on placement lines, the number of "
        "placements open at each month end (from the stored placements list; placements that ended before "
        "the list was drawn up and are missing from it make early months too low).",
        f"Too short: a series with fewer than {MIN_MONTHS} months is listed as too short and not scored.",
        "Panels: the spend series are forecast together as one panel and the placement numbers as another. "
        "Every series is based on seasonal naive (the same month last year), or a smoothed level (a weighted "
        "mean of the same month in earlier years), and the panel's pooled trend (the median growth of the "
        "panel's series, damped over the horizon) applied as a percentage; or by the panel regression, one "
        "model learned across the panel's series (the log change on each series' growth over the last 1 "
        "and 3 years and its distance from its 3-year mean), used when it beats naive in the same backtest. "
        "The same configuration (or the mean of the panel's best few) is used for every series of the panel.",
        f"Origins: each of the last (up to) {MAX_ORIGINS} months is a forecast origin. At each origin every "
        "member is fitted on the months before it only and forecasts the next months; those forecasts are "
        "compared with what happened. Only months with an actual are scored.",
        "MASE (mean absolute scaled error): each error divided by the mean absolute error of a "
        "seasonal-naive forecast (the same month last year) over the months before its origin. "
        "Below 1 beats a seasonal-naive forecast; 0 is perfect.",
        "sMAPE: symmetric mean absolute percentage error, 0% (perfect) to 200%; a month where forecast and "
        "actual are both 0 counts as 0%.",
        "Coverage: the share of actuals that fell inside the 80% and 95% intervals built, at each origin, "
        "only from the panel's errors already known then. Near 80% and 95% means the ranges can be trusted.",
        "Ensemble: the panel's combination. Its level, window, damping and weights were chosen at each origin "
        "from the errors known at that origin only (naive unless it beat naive on most origins), so "
        "its score is out of sample. The best MASE of each series is highlighted. 'Ensemble chose' names its "
        "members; their settings (smoothing, damping, window, weights) are listed below.",
        "Outturn method: the method the month-end outturn uses for the line (the budget's method column, or "
        "the default: commitments on placement lines, run-rate elsewhere). Statistical accuracy matters most "
        "where the method is 'forecast'.",
        "Charts: actuals against the combination's past forecasts made 1 and 3 months before each month, "
        "over the backtest window; their figures are on the sheet 'Chart data'.",
        "No child-level data is held in this workbook.",
    ]


def _notes_sheet(ws: Worksheet, report: AccuracyReport, fmts: Formats) -> None:
    write_text(ws, 0, 0, report.authority, fmts.title)
    write_text(ws, 1, 0, f"Notes: forecast accuracy {report.period}", fmts.subtitle)
    settings: dict[str, list[str]] = {}
    for sc in report.scored:
        settings.setdefault(sc.chosen, []).append(sc.measure)
    notes = notes_lines(report) + [
        f"Ensemble settings ({', '.join(sorted(set(measures)))}, {len(measures)} series): {label}"
        for label, measures in settings.items()
        if label != method_family(label)
    ]
    set_print_setup(
        ws, report.authority, f"{report.financial_year} P{report.period_no}", 1, [100.0], 2 + len(notes)
    )
    for i, text in enumerate(notes, start=3):
        write_text(ws, i, 0, text, fmts.wrapped)
        ws.set_row(i, 15 * max(1, math.ceil(len(text) / 100)))
