"""The README's month-end sequence on an invented authority (Lowmoor, tests/lowmoor.py), run through the CLI:
the workbooks recalculate in LibreOffice to the tool's figures, and every sheet prints as a page a finance
meeting accepts (landscape, one page wide at 70% or more, header rows repeated, nothing outside the print area).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lowmoor import AUTHORITY, CONTRACT_VALUE, YEAR, write_inputs
from openpyxl.utils import get_column_letter, range_boundaries
from typer.testing import CliRunner

from budget.cli import app
from budget.workbooks.xlsx import A3, A4, MIN_PRINT_SCALE, print_scale

from recalc import cache_mismatches, recalculated_copies, soffice

DEFAULT_WIDTH = 8.43


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.output


@pytest.fixture(scope="module")
def month_end(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """init → templates → imports → three month ends (P3, P5, P6) → commentary → MTFS → backtest."""
    root = tmp_path_factory.mktemp("lowmoor")
    ws = str(root / "ws")
    files = write_inputs(root / "inputs")
    run("init", ws, "--authority", AUTHORITY, "--year", YEAR, "--contract-value", CONTRACT_VALUE)
    run("templates", str(root / "templates"))
    for kind in ("mapping", "budget", "ledger", "placements", "adjustments", "savings"):
        run(kind, "import", str(files[kind]), "-w", ws)
    run("outturn", "--period", "P3", "-w", ws)  # the quarter end
    run("outturn", "--period", "Aug-21", "-w", ws)  # last month
    run("forecast", "--period", "September 2021", "-w", ws)
    out = {
        "outturn": root / "outturn-2021-09.xlsx",
        "mtfs": root / "mtfs.xlsx",
        "accuracy": root / "accuracy.xlsx",
    }
    run("outturn", "--period", "2021-09", "--out", str(out["outturn"]), "-w", ws)
    run("commentary", "import", str(out["outturn"]), "-w", ws)
    run("mtfs", "--out", str(out["mtfs"]), "--years", "3", "-w", ws)
    run("backtest", "--out", str(out["accuracy"]), "-w", ws)
    return out


def column_widths(ws: Any) -> dict[int, tuple[float, bool]]:
    """Column number → (width, hidden) as the file sets them (unset columns are Excel's default)."""
    out: dict[int, tuple[float, bool]] = {}
    for dim in ws.column_dimensions.values():
        if dim.min is None:
            continue
        for col in range(dim.min, dim.max + 1):
            out[col] = (dim.width or DEFAULT_WIDTH, bool(dim.hidden))
    return out


def print_problems(path: Path) -> list[str]:
    """Every way a sheet of the workbook would not print as a meeting page."""
    book = openpyxl.load_workbook(path)
    problems: list[str] = []
    for ws in book.worksheets:
        name = f"{path.name}:{ws.title}"
        setup = ws.page_setup
        if setup.orientation != "landscape":
            problems.append(f"{name}: not landscape")
        if (
            not ws.sheet_properties.pageSetUpPr.fitToPage
            or setup.fitToWidth not in (None, 1)
            or setup.fitToHeight != 0
        ):
            problems.append(f"{name}: not fitted one page wide")
        paper = int(setup.paperSize or A4)
        if paper not in (A4, A3):
            problems.append(f"{name}: paper {paper}")
        if not ws.print_title_rows:
            problems.append(f"{name}: no repeated header rows")
        if not ws.print_area:
            problems.append(f"{name}: no print area")
            continue
        area = str(ws.print_area).split("!")[-1].replace("$", "")
        min_col, min_row, max_col, max_row = range_boundaries(area)
        widths = column_widths(ws)
        shown = [widths.get(c, (DEFAULT_WIDTH, False)) for c in range(min_col, max_col + 1)]
        scale = print_scale([w for w, hidden in shown if not hidden], paper)
        if scale < MIN_PRINT_SCALE:
            problems.append(f"{name}: prints at {scale:.0%}")
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and not (
                    min_row <= c.row <= max_row and min_col <= c.column <= max_col
                ):
                    problems.append(
                        f"{name}: {c.coordinate} holds {str(c.value)[:30]!r} outside the print area"
                    )
        for chart in ws._charts:
            anchor = chart.anchor._from
            if anchor.col + 1 > max_col or anchor.row + 1 > max_row:
                problems.append(
                    f"{name}: a chart at {get_column_letter(anchor.col + 1)}{anchor.row + 1} is outside"
                )
    return problems


def test_every_sheet_prints_as_a_meeting_page(month_end: dict[str, Path]) -> None:
    for path in month_end.values():
        assert print_problems(path) == [], path.name


def test_the_workbooks_recalculate_to_the_tools_figures(month_end: dict[str, Path], tmp_path: Path) -> None:
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    files = list(month_end.values())
    for original, copy in zip(files, recalculated_copies(files, tmp_path), strict=True):
        assert cache_mismatches(original, copy) == {}, original.name


def test_lowmoor_summary_headline_and_pages(month_end: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(month_end["outturn"], data_only=True)
    summary = book["Summary"]
    headline = str(summary["A4"].value)
    assert headline.startswith("The forecast outturn as at the end of September 2021 (P6) is an")
    assert "since August 2021 (P5)" in headline and "since the end of Quarter 1 (June 2021)" in headline
    assert [summary.cell(row=9, column=c).value for c in (2, 5, 8)] == [
        "2021/22 Budget £000",
        "2021/22 Forecast Outturn £000",
        "2021/22 Variance £000",
    ]
    assert summary["A10"].value == "Heading" and summary["J10"].value == "Variance Net"
    # a council running its own service: the retained share is the service's
    surplus = [r[0] for r in book["Surplus share"].iter_rows(values_only=True)]
    assert "Service's retained share" in surplus and "Band" not in surplus  # no bands: no empty table
    lines = book["Lines"]
    rows = {lines.cell(row=r, column=1).value: r for r in range(6, lines.max_row + 1)}
    # 36 agency placements against 40 budgeted: an underspend, so green; 10 residential against 8: red
    assert lines[f"N{rows['Agency Foster Care']}"].value == "green"
    assert lines[f"N{rows['Residential Care']}"].value == "red"
    assert lines[f"K{rows['Kinship Allowances']}"].value == "average of recent months"
    assert lines[f"K{rows['Residential Care']}"].value == "placements to their end dates"
    notes = list(book["Notes"].iter_rows(values_only=True))
    labels = [r[0] for r in notes if r[0]]
    # the technical detail once, on Notes: one method row per line (five at a run rate), Period said once
    assert sum("average of recent months (method 'run-rate')" in str(r[1]) for r in notes) == 5
    assert labels.count("Period") == 1 and labels.count("Data as at") == 1
    assert not any(str(label).startswith("Method:") for label in labels)
    variances = " ".join(str(r[5]) for r in book["Variances"].iter_rows(min_row=6, values_only=True) if r[5])
    assert "Health Contributions: £120k income shortfall" in variances
    savings = {r[0]: r[9] for r in book["Savings"].iter_rows(values_only=True) if r[0]}
    assert savings["Review of legal panel rates"] == "not assessed"
    book.close()


def test_outturn_and_mtfs_agree_on_the_revised_contract_sum(month_end: dict[str, Path]) -> None:
    # £7,495,000 budgeted; six months received at £624,583.33 (-£7,495,000 / 12) plus a £30,000 variation in
    # September: £3,777,499.98 to date, and the run rate (the last three months, £634,583.33) for the other six,
    # £3,807,499.98, makes the revised contract sum £7,584,999.96: the final contract sum and the MTFS's year 0
    # both start from it, not from the £7,495,000 setting
    surplus = openpyxl.load_workbook(month_end["outturn"], data_only=True)["Surplus share"]
    assert surplus["A6"].value == "Contract value" and surplus["B6"].value == pytest.approx(
        7_584_999.96, abs=0.01
    )
    assert "revised contract sum" in str(surplus["C6"].value)
    baseline = openpyxl.load_workbook(month_end["mtfs"], data_only=True)["Baseline"]
    contract = next(r for r in baseline.iter_rows(values_only=True) if r[0] == "Contract value")
    assert contract[1] == pytest.approx(7_584_999.96, abs=0.01)
