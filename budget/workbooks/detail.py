"""The drill-down workbook (``outturn-YYYY-MM-detail.xlsx``): an index of explained variances, linked to one
sheet per line with what lies behind it. For the finance team only, never the meeting.

The workbook is written to a temporary file, read back and every cell (and sheet name) checked against the
stored child references; only a clean workbook is moved into place.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.detail import (
    DetailReport,
    LineDetail,
    PlacementRow,
    child_ref_matcher,
    detail_report,
    holds_child_ref,
    stored_child_refs,
)
from budget.monthend.report import OutturnReport, sign_statement
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    formats_for,
    period_title,
    set_print_setup,
    write_cached_formula,
    write_header,
    write_money,
    write_text,
    write_title_rows,
)
from ledgers.readers.problems import WorkspaceError
from ledgers.store.secret import workspace_secret

INDEX = "Index"
HEADER_ROW = 4
OPEN_HEADERS = [
    "Key",
    "Start",
    "Planned end",
    "Weekly cost £",
    "Provider type",
    "Days in the year",
    "Cost to date £",
    "Forecast cost to year end £",
]
MOVED_HEADERS = ["Key", "Start", "Planned end", "Weekly cost £", "Provider type", "End", "Cost in the year £"]
POSTING_HEADERS = ["Supplier", "Month", "Postings", "Amount £"]


def detail_path(outdir: Path, period: str) -> Path:
    """``outturn-YYYY-MM-detail.xlsx`` in ``outdir``."""
    return outdir / f"outturn-{period}-detail.xlsx"


def write_detail(
    con: duckdb.DuckDBPyConnection, workspace: Path, report: OutturnReport, outdir: Path
) -> Path:
    """``outturn --detail``: the detail of ``report`` under the workspace's secret, checked and written."""
    detail = detail_report(con, report, workspace_secret(workspace))
    matcher = child_ref_matcher(stored_child_refs(con))
    return write_detail_workbook(detail, detail_path(outdir, report.period), matcher)


def write_detail_workbook(detail: DetailReport, path: Path, matcher: re.Pattern[str] | None) -> Path:
    """Write the detail workbook to ``path`` if, read back, no cell holds a stored child reference."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".xlsx", prefix=".detail-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        workbook = Workbook(str(tmp))
        try:
            fmts = formats_for(workbook)
            extra = {
                "date": workbook.add_format({"num_format": "dd/mm/yyyy", "valign": "top"}),
                "link": workbook.add_format({"font_color": "blue", "underline": 1, "valign": "top"}),
            }
            write_index(workbook, detail, fmts, extra)
            for line in detail.lines:
                write_line_sheet(workbook, detail, line, fmts, extra)
        finally:
            workbook.close()
        found = cells_with_child_refs(tmp, matcher)
        if found:
            where = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
            raise WorkspaceError(
                f"the detail workbook was not written: {len(found)} cell(s) hold a child reference ({where})"
            )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def cells_with_child_refs(path: Path, matcher: re.Pattern[str] | None) -> list[str]:
    """Every sheet name and cell of a workbook (as stored) that holds a child reference: ``'sheet'!A1``."""
    if matcher is None:
        return []
    wb = openpyxl.load_workbook(path, read_only=False)
    found: list[str] = []
    try:
        for ws in wb.worksheets:
            if holds_child_ref(ws.title, matcher):
                found.append(f"sheet name {ws.title!r}")
            for row in ws.iter_rows():
                for c in row:
                    link = c.hyperlink.location if c.hyperlink is not None else None
                    if holds_child_ref(c.value, matcher) or holds_child_ref(link, matcher):
                        found.append(f"'{ws.title}'!{c.coordinate}")
            for part in (ws.oddFooter, ws.oddHeader):
                texts = [
                    getattr(getattr(part, side, None), "text", None) for side in ("left", "center", "right")
                ]
                if any(holds_child_ref(t, matcher) for t in texts):
                    found.append(f"'{ws.title}' header or footer")
    finally:
        wb.close()
    return found


def internal_link(sheet: str) -> str:
    return f"internal:'{sheet}'!A1"


def write_index(
    workbook: Workbook, detail: DetailReport, fmts: Formats, extra: dict[str, object]
) -> Worksheet:
    """Index: every explained variance, each line linked to its detail sheet."""
    ws = workbook.add_worksheet(INDEX)
    period = period_title(detail.financial_year, detail.period, detail.period_no)
    title = f"What lies behind the variances {period}"
    write_title_rows(ws, fmts, detail.authority, title, sign_statement(detail.variance_sign))
    ws.write_string(
        3,
        0,
        "For the finance team, not the meeting: placements are named by a key (no child references).",
        fmts.sign,
    )
    write_header(ws, HEADER_ROW, ["Level", "Heading", "Name", "Amount", "Direction", "Detail"], fmts, 3)
    sheets = {(d.heading, d.line): d.sheet for d in detail.lines}
    row = HEADER_ROW + 1
    for v in detail.variances:
        text = fmts.text_bold if v.level == "heading" else fmts.text
        write_text(ws, row, 0, v.level, text)
        write_text(ws, row, 1, v.heading, text)
        write_text(ws, row, 2, v.name, text)
        write_money(ws, row, 3, v.amount_p, fmts.money)
        write_text(ws, row, 4, v.direction, text)
        sheet = sheets.get((v.heading, v.name))
        if sheet:
            ws.write_url(row, 5, internal_link(sheet), extra["link"], string=sheet)
        elif v.level == "heading":
            write_text(ws, row, 5, "see its lines", fmts.text)
        row += 1
    ws.set_column(0, 0, 9)
    ws.set_column(1, 2, 30)
    ws.set_column(3, 4, 12)
    ws.set_column(5, 5, 30)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    set_print_setup(ws, detail.authority, title, HEADER_ROW)
    return ws


def _date(ws: Worksheet, row: int, col: int, value: date | None, fmt: object) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)


def _sum(ws: Worksheet, row: int, col: int, first: int, last: int, pence: int, fmt: object) -> None:
    """A SUM over a column's data rows, its cached value the tool's total."""
    if last < first:
        write_money(ws, row, col, 0, fmt)
    else:
        write_cached_formula(ws, row, col, f"=SUM({cell(first, col)}:{cell(last, col)})", pence, fmt)


def write_line_sheet(
    workbook: Workbook, detail: DetailReport, line: LineDetail, fmts: Formats, extra: dict[str, object]
) -> Worksheet:
    """One line's sheet: its variance and explanation, then its placements or its largest postings."""
    ws = workbook.add_worksheet(line.sheet)
    period = period_title(detail.financial_year, detail.period, detail.period_no)
    title = f"{line.line}: what lies behind the variance {period}"
    write_title_rows(ws, fmts, detail.authority, title, sign_statement(detail.variance_sign))
    ws.write_url(3, 0, internal_link(INDEX), extra["link"], string="Back to the index")
    pounds = fmts.pounds
    f = line.result.figures
    facts: list[tuple[str, int | str]] = [
        ("Variance net £", line.variance.amount_p),
        ("Direction", line.variance.direction),
        ("Budget net £", f.budget_net_p),
        ("Forecast net £", f.forecast_net_p),
        ("Actual net to date £", line.actual_net_p),
        ("Officer adjustments £", line.result.adjustments_p),
        ("Forecast net after the period end £", line.forecast_after_p),
    ]
    row = HEADER_ROW
    for label, value in facts:
        write_text(ws, row, 0, label, fmts.text_bold)
        if isinstance(value, int):
            write_money(ws, row, 4, value, pounds)
        else:
            write_text(ws, row, 4, value, fmts.text)
        row += 1
    write_text(ws, row, 0, "Explanation", fmts.text_bold)
    ws.merge_range(row, 1, row, 7, "", fmts.wrapped)
    write_text(ws, row, 1, line.variance.explanation, fmts.wrapped)
    fit_row(ws, row, [(line.variance.explanation, 90)])
    row += 2
    if line.is_placement_line:
        row = _placements_tables(ws, detail, line, fmts, extra, row)
    else:
        row = _postings_table(ws, line, fmts, row)
    # one page across at about 85% (A4 landscape)
    if line.is_placement_line:
        ws.set_column(0, 0, 14)
        ws.set_column(1, 3, 11)
        ws.set_column(4, 4, 30)
        ws.set_column(5, 5, 11)
        ws.set_column(6, 7, 13)
    else:
        ws.set_column(0, 0, 40)
        ws.set_column(1, 2, 10)
        ws.set_column(3, 7, 12)
    set_print_setup(ws, detail.authority, title, 0)
    return ws


def _placement_cells(
    ws: Worksheet, row: int, p: PlacementRow, fmts: Formats, extra: dict[str, object], moved: bool
) -> None:
    dt = extra["date"]
    write_text(ws, row, 0, p.key, fmts.text)
    _date(ws, row, 1, p.start, dt)
    _date(ws, row, 2, p.planned_end, dt)
    write_money(ws, row, 3, p.weekly_cost_p, fmts.pounds)
    write_text(ws, row, 4, p.provider_type, fmts.text)
    if moved:
        _date(ws, row, 5, p.end, dt)
        write_money(ws, row, 6, p.cost_to_date_p + p.cost_to_year_end_p, fmts.pounds)
    else:
        ws.write_number(row, 5, p.days_in_year, fmts.integer)
        write_money(ws, row, 6, p.cost_to_date_p, fmts.pounds)
        write_money(ws, row, 7, p.cost_to_year_end_p, fmts.pounds)


def _placements_tables(
    ws: Worksheet, detail: DetailReport, line: LineDetail, fmts: Formats, extra: dict[str, object], row: int
) -> int:
    end = f"{detail.period_end:%d/%m/%Y}"
    since = f"{detail.since:%d/%m/%Y}"
    ws.write_string(row, 0, f"Placements open at {end} ({len(line.open)})", fmts.subtitle)
    write_header(ws, row + 1, OPEN_HEADERS, fmts, 3)
    ws.write_string(row + 1, 4, OPEN_HEADERS[4], fmts.header)
    first = row + 2
    for i, p in enumerate(line.open):
        _placement_cells(ws, first + i, p, fmts, extra, moved=False)
    total = first + len(line.open)
    write_text(ws, total, 0, "Total", fmts.text_bold)
    _sum(ws, total, 6, first, total - 1, sum(p.cost_to_date_p for p in line.open), fmts.pounds)
    _sum(ws, total, 7, first, total - 1, line.committed_p, fmts.pounds)
    row = total + 1
    other = line.forecast_after_p - line.committed_p
    write_text(ws, row, 0, "Rest of the forecast after the period end", fmts.text)
    write_text(ws, row, 1, "accruals, new placements the model expects, income on the line", fmts.text)
    write_money(ws, row, 7, other, fmts.pounds)
    row += 1
    write_text(ws, row, 0, "Forecast net after the period end", fmts.text_bold)
    write_cached_formula(
        ws, row, 7, f"={cell(total, 7)}+{cell(row - 1, 7)}", line.forecast_after_p, fmts.pounds
    )
    row += 2
    for label, rows in ((f"Started since {since}", line.started), (f"Ended since {since}", line.ended)):
        ws.write_string(row, 0, f"{label} ({len(rows)})", fmts.subtitle)
        write_header(ws, row + 1, MOVED_HEADERS, fmts, 3)
        ws.write_string(row + 1, 4, MOVED_HEADERS[4], fmts.header)
        first = row + 2
        for i, p in enumerate(rows):
            _placement_cells(ws, first + i, p, fmts, extra, moved=True)
        total = first + len(rows)
        write_text(ws, total, 0, "Total", fmts.text_bold)
        cost = sum(p.cost_to_date_p + p.cost_to_year_end_p for p in rows)
        _sum(ws, total, 6, first, total - 1, cost, fmts.pounds)
        row = total + 2
    ws.write_string(
        row,
        0,
        "Supplier, description and reference of the ledger are left out here: they can name a child.",
        fmts.sign,
    )
    return row + 1


def _postings_table(ws: Worksheet, line: LineDetail, fmts: Formats, row: int) -> int:
    shown = len(line.postings)
    ws.write_string(
        row,
        0,
        f"Largest postings of the year to date by supplier and month ({shown} of the line's groups)",
        fmts.subtitle,
    )
    write_header(ws, row + 1, POSTING_HEADERS, fmts, 2)
    first = row + 2
    for i, p in enumerate(line.postings):
        write_text(ws, first + i, 0, p.supplier, fmts.text)
        write_text(ws, first + i, 1, p.month, fmts.text)
        ws.write_number(first + i, 2, p.rows, fmts.integer)
        write_money(ws, first + i, 3, p.amount_p, fmts.pounds)
    total = first + shown
    write_text(ws, total, 0, "Shown above", fmts.text_bold)
    _sum(ws, total, 3, first, total - 1, sum(p.amount_p for p in line.postings), fmts.pounds)
    write_text(ws, total + 1, 0, "All postings of the line to date", fmts.text_bold)
    ws.write_number(total + 1, 2, line.postings_count, fmts.integer)
    write_money(ws, total + 1, 3, line.postings_total_p, fmts.pounds)
    return total + 2
