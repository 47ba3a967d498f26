"""Reusable xlsxwriter primitives for the workbooks: formats, safe text, cached formulas, print setup."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from budget.monthend.report import BUDGET_MINUS_FORECAST, FORECAST_MINUS_BUDGET, Figures
from ledgers.readers.money import pounds_float

POUNDS_000 = "#,##0,;(#,##0,);-"  # pounds held at full precision, shown in £000, negatives in brackets
POUNDS = "#,##0.00;(#,##0.00);-"  # whole pounds and pence, for detail tables (adjustments, suspense)
PERCENT = "0.0%"
RED_FILL = "#FFC7CE"
AMBER_FILL = "#FFEB9C"
GREEN_FILL = "#C6EFCE"
SUSPENSE_FILL = "#FCE4D6"
HEADER_FILL = "#D9E1F2"


@dataclass(frozen=True)
class Formats:
    """The cell formats a workbook shares across its sheets."""

    title: Format
    subtitle: Format
    subtitle_wrapped: Format
    sign: Format
    header: Format
    header_money: Format
    text: Format
    text_bold: Format
    wrapped: Format
    wrapped_bold: Format
    money: Format
    money_bold: Format
    pounds: Format
    percent: Format
    integer: Format
    suspense_text: Format
    suspense_money: Format
    unlocked_text: Format
    red: Format
    amber: Format
    green: Format
    band: Format
    note: Format
    headline: Format
    percent_bold: Format
    numbers: Format
    unit_cost: Format


def formats_for(workbook: Workbook) -> Formats:
    """Create the shared formats on a workbook (call once per workbook)."""
    add = workbook.add_format
    return Formats(
        title=add({"bold": True, "font_size": 14}),
        subtitle=add({"bold": True, "font_size": 11}),
        subtitle_wrapped=add({"bold": True, "font_size": 11, "text_wrap": True, "valign": "top"}),
        sign=add({"italic": True, "font_color": "#404040"}),
        header=add({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "valign": "top"}),
        header_money=add(
            {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "text_wrap": True,
                "align": "right",
                "valign": "top",
            }
        ),
        text=add({"text_wrap": False, "valign": "top"}),
        text_bold=add({"bold": True, "valign": "top"}),
        wrapped=add({"text_wrap": True, "valign": "top"}),
        wrapped_bold=add({"text_wrap": True, "valign": "top", "bold": True}),
        money=add({"num_format": POUNDS_000, "valign": "top"}),
        money_bold=add({"num_format": POUNDS_000, "bold": True, "top": 1, "bottom": 6}),
        pounds=add({"num_format": POUNDS}),
        percent=add({"num_format": PERCENT}),
        integer=add({"num_format": "#,##0"}),
        suspense_text=add({"italic": True, "bg_color": SUSPENSE_FILL}),
        suspense_money=add({"num_format": POUNDS_000, "italic": True, "bg_color": SUSPENSE_FILL}),
        unlocked_text=add({"locked": False, "text_wrap": True, "valign": "top"}),
        red=add({"bg_color": RED_FILL, "font_color": "#9C0006"}),
        amber=add({"bg_color": AMBER_FILL, "font_color": "#9C5700"}),
        green=add({"bg_color": GREEN_FILL, "font_color": "#006100"}),
        band=add({"bold": True, "align": "center", "bg_color": HEADER_FILL, "border": 1}),
        note=add({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"}),
        headline=add({"text_wrap": True, "valign": "top", "font_size": 11}),
        percent_bold=add({"num_format": PERCENT, "bold": True}),
        numbers=add({"num_format": "#,##0.0", "valign": "top"}),
        unit_cost=add({"num_format": "#,##0", "valign": "top"}),
    )


def cell(row: int, col: int, absolute: bool = False) -> str:
    """A1 reference of a zero-based (row, col)."""
    return str(xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute))


def write_text(ws: Worksheet, row: int, col: int, text: str | None, fmt: Format | None = None) -> None:
    """Write input text as text, always: a value like ``=HYPERLINK(...)`` stays a literal string."""
    if text is None or text == "":
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(text), fmt)


def write_money(ws: Worksheet, row: int, col: int, pence: int | None, fmt: Format | None = None) -> None:
    """Write an amount held in pence as pounds at full precision (blank when None)."""
    if pence is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, pounds_float(pence), fmt)


def write_cached_formula(
    ws: Worksheet, row: int, col: int, formula: str, pence: int, fmt: Format | None
) -> None:
    """Write a live formula together with the value the tool computed (pence → pounds) as its cached result."""
    ws.write_formula(row, col, formula, fmt, pounds_float(pence))


def variance_formula(budget_ref: str, forecast_ref: str, sign: str) -> str:
    """The variance formula under the sign convention, e.g. ``=B6-E6`` (budget minus forecast)."""
    if sign == BUDGET_MINUS_FORECAST:
        return f"={budget_ref}-{forecast_ref}"
    if sign == FORECAST_MINUS_BUDGET:
        return f"={forecast_ref}-{budget_ref}"
    raise ValueError(
        f"variance_sign '{sign}' should be '{BUDGET_MINUS_FORECAST}' or '{FORECAST_MINUS_BUDGET}'"
    )


def period_title(financial_year: str, period: str, period_no: int) -> str:
    """'2019/20 as at P9 (December 2019)' from the financial year, ``YYYY-MM`` and period number."""
    month = datetime.strptime(period, "%Y-%m").strftime("%B %Y")
    return f"{financial_year} as at P{period_no} ({month})"


def write_title_rows(
    ws: Worksheet,
    fmts: Formats,
    authority: str,
    title: str,
    sign_sentence: str,
    widths: list[float] | None = None,
) -> int:
    """The title block: authority, title and sign-convention rows at the top of a sheet (with the printed
    columns' ``widths``, the sentences wrap within them); returns the next free row."""
    write_text(ws, 0, 0, authority, fmts.title)
    if widths:
        write_wide_text(ws, 1, title, fmts.subtitle_wrapped, widths)
    else:
        write_text(ws, 1, 0, title, fmts.subtitle)
    write_sign_line(ws, 2, fmts, sign_sentence, widths)
    return 3


def write_sign_line(
    ws: Worksheet, row: int, fmts: Formats, sign_sentence: str, widths: list[float] | None = None
) -> None:
    """The sentence stating the sign convention, plus how figures are shown."""
    text = f"{sign_sentence} Figures shown in £000; cells hold pounds."
    if widths:
        write_wide_text(ws, row, text, fmts.note, widths)
    else:
        write_text(ws, row, 0, text, fmts.sign)


def write_header(ws: Worksheet, row: int, headers: list[str], fmts: Formats, money_from: int = 1) -> None:
    """A header row (tall enough for two-line headings); columns from ``money_from`` on are right-aligned."""
    ws.set_row(row, 30)
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, fmts.header_money if col >= money_from else fmts.header)


def fit_row(ws: Worksheet, row: int, cells: list[tuple[str | None, float]]) -> None:
    """Set a row tall enough for its wrapped texts: (text, column width) pairs; viewers do not auto-fit rows."""
    lines = max((text_lines(t, width) for t, width in cells if t), default=1)
    if lines > 1:
        ws.set_row(row, 15 * lines + 3)


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (each paragraph on its own)."""
    per_line = max(width * 1.2, 1)
    return sum(max(1, math.ceil(len(par) / per_line)) for par in text.split("\n"))


def footer_text(text: str) -> str:
    """Escape input text for a header/footer, where ``&`` starts a control code."""
    return text.replace("&", "&&")


A4, A3 = 9, 8  # xlsxwriter paper codes
PRINTABLE_PX = {A4: 988, A3: 1453}  # landscape width inside the default 0.7" margins, at 96 px an inch
MIN_PRINT_SCALE = 0.7


def column_px(width: float) -> int:
    """Excel's pixel width of a column ``width`` characters wide (Calibri 11)."""
    return int(width * 7 + 5)


def print_scale(widths: list[float], paper: int) -> float:
    """The fit-to-one-page-wide scale of a sheet whose printed columns have these widths (1.0: no shrink)."""
    return min(1.0, PRINTABLE_PX[paper] / max(sum(column_px(w) for w in widths), 1))


def paper_for(widths: list[float]) -> int:
    """A4 landscape when the columns print at 70% or more on it, else A3."""
    return A4 if print_scale(widths, A4) >= MIN_PRINT_SCALE else A3


def set_print_setup(
    ws: Worksheet,
    authority: str,
    period_label: str,
    header_row: int,
    widths: list[float] | None = None,
    last_row: int | None = None,
) -> None:
    """Landscape, one page wide, header rows repeated, footer with authority, period and page number.

    With ``widths`` (every printed column, from A) the columns are set, the paper is A4 unless the table
    needs A3 to print at 70% or more, and the print area is those columns down to ``last_row``."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, header_row)
    ws.set_footer(f"&L{footer_text(authority)}&C{footer_text(period_label)}&RPage &P of &N")
    if widths:
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.set_paper(paper_for(widths))
        ws.print_area(
            0, 0, max(last_row if last_row is not None else header_row, header_row), len(widths) - 1
        )


def chart_page_breaks(
    n_charts: int, per_row: int, band_rows: int, bands_per_page: int, first_row: int = 4
) -> list[int]:
    """The rows a printed sheet of charts (``per_row`` across, each row of charts ``band_rows`` sheet rows,
    the first at ``first_row``) breaks before: every ``bands_per_page`` rows of charts, so no chart is cut
    across two pages."""
    band = bands_per_page * band_rows
    last = first_row + math.ceil(n_charts / per_row) * band_rows
    return list(range(first_row + band, last, band))


def write_wide_text(
    ws: Worksheet, row: int, text: str, fmt: Format, widths: list[float], first_col: int = 0
) -> None:
    """A sentence across the printed columns (merged and wrapped), its row tall enough to show it all."""
    last_col = len(widths) - 1
    lines = text_lines(text, sum(widths[first_col:]))
    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, "", fmt)  # then the text as a string, never a formula
    ws.write_string(row, first_col, text, fmt)
    ws.set_row(row, 15 * lines + 2)


def rag_formula(variance_ref: str, budget_ref: str, sign: str, amber: float, red: float, floor_p: int) -> str:
    """``budget.monthend.report.rag_status`` as a formula: red/amber only for an adverse variance over the floor."""
    adverse = f"{variance_ref}<0" if sign == BUDGET_MINUS_FORECAST else f"{variance_ref}>0"
    v, b, floor = f"ABS({variance_ref})", f"ABS({budget_ref})", pounds_float(floor_p)
    return (
        f'=IF(OR(NOT({adverse}),{v}<{floor:g}),"green",'
        f'IF({v}>={red:g}*{b},"red",IF({v}>={amber:g}*{b},"amber","green")))'
    )


def write_rag_colours(ws: Worksheet, fmts: Formats, first: int, last: int, col: int) -> None:
    """Fill a RAG column by its word: red, amber, green; blank cells stay blank."""
    for word, fmt in (("red", fmts.red), ("amber", fmts.amber), ("green", fmts.green)):
        ws.conditional_format(
            first, col, last, col, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt}
        )


def rag_legend(amber: float, red: float, floor_p: int) -> str:
    """The words of the RAG legend."""
    floor = f"£{floor_p // 100:,}"
    return (
        f"RAG: red = an overspend (or income shortfall) of at least {red:.0%} of budget and {floor}; "
        f"amber = at least {amber:.0%} and {floor}; green = on or under budget, or a smaller overspend."
    )


def movement_statement() -> str:
    """How the movement columns read."""
    return (
        "Movement = this month's forecast net minus last month's: positive = forecast up (adverse), "
        "(brackets) = forecast down (favourable)."
    )


# Budget-versus-forecast rows: label in column A, the nine money columns in B–J (Summary, Lines, ...).


def figure_pence(figures: Figures, sign: str) -> list[int]:
    """The nine money columns of a row in pence: budget, forecast and variance (gross, income, net)."""
    vg, vi, vn = figures.variances(sign)
    return [
        figures.budget_gross_p,
        figures.budget_income_p,
        figures.budget_net_p,
        figures.forecast_gross_p,
        figures.forecast_income_p,
        figures.forecast_net_p,
        vg,
        vi,
        vn,
    ]


def write_figure_row(ws: Worksheet, row: int, figures: Figures, sign: str, money: Format) -> None:
    """Columns B–J of a heading or line: gross and income as values; net and variances as cached formulas."""
    values = figure_pence(figures, sign)
    write_money(ws, row, 1, values[0], money)
    write_money(ws, row, 2, values[1], money)
    write_cached_formula(ws, row, 3, f"={cell(row, 1)}+{cell(row, 2)}", values[2], money)
    write_money(ws, row, 4, values[3], money)
    write_money(ws, row, 5, values[4], money)
    write_cached_formula(ws, row, 6, f"={cell(row, 4)}+{cell(row, 5)}", values[5], money)
    for col, (budget_col, forecast_col) in enumerate([(1, 4), (2, 5), (3, 6)], start=7):
        formula = variance_formula(cell(row, budget_col), cell(row, forecast_col), sign)
        write_cached_formula(ws, row, col, formula, values[col - 1], money)


def write_total_row(
    ws: Worksheet, row: int, rows: list[int], figures: Figures, sign: str, money: Format
) -> None:
    """Columns B–J as SUM formulas over ``rows`` (a contiguous range when they are), cached from ``figures``."""
    values = figure_pence(figures, sign)
    contiguous = rows == list(range(rows[0], rows[-1] + 1)) if rows else True
    for col in range(1, 10):
        if not rows:
            formula = "=0"
        elif contiguous:
            formula = f"=SUM({cell(rows[0], col)}:{cell(rows[-1], col)})"
        else:
            formula = "=SUM(" + ",".join(cell(r, col) for r in rows) + ")"
        write_cached_formula(ws, row, col, formula, values[col - 1], money)
