"""MTFS scenario years checked by hand from their assumptions; scenarios read from careladder.toml."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from budget.demo.authority import DEMO_SCENARIOS
from budget.mtfs.base import BaseLine, MtfsBase
from budget.mtfs.projection import ScenarioResult, scenario_years
from budget.plans.savings import PlanRow
from budget.plans.scenarios import Assumptions, ScenarioSpec, selected_scenarios
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Workspace, init_workspace

FY19 = FinancialYear(2019)


def small_base() -> MtfsBase:
    lines = [
        BaseLine("Social Work", "Safeguarding", 100_000_000, 0),
        BaseLine("IFA", "Children Looked After", 200_000_000, 0),
        BaseLine("Grant", "Children Looked After", 0, -10_000_000),
        BaseLine("Contract Value", "Contract Value", 0, -300_000_000),
    ]
    return MtfsBase(
        "Test Trust", FY19, 9, "hand-built", lines, 300_000_000, "Contract Value", 300_000_000, {"IFA"}
    )


PLAN = [
    PlanRow("Restructure", "Social Work", FinancialYear(2020), 5_000_000, recurrent=True),
    PlanRow("One-off grant", "Social Work", FinancialYear(2021), 2_000_000, recurrent=False),
]
COSTS = {"IFA": [190_000_000, 210_000_000, 230_000_000]}  # placement model cost by year, pence
ASSUME = Assumptions(pay_award=Decimal("0.02"), contract_growth=Decimal("0.01"))
SHOCK = ScenarioSpec("shock", pay_award=Decimal("0.03"), price_change={"Social Work": Decimal("0.05")})


def _run(spec: ScenarioSpec) -> ScenarioResult:
    return scenario_years(small_base(), COSTS, ASSUME, spec, PLAN, {}, 2)


def test_year_two_of_a_scenario_by_hand() -> None:
    y2 = _run(SHOCK).years[2]
    assert y2.label == "2021/22"
    # Social Work: £1,000,000 x 1.03^2 x 1.05 = £1,113,945.00
    assert y2.gross_p["Social Work"] == 111_394_500
    # IFA: outturn £2,000,000 + (model £2,300,000 - model year 0 £1,900,000)
    assert y2.gross_p["IFA"] == 240_000_000
    assert "Contract Value" not in y2.gross_p
    assert y2.expenditure_p == 351_394_500
    assert y2.net_p == 341_394_500  # less the £100,000 grant
    assert y2.contract_p == 306_030_000  # £3,000,000 x 1.01^2
    assert y2.gap_p == 35_364_500
    # plan: £50,000 recurrent from 2020/21 + £20,000 one-off in 2021/22, not applied in this scenario:
    # none of it is included, it is a memo only, and the savings required is the whole gap
    assert (y2.plan_effect_p, y2.plan_as_planned_p) == (0, 7_000_000)
    assert y2.savings_required_p == 35_364_500
    assert _run(SHOCK).years[1].plan_as_planned_p == 5_000_000


def test_year_zero_is_the_outturn_and_the_plan_applied_closes_the_same_gap() -> None:
    y0 = _run(SHOCK).years[0]
    assert (y0.expenditure_p, y0.income_total_p, y0.gap_p, y0.plan_effect_p) == (
        300_000_000,
        -10_000_000,
        -10_000_000,
        0,
    )
    applied = ScenarioSpec(
        "plan", pay_award=Decimal("0.03"), price_change={"Social Work": Decimal("0.05")}, savings=True
    )
    y2 = _run(applied).years[2]
    assert y2.gross_p["Social Work"] == 111_394_500 - 7_000_000
    assert (y2.gap_p, y2.savings_required_p) == (28_364_500, 28_364_500)
    # the effect included is the net without the plan (£3,413,945) less the net with it (£3,343,945)
    assert (y2.plan_effect_p, y2.plan_as_planned_p, y2.gap_before_plan_p) == (
        7_000_000,
        7_000_000,
        35_364_500,
    )


def test_new_workspace_has_no_demo_scenarios(workspace: Workspace) -> None:
    assert [s.name for s in selected_scenarios(workspace.settings, None)] == ["baseline"]
    assert "Independent Fostering Agencies" not in (workspace.path / "careladder.toml").read_text()


def test_scenarios_from_settings(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", "Test Trust", "2019/20", 1_000_000, DEMO_SCENARIOS)
    names = [s.name for s in selected_scenarios(workspace.settings, None)]
    assert names == ["baseline", "high-demand", "inflation-shock", "placements-strategy"]
    high = selected_scenarios(workspace.settings, ["high-demand"])[1]
    assert high.demand_change == {"*": Decimal("0.10")}
    with pytest.raises(WorkspaceError, match="no-such"):
        selected_scenarios(workspace.settings, ["no-such"])
