"""The MTFS workbook: a Summary comparing scenarios (with a chart), one sheet per scenario, Notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.mtfs.projection import SIGN, MtfsReport, ScenarioResult, ScenarioYear
from budget.workbooks.xlsx import (
    Formats,
    cell,
    formats_for,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
    write_title_rows,
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


def _measure_pence(y: ScenarioYear) -> dict[str, int]:
    return {
        "Net expenditure": y.net_p,
        "Gap against the contract value": y.gap_p,
        "Savings plan effect": y.plan_effect_p,
        "Savings required": y.savings_required_p,
    }


def write_scenario(
    workbook: Workbook, report: MtfsReport, s: ScenarioResult, name: str, fmts: Formats
) -> SheetRows:
    """A scenario: assumptions, expenditure and income by heading and line, then net, gap and savings."""
    ws = workbook.add_worksheet(name)
    title = f"{_title(report)}: scenario {s.spec.name}"
    write_title_rows(ws, fmts, report.base.authority, title, SIGN)
    ws.write_string(3, 0, "Assumptions", fmts.subtitle)
    row = 4
    for text in s.assumptions:
        write_text(ws, row, 0, text, fmts.text)
        row += 1
    header_row = row + 1
    labels = [f"{y.label} outturn" if k == 0 else y.label for k, y in enumerate(s.years)]
    write_header(ws, header_row, ["Line", *labels], fmts)
    row = header_row + 1
    ncol = len(s.years)
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
            write_text(ws, row, 0, heading, fmts.text_bold)
            row += 1
            first = row
            for ln in shown:
                write_text(ws, row, 0, ln, fmts.text)
                for c in range(ncol):
                    write_money(ws, row, c + 1, values[ln][c], fmts.money)
                row += 1
            write_text(ws, row, 0, f"Total {heading}", fmts.text_bold)
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
    keys = ("net", "contract", "gap", "effect", "before", "required", "memo")
    r = {k: row + i + (1 if k == "memo" else 0) for i, k in enumerate(keys)}
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
        "memo": "Memo: Savings plan as planned (tracker), not added in",
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
        write_money(ws, r["memo"], col, y.plan_as_planned_p, fmts.money)
    for key, text in texts.items():
        write_text(ws, r[key], 0, text, fmts.text_bold if key in ("gap", "required") else fmts.text)
    note = (
        "Savings plan effect: this scenario's net without the savings plan less its net with it (modelled "
        "schemes run through the placement model, fixed schemes taken off their lines); 0 when the plan is "
        "not applied. Memo: the plan as the savings tracker has it (modelled schemes by formula: children "
        "stay on the new line, beds kept full; plus fixed schemes' recurrent amounts from year 1), against "
        "the current year; shown for comparison, not added to any figure above."
    )
    write_text(ws, r["memo"] + 2, 0, note, fmts.sign)
    out.rows = {
        "Net expenditure": r["net"],
        "Gap against the contract value": r["gap"],
        "Savings plan effect": r["effect"],
        "Savings required": r["required"],
    }
    ws.set_column(0, 0, 52)
    ws.set_column(1, ncol, 14)
    ws.freeze_panes(header_row + 1, 1)
    set_print_setup(ws, report.base.authority, title, header_row)
    return out


def write_summary(
    workbook: Workbook, ws: Worksheet, report: MtfsReport, placed: list[SheetRows], fmts: Formats
) -> None:
    """Scenarios side by side per measure (references to the scenario sheets) and a chart of the gap."""
    title = _title(report)
    write_title_rows(ws, fmts, report.base.authority, f"{title}: scenarios compared", SIGN)
    years = report.scenarios[0].years if report.scenarios else []
    if report.warnings:
        write_text(ws, 3, 0, "Warning: " + "; ".join(report.warnings), fmts.text_bold)
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
    ws.set_column(0, 0, 40)
    ws.set_column(1, len(years), 14)
    set_print_setup(ws, report.base.authority, title, 4)
    if report.scenarios and len(years) > 1:
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
        chart.set_size({"width": 900, "height": 380})
        ws.insert_chart(row + 1, 0, chart)


def write_notes(workbook: Workbook, report: MtfsReport, fmts: Formats) -> None:
    ws = workbook.add_worksheet("Notes")
    title = f"Notes to the {_title(report)}"
    write_title_rows(ws, fmts, report.base.authority, title, SIGN)
    write_header(ws, 4, ["Item", "Detail"], fmts, money_from=2)
    row = 5
    for label, text in [
        ("Authority", report.base.authority),
        ("Figures", "Cells hold pounds; shown in £000, negatives in brackets."),
        *report.notes,
    ]:
        write_text(ws, row, 0, label, fmts.text_bold)
        write_text(ws, row, 1, text, fmts.wrapped)
        row += 1
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 100)
    set_print_setup(ws, report.base.authority, title, 4)
