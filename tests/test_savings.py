"""The savings tracker: modelled schemes' part- and full-year effects by hand, RAG, slippage and write-offs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from budget.plans.savings import (
    PlanRow,
    SchemeModel,
    full_year_saving_p,
    modelled_saving_p,
    savings_for_line,
    savings_tracker,
)
from ledgers.readers.periods import FinancialYear

FY19, FY20, FY21 = FinancialYear(2019), FinancialYear(2020), FinancialYear(2021)
FPS = SchemeModel("OOA", "Homes", date(2020, 4, 1), Decimal(2), 3, 260_000, 6_000_000)


def _placements() -> pd.DataFrame:
    """Two OOA placements open at 31/12/2019 at £4,000 and £6,000 a week (mean £5,000); one ended earlier."""
    return pd.DataFrame(
        {
            "placement_id": ["P1", "P2", "P3"],
            "child_ref": ["C1", "C2", "C3"],
            "line": ["OOA", "OOA", "OOA"],
            "start_date": pd.to_datetime(["2019-01-01", "2019-06-01", "2018-01-01"]),
            "end_date": pd.to_datetime(pd.Series([None, None, "2019-03-31"])),
            "planned_end_date": pd.Series([pd.NaT] * 3, dtype="datetime64[ns]"),
            "weekly_cost_p": [400_000, 600_000, 900_000],
        }
    )


def test_one_child_moved_part_year_and_full_year() -> None:
    once = SchemeModel("OOA", "Homes", date(2020, 10, 1), Decimal(1), None, 260_000)
    # 1 Oct 2020 to 31 Mar 2021 = 182 days = 26 weeks x (£5,000 - £2,600) = £62,400
    assert modelled_saving_p(once, FY20, 500_000) == 6_240_000
    # full year: 365 days x £2,400 / 7 = £125,142.857 -> £125,142.86
    assert modelled_saving_p(once, FY21, 500_000) == 12_514_286
    assert modelled_saving_p(once, FY19, 500_000) == 0


def test_full_year_effect_of_a_once_only_move() -> None:
    three = SchemeModel("OOA", "Homes", date(2020, 10, 15), Decimal(3), None, 260_000, 1_000_000)
    # part year: 15 Oct 2020 to 31 Mar 2021 = 168 days x 3 children = 504 child-days x £2,400 / 7 = £172,800,
    # less £10,000 running cost x 168/365 = £4,602.74 -> £168,197.26
    assert modelled_saving_p(three, FY20, 500_000) == 16_819_726
    # full year: 3 x 365 days x £2,400 / 7 = £375,428.57, less the whole £10,000 = £365,428.57
    assert full_year_saving_p(three, FY20, 500_000) == 36_542_857
    # the next year delivers the full-year effect; before the start there is none
    assert modelled_saving_p(three, FY21, 500_000) == full_year_saving_p(three, FY21, 500_000) == 36_542_857
    assert full_year_saving_p(three, FY19, 500_000) == 0
    plan = [PlanRow("Homes", "OOA", FY20, 20_000_000, model=three), PlanRow("Fixed", "OOA", FY20, 1)]
    modelled, fixed = savings_tracker(plan, _placements(), FY19, 9).rows
    assert (modelled.forecast_p, modelled.full_year_p, fixed.full_year_p) == (16_819_726, 36_542_857, None)


def test_two_every_quarter_with_running_cost() -> None:
    # 2020/21: 2 children from 1 Apr (365 days), 1 Jul (274), 1 Oct (182), 1 Jan (90) = 1,822 child-days
    # x £2,400 / 7 = £624,685.71, less the £60,000 running cost = £564,685.71
    assert modelled_saving_p(FPS, FY20, 500_000) == 56_468_571
    # 2021/22: the 8 moved in 2020/21 all year (2,920 days) + 1,822 for this year's 8 = 4,742 child-days
    # x £2,400 / 7 = £1,625,828.57, less £60,000 = £1,565,828.57
    assert modelled_saving_p(FPS, FY21, 500_000) == 156_582_857
    # with a 3% uplift on both weekly costs: 1,822 x (5,150 - 2,678) / 7 - 60,000 = £583,426.29
    assert modelled_saving_p(FPS, FY20, 500_000, Decimal("1.03"), Decimal("1.03")) == 58_342_629


def test_tracker_forecasts_modelled_rows_from_the_model() -> None:
    plan = [
        PlanRow("Homes", "OOA", FY20, 60_000_000, None, 60_000_000, model=FPS),
        PlanRow("Homes", "OOA", FY21, 90_000_000, None, 90_000_000, model=FPS, mitigation="recruit carers"),
    ]
    t = savings_tracker(plan, _placements(), FY19, 9)
    assert t.from_weekly_p == {"OOA": 500_000}
    first, second = t.rows
    assert (first.basis, first.forecast_p, first.at_risk_p) == ("model", 56_468_571, 3_531_429)
    assert first.rag == "amber"  # 5.9% of the target at risk
    # the year's new saving: £1,565,828.57 - £564,685.71
    assert second.forecast_p == 100_114_286
    assert second.rag == "green"
    assert t.totals_by_year()["2021/22"] == (90_000_000, 0, 100_114_286)


def test_rag_slippage_and_write_off_when_the_year_closes() -> None:
    plan = [
        PlanRow(
            "Taxis", "CWD", FY19, 5_000_000, 4_000_000, 5_000_000, recurrent=True, mitigation="route review"
        ),
        PlanRow("Pool cars", "Teams", FY19, 6_000_000, 3_000_000, 4_500_000, recurrent=False),
        PlanRow("Review", "Teams", FY20, 15_000_000, None, None),
    ]
    open_year = savings_tracker(plan, _placements(), FY19, 9)
    taxis, cars, review = open_year.rows
    assert (taxis.forecast_p, taxis.rag, taxis.slipped_p) == (5_000_000, "green", 0)
    assert (cars.forecast_p, cars.at_risk_p, cars.rag) == (4_500_000, 1_500_000, "amber")  # 25%: not over
    assert (review.basis, review.forecast_p) == ("not assessed", 15_000_000)
    assert review.rag == "not assessed"  # no forecast is not a green scheme

    closed = savings_tracker(plan, _placements(), FY19, 12)
    taxis, cars, slipped, review = closed.rows
    assert (taxis.forecast_p, taxis.rag, taxis.slipped_p, taxis.written_off_p) == (
        4_000_000,
        "amber",
        1_000_000,
        0,
    )
    assert (cars.forecast_p, cars.rag, cars.slipped_p, cars.written_off_p) == (3_000_000, "red", 0, 3_000_000)
    assert (slipped.year, slipped.target_p, slipped.basis) == ("2020/21", 1_000_000, "slipped")
    assert slipped.mitigation == "route review"
    assert closed.totals_by_line()["Teams"] == (21_000_000, 3_000_000, 18_000_000)


def test_savings_for_line_sentence() -> None:
    plan = [PlanRow("Pool cars", "Teams", FY19, 6_000_000, 3_000_000, 4_500_000, recurrent=False)]
    t = savings_tracker(plan, _placements(), FY19, 9)
    assert savings_for_line(t, "Teams") == (
        "The line was to deliver £60k of savings in 2019/20 from Pool cars; £45k forecast."
    )
    assert savings_for_line(t, "OOA") == ""
