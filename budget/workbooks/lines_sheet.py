"""The Lines sheet: every line under its heading, subtotals with movement and RAG, the line detail columns."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.methods import plain_method, plain_note
from budget.monthend.report import Figures, LineResult, OutturnReport, rag_status, sign_statement
from budget.workbooks.outturn_layout import (
    HEADER_ROW,
    LINES_HEADERS,
    LINES_MOVEMENT,
    LINES_RAG,
    VARIANCE_NET,
    OutturnLayout,
    grouped_lines,
)
from budget.workbooks.xlsx import (
    Formats,
    cell,
    fit_row,
    movement_statement,
    period_title,
    rag_formula,
    rag_legend,
    set_print_setup,
    write_cached_formula,
    write_figure_row,
    write_header,
    write_money,
    write_rag_colours,
    write_text,
    write_title_rows,
    write_total_row,
    write_wide_text,
)

SUSPENSE_NOTE = "Suspense: ledger rows that match no mapping (see Notes)"
# A line; B–J money; K method; L adjustments; M movement; N RAG; O, P best/worst; Q funded by; R note
WIDTHS = [38.0] + [11.0] * 9 + [22.0, 11.0, 11.0, 8.0, 11.0, 11.0, 16.0, 34.0]
METHOD_COL, NOTE_COL = 10, 17


def write_line_extras(
    ws: Worksheet, row: int, line: LineResult, report: OutturnReport, fmts: Formats
) -> None:
    """Columns K–R of a line: method, adjustments, movement, RAG, best/worst case, funder, note."""
    text = fmts.suspense_text if line.is_suspense else fmts.wrapped
    money = fmts.suspense_money if line.is_suspense else fmts.money
    method = plain_method(line.method, line.method_note)
    write_text(ws, row, METHOD_COL, method, text)
    write_money(ws, row, 11, line.adjustments_p, money)
    if line.movement_net_p is None:
        ws.write_string(row, LINES_MOVEMENT, "n/a", text)
    else:
        write_money(ws, row, LINES_MOVEMENT, line.movement_net_p, money)
    write_rag(ws, row, report, line.figures, fmts, line.rag)
    write_money(ws, row, 14, line.best_net_p, money)
    write_money(ws, row, 15, line.worst_net_p, money)
    write_text(ws, row, 16, line.funded_by, fmts.wrapped)
    note = SUSPENSE_NOTE if line.is_suspense else plain_note(line.method_note)
    write_text(ws, row, NOTE_COL, note, fmts.wrapped)
    fit_row(
        ws,
        row,
        [
            (note, WIDTHS[NOTE_COL]),
            (method, WIDTHS[METHOD_COL]),
            (line.name, WIDTHS[0]),
            (line.funded_by, 16),
        ],
    )


def write_rag(
    ws: Worksheet, row: int, report: OutturnReport, figures: Figures, fmts: Formats, word: str | None = None
) -> None:
    """The RAG word as a live formula on the row's net variance and budget, cached from the tool's rule."""
    sign = report.variance_sign
    word = word or rag_status(
        figures.variances(sign)[2],
        figures.budget_net_p,
        sign,
        report.rag_amber,
        report.rag_red,
        report.rag_floor_p,
    )
    formula = rag_formula(
        cell(row, VARIANCE_NET), cell(row, 3), sign, report.rag_amber, report.rag_red, report.rag_floor_p
    )
    ws.write_formula(row, LINES_RAG, formula, fmts.text, word)


def write_lines(workbook: Workbook, report: OutturnReport, fmts: Formats, layout: OutturnLayout) -> Worksheet:
    """Lines: each heading's lines with a SUM subtotal row (movement and RAG too), a Grand Total, RAG colours."""
    ws = workbook.add_worksheet("Lines")
    title = f"Forecast outturn by line {period_title(report.financial_year, report.period, report.period_no)}"
    write_title_rows(ws, fmts, report.authority, title, sign_statement(report.variance_sign), WIDTHS)
    legend = rag_legend(report.rag_amber, report.rag_red, report.rag_floor_p)
    write_wide_text(ws, 3, f"{movement_statement()} {legend}", fmts.note, WIDTHS)
    write_header(ws, HEADER_ROW, LINES_HEADERS, fmts)
    sign = report.variance_sign
    total = Figures()
    moved: list[int | None] = []
    for heading, lines in grouped_lines(report):
        write_text(ws, layout.heading_label_rows[heading], 0, heading, fmts.text_bold)
        line_rows: list[int] = []
        subtotal = Figures()
        for line in lines:
            row = layout.line_rows[(heading, line.name)]
            money = fmts.suspense_money if line.is_suspense else fmts.money
            write_text(ws, row, 0, line.name, fmts.suspense_text if line.is_suspense else fmts.wrapped)
            write_figure_row(ws, row, line.figures, sign, money)
            write_line_extras(ws, row, line, report, fmts)
            subtotal.add(line.figures)
            line_rows.append(row)
        row = layout.heading_total_rows[heading]
        write_text(ws, row, 0, f"Total {heading}", fmts.text_bold)
        write_total_row(ws, row, line_rows, subtotal, sign, fmts.money_bold)
        adjustments = sum(line.adjustments_p for line in lines)
        span = f"{cell(line_rows[0], 11)}:{cell(line_rows[-1], 11)}"
        write_cached_formula(ws, row, 11, f"=SUM({span})", adjustments, fmts.money_bold)
        movement = heading_movement(report, heading, lines)
        moved.append(movement)
        if movement is None:
            ws.write_string(row, LINES_MOVEMENT, "n/a", fmts.text_bold)
        elif all(line.movement_net_p is not None for line in lines):
            span = f"{cell(line_rows[0], LINES_MOVEMENT)}:{cell(line_rows[-1], LINES_MOVEMENT)}"
            write_cached_formula(ws, row, LINES_MOVEMENT, f"=SUM({span})", movement, fmts.money_bold)
        else:
            write_money(ws, row, LINES_MOVEMENT, movement, fmts.money_bold)
        write_rag(ws, row, report, subtotal, fmts)
        total.add(subtotal)
    row = layout.lines_total_row
    subtotal_rows = list(layout.heading_total_rows.values())
    ws.write_string(row, 0, "Grand Total", fmts.text_bold)
    write_total_row(ws, row, subtotal_rows, total, sign, fmts.money_bold)
    if moved and all(m is not None for m in moved):
        formula = "=" + "+".join(cell(r, LINES_MOVEMENT) for r in subtotal_rows)
        write_cached_formula(ws, row, LINES_MOVEMENT, formula, sum(m or 0 for m in moved), fmts.money_bold)
    write_rag(ws, row, report, total, fmts)
    write_rag_colours(ws, fmts, HEADER_ROW + 1, row, LINES_RAG)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    set_print_setup(ws, report.authority, title, HEADER_ROW, WIDTHS, row)
    return ws


def heading_movement(report: OutturnReport, heading: str, lines: list[LineResult]) -> int | None:
    """The heading's movement as the report carries it (None: no earlier run)."""
    for h in report.headings:
        if h.name == heading:
            return h.movement_net_p
    moves = [line.movement_net_p for line in lines]
    return None if any(m is None for m in moves) else sum(m or 0 for m in moves)
