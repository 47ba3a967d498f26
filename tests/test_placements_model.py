"""Survival, transitions and the placement-mix model on small hand-checked sets."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from forecasts.placements.commitments import commitments_by_month
from forecasts.placements.model import placement_forecast
from forecasts.placements.scenarios import MixMove, Scenario
from forecasts.placements.survival import kaplan_meier
from forecasts.placements.transitions import DAYS_PER_MONTH, moves, transition_rates
from ledgers.store.placements import placements_frame

from conftest import placements_of

frame = placements_of


def test_kaplan_meier_by_hand() -> None:
    # durations 2,3,3+,5,8+ : S(2)=4/5, S(3)=0.8*3/4=0.6, S(5)=0.6*1/2=0.3
    curve = kaplan_meier(np.array([2, 3, 3, 5, 8]), np.array([1, 1, 0, 1, 0], dtype=bool))
    assert curve.times.tolist() == [2.0, 3.0, 5.0]
    assert np.allclose(curve.surv, [0.8, 0.6, 0.3])
    assert math.isclose(curve.tail_hazard, -math.log(0.3) / 5)
    assert np.allclose(curve.survival(np.array([1, 2, 4, 5])), [1.0, 0.8, 0.6, 0.3])
    # expected days up to 5 from age 0 = 2×1 + 1×0.8 + 2×0.6 = 4.0; from age 3: 2×0.6/0.6 = 2.0
    assert math.isclose(curve.expected_remaining_days(0, cap=5), 4.0)
    assert math.isclose(curve.expected_remaining_days(3, cap=5), 2.0)
    # beyond the curve: exponential tail, mean 1/hazard
    assert math.isclose(curve.expected_remaining_days(6), 1 / curve.tail_hazard)
    # inverse draws: u=0.7 -> first t with S<=0.7 is 3; given age 3 (S=0.6), u=0.4 -> S<=0.24 is in the tail
    assert curve.durations_for(np.array([0.0]), np.array([0.7])).tolist() == [3.0]
    tail = curve.durations_for(np.array([3.0]), np.array([0.4]))[0]
    assert math.isclose(tail, 5 + math.log(0.3 / 0.24) / curve.tail_hazard)


def test_no_endings_means_no_hazard() -> None:
    curve = kaplan_meier(np.array([10, 20]), np.array([0, 0], dtype=bool))
    assert curve.tail_hazard == 0.0
    assert np.isinf(curve.durations_for(np.array([5.0]), np.array([0.5]))[0])


HISTORY = [
    ("a1", "A", "IFA", "2019-01-01", "2019-03-01", None, 80000),
    ("a2", "A", "OOA", "2019-03-03", None, None, 400000),  # move IFA -> OOA (2 days)
    ("b1", "B", "IFA", "2019-01-01", "2019-06-30", None, 80000),
    ("b2", "B", "In-house", "2019-07-20", None, None, 50000),  # 20 days later: not a move
    ("c1", "C", "OOA", "2019-02-01", "2019-04-01", None, 400000),
    ("c2", "C", "IFA", "2019-04-01", None, None, 80000),  # move OOA -> IFA (same day)
    ("d1", "D", "IFA", "2019-01-01", "2019-01-31", None, 80000),
    ("d2", "D", "IFA", "2019-02-01", None, None, 80000),  # same line: not a move
]


def test_transitions_counted_by_hand() -> None:
    df = frame(HISTORY)
    mv = moves(df)
    assert sorted(zip(mv["from_line"], mv["to_line"], strict=True)) == [("IFA", "OOA"), ("OOA", "IFA")]
    assert "child_ref" not in mv.columns
    table = transition_rates(df, date(2019, 1, 1), date(2019, 12, 31))
    pairs = zip(table["from_line"], table["to_line"], strict=True)
    at_risk = dict(zip(pairs, table["months_at_risk"].to_numpy(dtype=float), strict=True))
    rate = dict(
        zip(
            zip(table["from_line"], table["to_line"], strict=True),
            table["rate"].to_numpy(dtype=float),
            strict=True,
        )
    )
    # IFA days at risk: a1 59 + b1 180 + c2 274 + d1 30 + d2 333 = 876
    assert math.isclose(at_risk[("IFA", "OOA")], 876 / DAYS_PER_MONTH)
    assert math.isclose(rate[("IFA", "OOA")], DAYS_PER_MONTH / 876)
    # OOA: c1 59 days + a2 (3 Mar to 31 Dec) 303 days
    assert math.isclose(rate[("OOA", "IFA")], DAYS_PER_MONTH / 362)


COHORT = [
    ("p1", "c1", "IFA", "2015-03-01", None, "2020-01-14", 70000),
    ("p2", "c2", "OOA", "2015-06-01", None, None, 100000),
    ("p3", "c3", "OOA", "2015-06-01", None, "2020-02-29", 412345),
]


def test_model_without_starters_or_endings_equals_commitments_exactly() -> None:
    df = frame(COHORT)
    as_at, until = date(2019, 12, 31), date(2020, 3, 31)
    model = placement_forecast(df, as_at, until, starts_per_month={"IFA": 0, "OOA": 0}, draws=20)
    commit = commitments_by_month(df, as_at, until)
    merged = model.merge(commit, on=["line", "month"])
    assert len(merged) == 6
    assert merged["cost_p_x"].tolist() == merged["cost_p_y"].tolist()
    assert (merged["cost_p_x"] == merged["cost_low_p"]).all() and (
        merged["cost_p_x"] == merged["cost_high_p"]
    ).all()
    assert np.allclose(merged["numbers_x"], merged["numbers_y"])
    # IFA £700/wk to 14 Jan = £1,400.00; OOA £1,000/wk 91 days = £13,000.00;
    # OOA £4,123.45/wk Jan 31 days (1826099.29p) + Feb 29 days (1708286.43p)
    assert model["cost_p"].sum() == 140000 + 1300000 + 1826099 + 1708286


def test_april_uplift_and_price_change() -> None:
    df = frame([("p2", "c2", "OOA", "2015-06-01", None, None, 100000)])
    out = placement_forecast(
        df,
        date(2020, 1, 31),
        date(2020, 4, 30),
        starts_per_month={"OOA": 0},
        uplift={"OOA": 0.03},
        scenario=Scenario(price_change={"OOA": 0.10}, price_change_from=date(2020, 3, 1)),
        draws=5,
    )
    # Feb 29 days £4,142.86; Mar 31 days × 1.10 = 487142.86p; Apr 30 days × 1.03 × 1.10 = 485571.43p
    assert out["cost_p"].tolist() == [414286, 487143, 485571]


def test_mix_move_moves_children_between_lines() -> None:
    df = frame([(f"p{i}", f"c{i}", "OOA", "2015-06-01", None, None, 400000) for i in range(3)])
    scen = Scenario(
        mix_moves=[MixMove("OOA", "In-house Residential", date(2020, 2, 1), count=1, weekly_cost_p=300000)]
    )
    out = placement_forecast(df, date(2020, 1, 31), date(2020, 3, 31), scenario=scen, draws=10)
    out = out.set_index(["line", "month"])
    feb = pd.Timestamp("2020-02-01")
    assert out.loc[("OOA", feb), "numbers"] == 2.0
    assert out.loc[("In-house Residential", feb), "numbers"] == 1.0
    assert out.loc[("OOA", feb), "cost_p"] == 2 * 1657143  # 400000 × 29 / 7 = 1657142.86p each
    assert out.loc[("In-house Residential", feb), "cost_p"] == 1242857  # 300000 × 29 / 7


def test_starters_build_up_at_the_given_rate() -> None:
    # No endings in history, so starters stay: month k holds ~10 (k-1) + about half a month's 10 starters.
    df = frame([("p0", "c0", "IFA", "2015-06-01", None, None, 80000)])
    out = placement_forecast(
        df, date(2019, 12, 31), date(2020, 3, 31), starts_per_month={"IFA": 10}, draws=400
    )
    expected = [1 + 10 * 0.5, 1 + 10 + 10 * 0.5, 1 + 20 + 10 * 0.5]
    assert np.allclose(out["numbers"], expected, atol=0.5)
    assert (out["numbers_low"] < out["numbers"]).all() and (out["numbers"] < out["numbers_high"]).all()


def test_thousand_open_placements_fifteen_lines_two_hundred_draws() -> None:
    """A large authority runs through (its speed is measured by bench/placement_model.py)."""
    rng = np.random.default_rng(7)
    n = 3000
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 1460, n), unit="D")
    ends = pd.Series(start + pd.to_timedelta(rng.exponential(600, n).astype(int), unit="D"))
    end = ends.where(ends <= pd.Timestamp("2019-12-31"))
    df = placements_frame(
        pd.DataFrame(
            {
                "placement_id": [str(i) for i in range(n)],
                "child_ref": [str(i % 1200) for i in range(n)],
                "line": rng.choice([f"L{i}" for i in range(15)], n),
                "start_date": start,
                "end_date": end,
                "planned_end_date": pd.NaT,
                "weekly_cost_p": rng.integers(20000, 500000, n),
            }
        )
    )
    assert 900 <= int(df["end_date"].isna().sum()) <= 1300
    out = placement_forecast(df, date(2019, 12, 31), date(2021, 3, 31), uplift={"L1": 0.03}, draws=200)
    assert len(out) == 15 * 15
    assert (out["cost_low_p"] <= out["cost_p"]).all() and (out["cost_p"] <= out["cost_high_p"]).all()


def test_kaplan_meier_delayed_entry_by_hand() -> None:
    # durations 2,3,5,8+ ; the third came under observation at age 4, so it is not at risk at 2 or 3:
    # S(2) = 2/3, S(3) = 2/3 × 1/2 = 1/3, S(5) = 1/3 × 1/2 = 1/6 (from age 0 it would be 3/4, 1/2, 1/4)
    curve = kaplan_meier(
        np.array([2, 3, 5, 8]), np.array([1, 1, 1, 0], dtype=bool), entries=np.array([0, 0, 4, 0])
    )
    assert np.allclose(curve.surv, [2 / 3, 1 / 3, 1 / 6])


def stable_population(months_of_history: int, list_from: str, as_at: str) -> pd.DataFrame:
    """10 starts a month on one line for ``months_of_history`` months, exponential durations with mean
    24 months (so 240 open in the steady state), as a list holding only placements open on or after
    ``list_from`` (like a placements list or an SSDA903 return), known at ``as_at``."""
    rng = np.random.default_rng(11)
    at = pd.Timestamp(as_at)
    first = at - pd.DateOffset(months=months_of_history)
    n = 10 * months_of_history
    start = first + pd.to_timedelta(rng.integers(0, (at - first).days, n), unit="D")
    end = start + pd.to_timedelta(np.floor(rng.exponential(24 * DAYS_PER_MONTH, n)), unit="D")
    df = pd.DataFrame(
        {
            "placement_id": [f"p{i}" for i in range(n)],
            "child_ref": [f"c{i}" for i in range(n)],
            "line": "IFA",
            "start_date": start,
            "end_date": pd.Series(end).where(end <= at),
            "planned_end_date": pd.NaT,
            "weekly_cost_p": 80000,
        }
    )
    keep = df["end_date"].isna() | (df["end_date"] >= pd.Timestamp(list_from))
    return placements_frame(df[keep].reset_index(drop=True))


def test_stable_population_is_forecast_flat_over_three_years() -> None:
    # 15 years of history but the list only holds placements open since 2016-04-01: the long-running
    # ones from before then must not make durations look longer than 24 months (they did: +30% in 3 years).
    df = stable_population(180, "2016-04-01", "2019-12-31")
    open_now = int(df["end_date"].isna().sum())
    assert 215 <= open_now <= 265
    out = placement_forecast(df, date(2019, 12, 31), date(2022, 12, 31), draws=100)
    assert len(out) == 36
    ratio = out["numbers"].to_numpy() / open_now
    assert np.all(np.abs(ratio - 1) < 0.06), ratio.round(3)
    assert abs(ratio[-12:].mean() - 1) < 0.04


def test_planned_end_already_passed_leaves_the_placement_to_survival() -> None:
    # Open on 31 Dec with a planned end of 30 Nov: it did not end then, so it is not ended on 1 Jan.
    # No endings in history (hazard 0) and no starters: it stays open to the horizon, like commitments.
    df = frame([("p1", "c1", "IFA", "2019-01-01", None, "2019-11-30", 70000)])
    out = placement_forecast(df, date(2019, 12, 31), date(2020, 2, 29), starts_per_month={"IFA": 0}, draws=5)
    assert out["numbers"].tolist() == [1.0, 1.0]
    assert out["cost_p"].tolist() == [310000, 290000]  # £700/wk × 31 and 29 days
    commit = commitments_by_month(df, date(2019, 12, 31), date(2020, 2, 29))
    assert commit["cost_p"].tolist() == out["cost_p"].tolist()
