"""LibreOffice recalculates every formula of the outturn workbook to the value the tool cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_outturn_workbook import sample_report
from xlsxwriter.workbook import Workbook

from budget.monthend.report import FORECAST_MINUS_BUDGET
from budget.workbooks.outturn import write_outturn_workbook
from budget.workbooks.xlsx import formats_for, write_cached_formula

from recalc import cache_mismatches, formula_cells, recalculated_copies, soffice


def _wrong_cache_workbook(path: Path) -> Path:
    """A tiny workbook whose C1 formula caches £999.00 although B1+A1 is £300.25."""
    workbook = Workbook(str(path))
    ws = workbook.add_worksheet("Summary")
    fmts = formats_for(workbook)
    ws.write_number(0, 0, 100.25, fmts.money)
    ws.write_number(0, 1, 200, fmts.money)
    write_cached_formula(ws, 0, 2, "=A1+B1", 99_900, fmts.money)
    write_cached_formula(ws, 1, 2, "=A1*2", 20_050, fmts.money)
    workbook.close()
    return path


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Three workbooks recalculated in one soffice run: name → (original, LibreOffice copy)."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    tmp = tmp_path_factory.mktemp("recalc")
    src = tmp / "src"
    src.mkdir()
    outturn, flipped = src / "outturn.xlsx", src / "outturn_flipped.xlsx"
    write_outturn_workbook(sample_report(), outturn)
    write_outturn_workbook(sample_report(FORECAST_MINUS_BUDGET), flipped)
    wrong = _wrong_cache_workbook(src / "wrong_cache.xlsx")
    files = [outturn, flipped, wrong]
    return {f.stem: (f, copy) for f, copy in zip(files, recalculated_copies(files, tmp), strict=True)}


def test_every_formula_recalculates_to_its_cached_value(recalculated: dict[str, tuple[Path, Path]]) -> None:
    original, copy = recalculated["outturn"]
    formulas = formula_cells(original)
    sheets = {sheet for sheet, _ in formulas}
    assert sheets == {"Summary", "Lines", "Surplus share", "Variances"}
    # Summary: headline 4 (net budget, forecast, variance, %); 4 headings x (gross and income from Lines 4,
    # net and variances 5, RAG 1) + one movement from Lines + Grand Total 9;
    # Lines: 6 lines x (5 + RAG), 4 subtotals x (10 + RAG), Grand Total 9 + RAG;
    # Surplus share: net position, council share, retained share, final contract sum;
    # Variances: 2 headings (Summary cells) + 3 lines (Lines cells)
    assert len(formulas) == (4 + 4 * 10 + 1 + 9) + (6 * 6 + 4 * 11 + 10) + 4 + 5
    assert cache_mismatches(original, copy) == {}


def test_forecast_minus_budget_recalculates_to_its_cached_value(
    recalculated: dict[str, tuple[Path, Path]],
) -> None:
    original, copy = recalculated["outturn_flipped"]
    assert formula_cells(original)[("Summary", "J11")] == "=G11-D11"
    assert cache_mismatches(original, copy) == {}


def test_a_wrong_cached_value_is_caught(recalculated: dict[str, tuple[Path, Path]]) -> None:
    original, copy = recalculated["wrong_cache"]
    assert cache_mismatches(original, copy) == {("Summary", "C1"): (999, 300.25)}
