"""Outturn computed from a small workspace whose every figure is worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.report import OutturnReport
from budget.monthend.surplus import surplus_share
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.importers.plans import import_adjustments
from ledgers.store.workspace import Workspace, init_workspace, load_workspace

from conftest import import_all, outturn_at, write

MONTHS = [
    "2019-04-30",
    "2019-05-31",
    "2019-06-30",
    "2019-07-31",
    "2019-08-31",
    "2019-09-30",
    "2019-10-31",
    "2019-11-30",
    "2019-12-31",
    "2020-01-31",
    "2020-02-29",
    "2020-03-31",
]


def build(tmp: Path, periods: int = 9, threshold: int = 10_000) -> Workspace:
    ws = init_workspace(tmp / "ws", "Hand Trust", "2019/20", contract_value=750_000)
    settings = (
        (ws.path / "careladder.toml")
        .read_text()
        .replace("variance_threshold = 100000", f"variance_threshold = {threshold}")
    )
    (ws.path / "careladder.toml").write_text(settings)
    ws = load_workspace(ws.path)
    write(
        tmp / "map.csv",
        "cost_centre,account,line,heading\nC1,*,IFA,Children Looked After\n"
        "C2,*,Staff,Safeguarding\nC3,*,Legal,Other Services\nC4,*,Grant,Other Services\n"
        "C9,*,Contract,Contract Value\n",
    )
    profile = ",".join(["10000"] * 12)
    write(
        tmp / "budget.csv",
        "line,heading,gross,income,method," + ",".join(f"p{i}" for i in range(1, 13)) + "\n"
        "IFA,Children Looked After,90000,0,,\n" + ",,,,,,,,,,," + "\n"
        f"Staff,Safeguarding,600000,0,,{','.join(['50000'] * 12)}\n"
        f"Legal,Other Services,120000,0,profile,{profile}\n"
        f"Grant,Other Services,0,-60000,actuals,{','.join(['0'] * 11 + ['-60000'])}\n"
        f"Contract,Contract Value,0,-750000,profile,{','.join(['-62500'] * 12)}\n",
    )
    rows = ["date,cost_centre,account,amount,placement_id,supplier"]
    for i, d in enumerate(MONTHS[:periods]):
        rows += [
            f"{d},C2,5000,52000,,Payroll",
            f"{d},C3,5000,8000,,Solicitors",
            f"{d},C9,9000,-62500,,Council",
        ]
        if i == 2:
            rows.append(f"{d},C4,9000,-40000,,Grant body")
    if periods == 9:
        # P1's placement invoiced exactly to 31 Dec (£31,428.58); P2's only £30,000 of its £39,285.69
        rows += ["2019-12-31,C1,5100,31428.58,P1,Acorn", "2019-12-31,C1,5100,30000.00,P2,Acorn"]
    else:
        rows += ["2020-03-31,C1,5100,41828.59,P1,Acorn", "2020-03-31,C1,5100,41285.69,P2,Acorn"]
    write(tmp / "gl.csv", "\n".join(rows) + "\n")
    write(
        tmp / "pl.csv",
        "placement_id,child_ref,line,start_date,end_date,planned_end_date,weekly_cost\n"
        "P1,C-1,IFA,2019-04-01,,,800\nP2,C-2,IFA,2019-04-01,,2020-01-14,1000\n",
    )
    import_all(
        ws,
        (import_mapping, tmp / "map.csv"),
        (import_budget, tmp / "budget.csv"),
        (import_ledger, tmp / "gl.csv"),
        (import_placements, tmp / "pl.csv"),
    )
    return ws


def run(ws: Workspace, period: str) -> OutturnReport:
    return outturn_at(ws, period)


def nets(r: OutturnReport) -> dict[str, int]:
    return {ln.name: ln.figures.forecast_net_p for ln in r.lines}


def test_mid_year_each_method_by_hand(tmp_path: Path) -> None:
    r = run(build(tmp_path), "2019-12")
    got = nets(r)
    # run-rate: £52,000 a month × 12
    assert got["Staff"] == 62_400_000
    # profile: actuals 9 × £8,000 + remaining profile 3 × £10,000
    assert got["Legal"] == 10_200_000
    # actuals: nothing further
    assert got["Grant"] == -4_000_000
    # commitments: invoiced £61,428.58 + accrual (£31,428.58 + £39,285.69 − £61,428.58 = £9,285.69)
    #   + P1 Jan–Mar 2020 (31, 29, 31 days at £800/wk: 354,286 + 331,429 + 354,286 pence)
    #   + P2 to its planned end 14 Jan (14 days at £1,000/wk = £2,000)
    assert got["IFA"] == 6_142_858 + 928_569 + 1_040_001 + 200_000 == 8_311_428
    assert got["Contract"] == -75_000_000
    total = r.grand_total
    assert total.budget_net_p == 0
    assert total.forecast_net_p == 1_911_428
    assert r.surplus.net_position_p == -1_911_428  # an overspend of £19,114.28
    assert r.surplus.council_share_p == 0 and r.surplus.retained_share_p == -1_911_428
    staff = next(ln for ln in r.lines if ln.name == "Staff")
    legal = next(ln for ln in r.lines if ln.name == "Legal")
    assert staff.rag == "green"  # £24,000 over (4%) but under the £50,000 floor
    assert legal.rag == "green"  # £18,000 under budget: favourable is never red


def test_rag_only_for_adverse_variances_over_the_floor() -> None:
    from budget.monthend.report import rag_status

    sign, floor = "budget-minus-forecast", 5_000_000
    # £60,000 over a £1m budget is 6%: red; £30,000 over is 3% but under the £50,000 floor: green
    assert rag_status(-6_000_000, 100_000_000, sign, 0.02, 0.05, floor) == "red"
    assert rag_status(-3_000_000, 100_000_000, sign, 0.02, 0.05, floor) == "green"
    assert rag_status(-6_000_000, 200_000_000, sign, 0.02, 0.05, floor) == "amber"  # 3% of £2m
    assert rag_status(60_000_000, 100_000_000, sign, 0.02, 0.05, floor) == "green"  # underspend
    assert rag_status(6_000_000, 100_000_000, "forecast-minus-budget", 0.02, 0.05, floor) == "red"
    assert rag_status(-6_000_000, 0, sign, 0.02, 0.05, floor) == "red"  # no budget: over the floor is red


def test_variances_at_or_over_threshold(tmp_path: Path) -> None:
    r = run(build(tmp_path), "2019-12")
    rows = [(v.level, v.name, v.amount_p, v.direction) for v in r.variances]
    assert rows == [
        ("heading", "Safeguarding", -2_400_000, "overspend"),
        ("line", "Staff", -2_400_000, "overspend"),
        ("line", "Legal", 1_800_000, "underspend"),
        ("line", "Grant", -2_000_000, "overspend"),
    ]


def test_year_end_outturn_is_the_actuals_and_ignores_adjustments(tmp_path: Path) -> None:
    ws = build(tmp_path, periods=12)
    write(tmp_path / "adj.csv", "line,amount,reason\nStaff,5000,Agency uplift\n")
    import_all(ws, (import_adjustments, tmp_path / "adj.csv"))
    r = run(ws, "2020-03")
    assert nets(r) == {
        "IFA": 8_311_428,  # the two invoices: £41,828.59 + £41,285.69
        "Staff": 62_400_000,
        "Legal": 9_600_000,
        "Grant": -4_000_000,
        "Contract": -75_000_000,
    }
    assert all(ln.adjustments_p == 0 for ln in r.lines)


def test_adjustments_and_movement_between_two_month_ends(tmp_path: Path) -> None:
    ws = build(tmp_path)
    first = run(ws, "2019-11")
    assert all(ln.movement_net_p is None for ln in first.lines)
    write(tmp_path / "adj.csv", "line,amount,reason,period\nStaff,5000,Agency pay uplift,2019-12\n")
    import_all(ws, (import_adjustments, tmp_path / "adj.csv"))
    second = run(ws, "2019-12")
    staff = next(ln for ln in second.lines if ln.name == "Staff")
    legal = next(ln for ln in second.lines if ln.name == "Legal")
    assert staff.figures.forecast_net_p == 62_900_000 and staff.adjustments_p == 500_000
    assert staff.movement_net_p == 500_000  # only the adjustment moved it
    # P8: £64,000 actual + 4 × £10,000 profile = £104,000; P9: £102,000
    assert legal.movement_net_p == -200_000
    assert ("Staff", 500_000, "Agency pay uplift") in second.adjustments
    # re-running P9 replaces its stored run; movement is still measured against P8
    again = run(ws, "2019-12")
    assert next(ln for ln in again.lines if ln.name == "Legal").movement_net_p == -200_000


def _settings(tmp_path: Path, extra: str) -> Workspace:
    ws = init_workspace(tmp_path / "s", "T", "2019/20", contract_value=22_800_000)
    text = (ws.path / "careladder.toml").read_text().replace("[forecast]", extra + "\n[forecast]")
    (ws.path / "careladder.toml").write_text(text)
    return load_workspace(ws.path)


def test_surplus_share_underspend_overspend_and_band(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "a", "T", "2019/20", contract_value=22_800_000)
    # seed 000: £600k underspend on a £22.8m contract, 90% (£540k) returned, final contract sum £22.26m
    s = surplus_share(ws.settings, 60_000_000)
    assert (s.council_share_p, s.retained_share_p, s.final_contract_sum_p) == (
        54_000_000,
        6_000_000,
        2_226_000_000,
    )
    # an overspend the council bears half of: the council pays £100k more
    text = (
        (ws.path / "careladder.toml")
        .read_text()
        .replace("overspend_share_to_council = 0.0", "overspend_share_to_council = 0.5")
    )
    (ws.path / "careladder.toml").write_text(text)
    s = surplus_share(load_workspace(ws.path).settings, -20_000_000)
    assert (s.council_share_p, s.retained_share_p, s.final_contract_sum_p) == (
        -10_000_000,
        -10_000_000,
        2_290_000_000,
    )
    # the first £250k retained in full: 90% of the £350k above it = £315k to the council
    text = text.replace("# retained_in_full = 250000", "retained_in_full = 250000")
    (ws.path / "careladder.toml").write_text(text)
    s = surplus_share(load_workspace(ws.path).settings, 60_000_000)
    assert (s.council_share_p, s.retained_share_p) == (31_500_000, 28_500_000)


def test_cli_json_equals_the_workbook_and_text_stays_text(tmp_path: Path) -> None:
    ws = build(tmp_path)
    runner = CliRunner()
    out = tmp_path / "o.xlsx"
    res = runner.invoke(
        app, ["outturn", "--period", "2019-12", "--out", str(out), "--json", "-w", str(ws.path)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["period"] == "2019-12" and data["financial_year"] == "2019/20"
    assert data["surplus_share"]["net_position"] == -19114.28
    assert {v["level"] for v in data["variances"]} <= {"heading", "line"}
    assert {v["direction"] for v in data["variances"]} <= {"underspend", "overspend"}
    wb = openpyxl.load_workbook(out, data_only=True)
    summary = wb["Summary"]
    header_row = next(r for r in range(1, 15) if summary.cell(r, 1).value == "Heading")
    assert [c.value for c in summary[header_row]][:10] == [
        "Heading",
        "Budget Gross",
        "Budget Income",
        "Budget Net",
        "Forecast Gross",
        "Forecast Income",
        "Forecast Net",
        "Variance Gross",
        "Variance Income",
        "Variance Net",
    ]
    by_name = {
        summary.cell(r, 1).value: [summary.cell(r, c).value for c in range(2, 11)]
        for r in range(header_row + 1, header_row + 10)
    }
    for h in data["headings"]:
        row = by_name[h["name"]]
        assert row[5] == pytest.approx(h["forecast_net"], abs=0.005)
        assert row[8] == pytest.approx(h["variance_net"], abs=0.005)
    assert by_name["Grand Total"][8] == pytest.approx(-19114.28, abs=0.005)


def test_bad_period_and_missing_budget_are_clear(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "e", "T", "2019/20")
    runner = CliRunner()
    res = runner.invoke(app, ["outturn", "--period", "2020-12", "-w", str(ws.path)])
    assert res.exit_code == 2 and "is in 2020/21, but the workspace is for 2019/20" in res.output
    res = runner.invoke(app, ["outturn", "--period", "2019-12", "-w", str(ws.path)])
    assert res.exit_code == 2 and "no budget stored for 2019/20" in res.output


def test_libreoffice_recalculates_the_computed_workbook_to_the_cached_values(tmp_path: Path) -> None:
    from recalc import cache_mismatches, formula_cells, recalculated_copy, soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    ws = build(tmp_path)
    run(ws, "2019-11")
    r = run(ws, "2019-12")
    from budget.workbooks.outturn import write_outturn_workbook

    out = tmp_path / "outturn.xlsx"
    write_outturn_workbook(r, out)
    assert len(formula_cells(out)) > 50
    copy = recalculated_copy(out, tmp_path / "lo")
    assert cache_mismatches(out, copy) == {}
