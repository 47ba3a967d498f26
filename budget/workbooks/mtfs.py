"""The MTFS workbook: a Summary comparing scenarios (with a chart), one sheet per scenario, Notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.mtfs.projection import SIGN, MtfsReport, ScenarioResult, ScenarioYear
from budget.workbooks.volume_price import VolumePrice, write_volume_price, write_volume_price_header
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    formats_for,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
    write_title_rows,
    write_wide_text,
)

MEASURES = ("Net expenditure", "Gap against the contract value", "Savings plan effect", "Savings required")


@dataclass
class SheetRows:
    """Where a scenario sheet put its key rows (zero-based), for the Summary's references."""

    name: str
    rows: dict[str, int] = field(default_factory=dict)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\']", "-", name.replace("-", " ").title() if name == "baseline" else name)[:31]
    out, k = base, 2
    while out.lower() in taken or out.lower() == "summary" or out.lower() == "notes":
        out = f"{base[:28]} {k}"
        k += 1
    taken.add(out.lower())
    return out


def write_mtfs_workbook(report: MtfsReport, path: Path) -> None:
    """Summary, a sheet per scenario and Notes, with live totals and cached values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(str(path))
    try:
        fmts = formats_for(workbook)
        summary = workbook.add_worksheet("Summary")
        taken: set[str] = set()
        placed = [
            write_scenario(workbook, report, s, sheet_name(s.spec.name, taken), fmts)
            for s in report.scenarios
        ]
        write_summary(workbook, summary, report, placed, fmts)
        write_notes(workbook, report, fmts)
    finally:
        workbook.close()


def _title(report: MtfsReport) -> str:
    years = report.scenarios[0].years if report.scenarios else []
    span = f"{years[1].label} to {years[-1].label}" if len(years) > 1 else ""
    b = report.base
    return f"Medium term financial strategy {span} (from P{b.period_no} {b.fy.label}, {b.period})"


def _footer(report: MtfsReport) -> str:
    """The page footer's short title (the full title is on the sheet)."""
    return f"MTFS from P{report.base.period_no} {report.base.fy.label}"


def _measure_pence(y: ScenarioYear) -> dict[str, int]:
    return {
        "Net expenditure": y.net_p,
        "Gap against the contract value": y.gap_p,
        "Savings plan effect": y.plan_effect_p,
        "Savings required": y.savings_required_p,
    }


def scenario_widths(years: int) -> list[float]:
    """A: line; the money by year; then placements and weekly unit cost by year."""
    return [46.0] + [11.0] * years + [10.0] * years + [10.0] * years


def year_days(s: ScenarioResult) -> list[int]:
    """Days in each year of the scenario (365 or 366)."""
    out = []
    for y in s.years:
        start = int(y.label[:4])
        out.append((date(start + 1, 4, 1) - date(start, 4, 1)).days)
    return out


def write_scenario(
    workbook: Workbook, report: MtfsReport, s: ScenarioResult, name: str, fmts: Formats
) -> SheetRows:
    """A scenario: assumptions, expenditure and income by heading and line (placement lines with their numbers
    and unit costs beside the money), then net, gap, the savings plan reconciled to the tracker."""
    ws = workbook.add_worksheet(name)
    title = f"{_title(report)}: scenario {s.spec.name}"
    ncol = len(s.years)
    widths = scenario_widths(ncol)
    write_title_rows(ws, fmts, report.base.authority, title, SIGN, widths)
    ws.write_string(3, 0, "Assumptions", fmts.subtitle)
    row = 4
    for text in s.assumptions:
        write_wide_text(ws, row, text, fmts.wrapped, widths)
        row += 1
    band_row = row + 1
    header_row = row + 2
    labels = [f"{y.label} outturn" if k == 0 else y.label for k, y in enumerate(s.years)]
    ws.merge_range(band_row, 1, band_row, ncol, "£000", fmts.band)
    write_header(ws, header_row, ["Line", *labels], fmts)
    write_volume_price_header(ws, header_row, ncol + 1, [y.label for y in s.years], fmts, band_row)
    ws.set_row(header_row, 45)
    days = year_days(s)
    row = header_row + 1
    headings: dict[str, list[str]] = {}
    for b in report.base.lines:
        if b.line in s.years[0].gross_p:
            headings.setdefault(b.heading, []).append(b.line)
    out = SheetRows(name)

    def block(title: str, field_name: str, only_nonzero: bool) -> int:
        nonlocal row
        ws.write_string(row, 0, title, fmts.subtitle)
        row += 1
        subtotals: list[int] = []
        for heading, lines in headings.items():
            values = {ln: [getattr(y, field_name)[ln] for y in s.years] for ln in lines}
            shown = [ln for ln in lines if not only_nonzero or any(values[ln])]
            if not shown:
                continue
            write_text(ws, row, 0, heading, fmts.wrapped_bold)
            fit_row(ws, row, [(heading, widths[0])])
            row += 1
            first = row
            for ln in shown:
                write_text(ws, row, 0, ln, fmts.wrapped)
                fit_row(ws, row, [(ln, widths[0])])
                for c in range(ncol):
                    write_money(ws, row, c + 1, values[ln][c], fmts.money)
                numbers = s.numbers.get(ln)
                if field_name == "gross_p" and numbers and any(numbers):
                    money_cells = [cell(row, c + 1) for c in range(ncol)]
                    data = VolumePrice(values[ln], list[float | None](numbers))
                    write_volume_price(ws, row, ncol + 1, money_cells, data, days, fmts)
                row += 1
            write_text(ws, row, 0, f"Total {heading}", fmts.wrapped_bold)
            fit_row(ws, row, [(f"Total {heading}", widths[0])])
            for c in range(ncol):
                total = sum(values[ln][c] for ln in shown)
                formula = f"=SUM({cell(first, c + 1)}:{cell(row - 1, c + 1)})"
                write_cached_formula(ws, row, c + 1, formula, total, fmts.money_bold)
            subtotals.append(row)
            row += 2
        write_text(ws, row, 0, f"Total {title.lower()}", fmts.text_bold)
        for c, y in enumerate(s.years):
            pence = y.expenditure_p if field_name == "gross_p" else y.income_total_p
            formula = "=" + ("+".join(cell(r, c + 1) for r in subtotals) if subtotals else "0")
            write_cached_formula(ws, row, c + 1, formula, pence, fmts.money_bold)
        row += 2
        return row - 2

    exp_row = block("Expenditure", "gross_p", False)
    inc_row = block("Income", "income_p", True)
    keys = ("net", "contract", "gap", "effect", "before", "required", "tracker", "difference")
    r = {k: row + i + (1 if k in ("tracker", "difference") else 0) for i, k in enumerate(keys)}
    texts = {
        "net": "Net expenditure"
        + (" (savings plan included)" if s.spec.savings else " (before the savings plan)"),
        "contract": "Contract value",
        "gap": "Gap against the contract value",
        "effect": "Savings plan effect (modelled, included above)"
        if s.spec.savings
        else "Savings plan effect (none included: before the plan)",
        "before": "Gap before the savings plan",
        "required": "Savings required (gap after what is included)",
        "tracker": "Savings plan as the tracker has it (not added in)",
        "difference": "Modelled effect less the tracker"
        if s.spec.savings
        else "Tracker savings not in this scenario",
    }
    for c, y in enumerate(s.years):
        col = c + 1

        def ref(key: str, col: int = col) -> str:
            return cell(r[key], col)

        write_cached_formula(
            ws, r["net"], col, f"={cell(exp_row, col)}+{cell(inc_row, col)}", y.net_p, fmts.money
        )
        write_money(ws, r["contract"], col, y.contract_p, fmts.money)
        write_cached_formula(ws, r["gap"], col, f"={ref('net')}-{ref('contract')}", y.gap_p, fmts.money_bold)
        write_money(ws, r["effect"], col, y.plan_effect_p, fmts.money)
        before = f"={ref('gap')}+{ref('effect')}"
        write_cached_formula(ws, r["before"], col, before, y.gap_before_plan_p, fmts.money)
        write_cached_formula(
            ws, r["required"], col, f"=MAX(0,{ref('gap')})", y.savings_required_p, fmts.money_bold
        )
        write_money(ws, r["tracker"], col, y.plan_as_planned_p, fmts.money)
        write_cached_formula(
            ws,
            r["difference"],
            col,
            f"={ref('effect')}-{ref('tracker')}",
            y.plan_effect_p - y.plan_as_planned_p,
            fmts.money_bold,
        )
    for key, text in texts.items():
        write_text(
            ws, r[key], 0, text, fmts.text_bold if key in ("gap", "required", "difference") else fmts.text
        )
    ws.write_string(
        r["tracker"] - 1, 0, "The savings plan: modelled effect and tracker reconciled", fmts.subtitle
    )
    note = (
        "The modelled effect is this scenario's net without the plan less its net with it: the placement model "
        "moves the schemes' children when they would move and prices them at each year's costs. The tracker "
        "keeps children on the new line with beds kept full, plus fixed schemes' recurrent amounts from year 1. "
        "The difference is timing and price, not a saving lost."
        if s.spec.savings
        else "This scenario is before the savings plan: the tracker's savings would reduce the gap above."
    )
    write_wide_text(ws, r["difference"] + 1, note, fmts.note, widths)
    out.rows = {
        "Net expenditure": r["net"],
        "Gap against the contract value": r["gap"],
        "Savings plan effect": r["effect"],
        "Savings required": r["required"],
    }
    ws.freeze_panes(header_row + 1, 1)
    footer = f"{_footer(report)}: {s.spec.name}"
    set_print_setup(ws, report.base.authority, footer, header_row, widths, r["difference"] + 1)
    ws.repeat_rows(band_row, header_row)  # the column headers on every page; the assumptions once
    return out


def write_summary(
    workbook: Workbook, ws: Worksheet, report: MtfsReport, placed: list[SheetRows], fmts: Formats
) -> None:
    """Scenarios side by side per measure (references to the scenario sheets) and a chart of the gap."""
    title = _title(report)
    years = report.scenarios[0].years if report.scenarios else []
    widths = [40.0] + [13.0] * len(years)
    write_title_rows(ws, fmts, report.base.authority, f"{title}: scenarios compared", SIGN, widths)
    if report.warnings:
        write_wide_text(ws, 3, "Warning: " + "; ".join(report.warnings), fmts.wrapped_bold, widths)
    row = 4
    gap_rows: tuple[int, int] = (0, -1)
    for measure in MEASURES:
        write_header(ws, row, [measure, *(y.label for y in years)], fmts)
        row += 1
        first = row
        for s, sheet in zip(report.scenarios, placed, strict=True):
            write_text(ws, row, 0, s.spec.name, fmts.text)
            for c, y in enumerate(s.years):
                ref = f"='{sheet.name}'!{cell(sheet.rows[measure], c + 1)}"
                write_cached_formula(ws, row, c + 1, ref, _measure_pence(y)[measure], fmts.money)
            row += 1
        if measure == "Gap against the contract value":
            gap_rows = (first, row - 1)
        row += 1
    last = row
    if report.scenarios and len(years) > 1:
        ws.set_h_pagebreaks([row])  # the chart on a page of its own, never cut across two
        last = row + 22
        chart = workbook.add_chart({"type": "column"})
        for r in range(gap_rows[0], gap_rows[1] + 1):
            chart.add_series(
                {
                    "name": ["Summary", r, 0],
                    "categories": ["Summary", gap_rows[0] - 1, 1, gap_rows[0] - 1, len(years)],
                    "values": ["Summary", r, 1, r, len(years)],
                }
            )
        chart.set_title({"name": "Gap against the contract value by scenario (£000)"})
        chart.set_y_axis({"num_format": "#,##0,;(#,##0,)", "name": "positive = shortfall"})
        chart.set_size({"width": min(900, sum(int(w * 7 + 5) for w in widths) - 20), "height": 380})
        chart.set_x_axis({"label_position": "low"})
        ws.insert_chart(row + 1, 0, chart)
    set_print_setup(ws, report.base.authority, _footer(report), 2, widths, last)


def write_notes(workbook: Workbook, report: MtfsReport, fmts: Formats) -> None:
    ws = workbook.add_worksheet("Notes")
    title = f"Notes to the {_title(report)}"
    write_title_rows(ws, fmts, report.base.authority, title, SIGN, [30.0, 100.0])
    write_header(ws, 4, ["Item", "Detail"], fmts, money_from=2)
    row = 5
    for label, text in [
        ("Authority", report.base.authority),
        ("Figures", "Cells hold pounds; shown in £000, negatives in brackets."),
        *report.notes,
    ]:
        write_text(ws, row, 0, label, fmts.wrapped_bold)
        write_text(ws, row, 1, text, fmts.wrapped)
        fit_row(ws, row, [(text, 100), (label, 30)])
        row += 1
    set_print_setup(ws, report.base.authority, f"{_footer(report)}: notes", 4, [30.0, 100.0], row)
