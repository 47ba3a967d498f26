"""The MTFS workbook and the Savings sheet: cached values right, LibreOffice recalculates to the same numbers."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from test_mtfs import ASSUME, COSTS, PLAN, SHOCK, small_base
from test_outturn_workbook import sample_report
from test_savings import _placements

from budget.mtfs.projection import ZERO_CONTRACT, MtfsReport, scenario_years
from budget.plans.savings import PlanRow, savings_tracker
from budget.plans.scenarios import BASELINE, ScenarioSpec
from budget.workbooks.mtfs import write_mtfs_workbook
from budget.workbooks.outturn import write_outturn_workbook
from ledgers.readers.periods import FinancialYear

from recalc import cache_mismatches, formula_cells, recalculated_copies, soffice


def _mtfs(path: Path) -> Path:
    base = small_base()
    results = [
        scenario_years(base, COSTS, ASSUME, spec, PLAN, {}, 2) for spec in (ScenarioSpec(BASELINE), SHOCK)
    ]
    for result in results:
        result.numbers = {"IFA": [40.0, 42.0, 44.0]}
    write_mtfs_workbook(MtfsReport(base, results, [("Year 0", "hand-built")]), path)
    return path


def _outturn_with_savings(path: Path) -> Path:
    report = sample_report()
    plan = [
        PlanRow(
            "Taxis", "CWD", FinancialYear(2019), 5_000_000, 4_000_000, 5_000_000, mitigation="=HYPERLINK(1)"
        ),
        PlanRow("Pool cars", "Teams", FinancialYear(2019), 6_000_000, 3_000_000, 4_500_000, recurrent=False),
    ]
    report.savings = savings_tracker(plan, _placements(), FinancialYear(2019), 12)
    write_outturn_workbook(report, path)
    return path


def test_mtfs_cached_values(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_mtfs(tmp_path / "mtfs.xlsx"), data_only=True)
    assert wb.sheetnames == ["Summary", "Baseline", "shock", "Notes"]
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "shock"]
    net, gap, effect, required = summary
    # year 1: £1,081,500 social work + £2,200,000 IFA - £100,000 grant - £3,030,000 contract
    assert gap[1:] == (-100_000, pytest.approx(151_500), pytest.approx(353_645))
    assert required[3] == pytest.approx(353_645)  # the scenario is before the plan: the whole gap
    assert effect[1:] == (0, 0, 0)
    rows = list(wb["shock"].iter_rows(values_only=True))
    tracker = next(r for r in rows if str(r[0]).startswith("Savings plan as the tracker has it"))
    assert tracker[1:4] == (0, 50_000, 70_000)
    # on the sheet, not in a footnote: what the scenario includes less what the tracker says
    difference = next(r for r in rows if str(r[0]).startswith("Tracker savings not in this scenario"))
    assert difference[1:4] == (0, -50_000, -70_000)
    assert "Expenditure positive" in str(wb["shock"]["A3"].value)
    wb.close()


def test_scenario_shows_placements_and_unit_costs_beside_the_money(tmp_path: Path) -> None:
    path = _mtfs(tmp_path / "mtfs.xlsx")
    ws = openpyxl.load_workbook(path)["shock"]
    values = openpyxl.load_workbook(path, data_only=True)["shock"]
    header = next(r for r in range(1, 30) if ws.cell(row=r, column=1).value == "Line")
    assert [ws.cell(row=header, column=c).value for c in range(5, 11)] == [
        "Placements 2019/20", "Placements 2020/21", "Placements 2021/22",
        "Unit cost £/wk 2019/20", "Unit cost £/wk 2020/21", "Unit cost £/wk 2021/22",
    ]  # fmt: skip
    ifa = next(r for r in range(header, 60) if ws.cell(row=r, column=1).value == "IFA")
    # £2,000,000 / (40 × 366 / 7) = £956.28 a week; £2,200,000 / (42 × 365 / 7) = £1,004.57;
    # £2,400,000 / (44 × 365 / 7) = £1,046.08: a 20% rise in cost is 10% more children and 9% on price
    assert [values.cell(row=ifa, column=c).value for c in (2, 3, 4)] == [2_000_000, 2_200_000, 2_400_000]
    assert [values.cell(row=ifa, column=c).value for c in (5, 6, 7)] == [40.0, 42.0, 44.0]
    assert [round(values.cell(row=ifa, column=c).value, 2) for c in (8, 9, 10)] == [
        956.28,
        1_004.57,
        1_046.08,
    ]
    assert ws.cell(row=ifa, column=9).value == f"=C{ifa}/(F{ifa}*365/7)"


def test_savings_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_outturn_with_savings(tmp_path / "o.xlsx"), data_only=True)
    rows = list(wb["Savings"].iter_rows(values_only=True))
    taxis = next(r for r in rows if r[0] == "Taxis")
    assert (taxis[5], taxis[7], taxis[8], taxis[9], taxis[10]) == (50_000, 40_000, 10_000, "amber", 10_000)
    assert taxis[13] == "=HYPERLINK(1)"  # input text stays text
    cars = next(r for r in rows if r[0] == "Pool cars")
    assert (cars[9], cars[11]) == ("red", 30_000)
    wb.close()


def test_libreoffice_recalculates_to_the_cached_values(tmp_path: Path) -> None:
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    files = [_mtfs(tmp_path / "mtfs.xlsx"), _outturn_with_savings(tmp_path / "outturn.xlsx")]
    copies = recalculated_copies(files, tmp_path)
    assert {s for s, _ in formula_cells(files[0])} == {"Summary", "Baseline", "shock"}
    assert "Savings" in {s for s, _ in formula_cells(files[1])}
    for original, copy in zip(files, copies, strict=True):
        assert cache_mismatches(original, copy) == {}


def test_zero_contract_value_warning_on_the_summary(tmp_path: Path) -> None:
    base = small_base()
    results = [scenario_years(base, COSTS, ASSUME, ScenarioSpec(BASELINE), PLAN, {}, 2)]
    write_mtfs_workbook(MtfsReport(base, results, [], [ZERO_CONTRACT]), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx", data_only=True)
    assert "set [contract] value in careladder.toml" in str(wb["Summary"]["A4"].value)
    wb.close()
