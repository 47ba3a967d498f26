"""The placement outlook's yearly figures: a financial year's 80% range is the range of the year's cost over
the draws (each draw's months added up), not its months' ranges added up."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from forecasts.placements.model import totals_frame, years_frame, years_of_draws
from forecasts.placements.simulation import simulate
from ledgers.store.placements import placements_frame


def test_a_years_range_by_hand_when_months_offset_each_other() -> None:
    """Ten draws. February 2025 costs £0, £100, ... £900 in draws 1 to 10, March the reverse (£900 down
    to £0): every draw's 2024/25 costs £900, so the year's 80% range is £900 to £900, though the months'
    ranges added up would be £180 to £1,620 (each month's 10th percentile 0 + 0.1 × 9 × £100 = £90, its
    90th £810). April 2025 (£50 in every draw) is 2025/26 on its own."""
    months = [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01")]
    up = np.arange(10, dtype=np.int64) * 10_000
    cost = np.column_stack([up, up[::-1], np.full(10, 5_000, dtype=np.int64)])
    stock = np.column_stack([np.full(10, 4.0), np.arange(10, dtype=float), np.full(10, 2.0)])
    years = years_of_draws(months, cost, stock)
    assert years["fy"].tolist() == ["2024/25", "2025/26"]
    assert years["months"].tolist() == [2, 1]
    assert years[["cost_p", "cost_low_p", "cost_high_p"]].values.tolist() == [
        [90_000, 90_000, 90_000],
        [5_000, 5_000, 5_000],
    ]
    # children at the year end (March 2025): 0 to 9 over the draws, mean 4.5, 80% range 0.9 to 8.1
    first = years.iloc[0]
    assert (first["month_end"], first["month_end_low"], first["month_end_high"]) == (4.5, 0.9, 8.1)
    # the months' own ranges are as before: £90 to £810 each
    assert np.quantile(up, [0.1, 0.9]).tolist() == [9_000, 81_000]


def _authority() -> pd.DataFrame:
    """400 placements on three lines since 2016, about a third still open at the end of 2019."""
    rng = np.random.default_rng(3)
    n = 400
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 1460, n), unit="D")
    ends = pd.Series(start + pd.to_timedelta(rng.exponential(600, n).astype(int), unit="D"))
    return placements_frame(
        pd.DataFrame(
            {
                "placement_id": [str(i) for i in range(n)],
                "child_ref": [str(i) for i in range(n)],
                "line": rng.choice(["IFA", "In-house", "Residential"], n),
                "start_date": start,
                "end_date": ends.where(ends <= pd.Timestamp("2019-12-31")),
                "planned_end_date": pd.NaT,
                "weekly_cost_p": rng.integers(20000, 500000, n),
            }
        )
    )


def test_a_years_range_is_the_range_of_its_cost_not_the_sum_of_its_months_ranges() -> None:
    sim = simulate(_authority(), date(2019, 12, 31), date(2021, 3, 31), draws=100, seed=5)
    years = years_frame(sim)
    months = totals_frame(sim)
    # as at 31/12/2019 to 31/03/2021: January to March 2020 of 2019/20, then all of 2020/21
    assert years["fy"].tolist() == ["2019/20", "2020/21"]
    assert years["months"].tolist() == [3, 12]
    fy = ["2019/20"] * 3 + ["2020/21"] * 12
    by_fy = months.assign(fy=fy).groupby("fy")
    summed = by_fy[["cost_p", "cost_low_p", "cost_high_p"]].sum()
    for y in years.to_dict("records"):
        s = summed.loc[y["fy"]]
        assert y["cost_p"] == s["cost_p"]  # the central cost reconciles to its months to the penny
        assert y["cost_low_p"] <= y["cost_p"] <= y["cost_high_p"]
        assert isinstance(y["cost_low_p"], int) and isinstance(y["cost_high_p"], int)
    # children at year end: the range of the year's last month end (March 2021), not a sum
    last = months.iloc[-1]
    assert years.iloc[-1]["month_end_low"] == last["month_end_low"]
    assert years.iloc[-1]["month_end_high"] == last["month_end_high"]
    # over the full year the range is narrower than the months' ranges added up (£3.36m against £3.72m
    # here): a draw high in one month is not always high in every other
    full = years.iloc[1]
    s = summed.loc["2020/21"]
    assert s["cost_low_p"] < full["cost_low_p"] and full["cost_high_p"] < s["cost_high_p"]
