"""Numbers × unit cost beside the money: average placements and the weekly unit cost they imply, by line and
period, so a swing in cost reads as volume or price. Shared by any workbook that forecasts placements (the
MTFS scenario sheets; a placements-forecast workbook)."""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from budget.workbooks.xlsx import Formats

NUMBERS_FORMAT = "#,##0.0"
UNIT_COST_FORMAT = "#,##0"


@dataclass(frozen=True)
class VolumePrice:
    """One line's cost and average placements for each period (a year, a month)."""

    cost_p: list[int]
    numbers: list[float | None]

    def unit_cost_p(self, days: list[int]) -> list[float | None]:
        """Weekly unit cost (pence) implied in each period: cost / (placements × weeks)."""
        return [
            None if not n else cost / (n * d / 7)
            for cost, n, d in zip(self.cost_p, self.numbers, days, strict=True)
        ]


def write_volume_price_header(
    ws: Worksheet, row: int, first_col: int, labels: list[str], fmts: Formats, band_row: int | None = None
) -> int:
    """Headers 'Placements <label>' then 'Unit cost £/wk <label>' from ``first_col``; a band above them on
    ``band_row``. Returns the number of columns the block takes."""
    n = len(labels)
    for i in range(2 * n):
        text = f"Placements {labels[i]}" if i < n else f"Unit cost £/wk {labels[i - n]}"
        ws.write_string(row, first_col + i, text, fmts.header_money)
    if band_row is not None:
        ws.merge_range(band_row, first_col, band_row, first_col + n - 1, "Average placements", fmts.band)
        ws.merge_range(
            band_row, first_col + n, band_row, first_col + 2 * n - 1, "Weekly unit cost (£)", fmts.band
        )
    return 2 * n


def write_volume_price(
    ws: Worksheet,
    row: int,
    first_col: int,
    money_cells: list[str],
    data: VolumePrice,
    days: list[int],
    fmts: Formats,
) -> None:
    """A line's placements (values) and unit costs (live: the money cell ÷ (placements × days ÷ 7), cached)."""
    n = len(money_cells)
    numbers_fmt, unit_fmt = fmts.numbers, fmts.unit_cost
    for i, (money, number, unit, d) in enumerate(
        zip(money_cells, data.numbers, data.unit_cost_p(days), days, strict=True)
    ):
        col = first_col + i
        if number is None or not number:
            ws.write_blank(row, col, None, numbers_fmt)
            ws.write_blank(row, col + n, None, unit_fmt)
            continue
        ws.write_number(row, col, number, numbers_fmt)
        numbers_ref = f"{xl_col_to_name(col)}{row + 1}"
        ws.write_formula(row, col + n, f"={money}/({numbers_ref}*{d}/7)", unit_fmt, (unit or 0) / 100)
