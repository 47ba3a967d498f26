"""The panel engine on panels whose right answer can be worked out on paper."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasts.series import panel as P
from forecasts.series import selection as S
from forecasts.series.engine import forecast_frame
from forecasts.series.intervals import calibrated_level, pooled_quantiles, sequential_coverage

CHEAP = ["naive", "drift", "trend"]


def monthly(uid: str, y: np.ndarray, start: str = "2015-04-30") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq="ME"), "y": y})


def annual(uid: str, y: list[float], first: int = 2015) -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": uid, "ds": [pd.Timestamp(first + i, 3, 31) for i in range(len(y))], "y": y}
    )


SEASON = np.array([30.0, 32.0, 35.0, 31.0, 29.0, 28.0, 33.0, 36.0, 40.0, 38.0, 34.0, 31.0])


def test_pooled_growth_and_damping_on_paper() -> None:
    # two councils: A 100 -> 105 -> 110, B 300 -> 300 -> 320; the pooled rate is the median (here the mean)
    # of their own log growth a year, so B's size does not decide it
    y = np.array([[100.0, 105.0, 110.0], [300.0, 300.0, 320.0]])
    g = P.growth_rates(y, P.always_positive(y), window=2)
    own_a, own_b = math.log(1.1) / 2, math.log(320 / 300) / 2
    assert g.own.tolist() == pytest.approx([own_a, own_b])
    assert g.pooled == pytest.approx((own_a + own_b) / 2)
    assert g.ok.tolist() == [True, True]
    # damping 0.5: step 1 carries half a year of growth, step 2 0.5 + 0.25, step 3 0.875
    assert P.damped_steps(3, 0.5).tolist() == [0.5, 0.75, 0.875]
    inp = P.origin_inputs(y, 3, 1)
    fc = P.combination(inp, P.Config(years=2, damping=0.5, trend_weight=1.0), 1, None)
    r = g.pooled
    assert fc[0].tolist() == pytest.approx([110 * math.exp(r * s) for s in (0.5, 0.75, 0.875)])
    assert fc[1].tolist() == pytest.approx([320 * math.exp(r * s) for s in (0.5, 0.75, 0.875)])
    # weight 0.5 applies half the rate; "full" own trend: A grows at its own 4.88% a year
    half = P.combination(inp, P.Config(years=2, damping=0.5, trend_weight=0.5), 1, None)
    assert half[0, 0] == pytest.approx(110 * math.exp(0.5 * r * 0.5))
    own = P.combination(inp, P.Config(years=2, damping=1.0, own="full", trend_weight=1.0), 1, None)
    assert own[0].tolist() == pytest.approx([110 * 1.1 ** (k / 2) for k in (1, 2, 3)])
    # a smoothed level (alpha 0.5) with no trend: (0.5 x 110 + 0.25 x 105 + 0.125 x 100) / 0.875
    level = P.combination(inp, P.Config(alpha=0.5), 1, None)
    assert level[0, 0] == pytest.approx((55 + 26.25 + 12.5) / 0.875)
    assert level[0].tolist() == pytest.approx([level[0, 0]] * 3)


def test_own_growth_shrinks_to_the_pool_by_its_noise() -> None:
    # four steady councils growing 0%, 5%, 10% and 15% a year and a fifth as fast on average but noisy
    steady = [[100.0 * (1 + g) ** t for t in range(5)] for g in (0.0, 0.05, 0.10, 0.15)]
    noisy = [100.0, 120.0, 115.0, 140.0, 146.41]  # 10% a year over the window, 4% to 20% year to year
    y = np.array([*steady, noisy])
    g = P.growth_rates(y, P.always_positive(y), window=4)
    assert g.pooled == pytest.approx(math.log(1.1))  # median of the five rates
    # the steady ones have no noise: they keep their own rate; the noisy one is pulled to the pool
    assert g.shrink[:4].tolist() == pytest.approx([1.0] * 4)
    logs = np.log(noisy)
    noise = np.var(np.diff(logs), ddof=1) / 4  # the variance of its yearly growth over 4 years
    rates = np.log([1.0, 1.05, 1.10, 1.15, 1.1])
    tau2 = (1.4826 * np.median(np.abs(rates - np.median(rates)))) ** 2 - noise / 5
    assert g.shrink[4] == pytest.approx(tau2 / (tau2 + noise))
    assert 0.4 < g.shrink[4] < 0.65  # about half its own growth
    assert g.rate("shrunk")[1] == pytest.approx(math.log(1.05))  # steady: its own
    assert g.rate("none").tolist() == pytest.approx([math.log(1.1)] * 5)


def test_a_series_touching_zero_stays_on_naive_and_is_left_out_of_the_pool() -> None:
    y = np.array([[100.0, 110.0, 121.0], [0.0, 50.0, 80.0]])
    g = P.growth_rates(y, P.always_positive(y), window=2)
    assert g.ok.tolist() == [True, False]
    assert g.pooled == pytest.approx(math.log(1.21) / 2)  # from A alone
    fc = P.combination(P.origin_inputs(y, 2, 1), P.Config(years=2, trend_weight=1.0), 1, None)
    assert fc[1].tolist() == [80.0, 80.0]
    assert fc[0].tolist() == pytest.approx([121 * 1.1, 121 * 1.21])


def test_growing_panel_chooses_the_pooled_trend_and_scores_it_out_of_sample() -> None:
    # both grow 10% a year; origins 3 and 4 (three and four years known)
    df = pd.concat([annual("A", [100, 110, 121, 133.1, 146.41]), annual("B", [200, 220, 242, 266.2, 292.82])])
    r = forecast_frame(df, 3, models=CHEAP)
    assert r.methods["A"] == "naive + pooled trend (damping 1, window 1 year, weight 1.00)"
    a = r.forecasts[r.forecasts["unique_id"] == "A"]
    assert a["y"].tolist() == pytest.approx([161.051, 177.1561, 194.87171])
    assert a["ds"].tolist() == [
        pd.Timestamp(2020, 3, 31),
        pd.Timestamp(2021, 3, 31),
        pd.Timestamp(2022, 3, 31),
    ]
    scores = r.backtest[r.backtest["unique_id"] == "A"].set_index("model")["mase"]
    # naive from 121 (scale 10.5): errors 12.1, 25.41; from 133.1 (scale 33.1/3): 13.31
    naive = (12.1 / 10.5 + 25.41 / 10.5 + 13.31 / (33.1 / 3)) / 3
    drift = (1.6 / 10.5 + 4.41 / 10.5 + (146.41 - 133.1 - 33.1 / 3) / (33.1 / 3)) / 3
    assert scores["naive"] == pytest.approx(naive)
    assert scores["drift"] == pytest.approx(drift)
    assert scores["trend"] == pytest.approx(0.0, abs=1e-9)
    # the combination at each origin was chosen with what was known then: too few origins to leave naive
    assert scores["ensemble"] == pytest.approx(naive)
    assert r.choice is not None and r.choice.by_origin == [(P.NAIVE,), (P.NAIVE,)]


def test_naive_stays_unless_the_backtest_beats_it_on_several_origins() -> None:
    grid = [P.NAIVE, P.Config(2, 1.0, 0.0, 1.0)]
    # summed scaled errors by origin (one step each, 10 series): the trend wins big at one origin only
    loss = np.array([[[10.0], [10.0], [10.0]], [[2.0], [11.0], [11.0]]])
    sel = S.Selection(grid, np.array([5, 6, 7]), loss, np.full((3, 1), 10.0))
    assert S.chosen_config(sel, 8) == P.NAIVE  # mean 0.8 < 1.0 but one win of three
    loss[1, 1, 0] = 9.0  # now wins at two origins of three
    assert S.chosen_config(sel, 8) == grid[1]
    assert S.chosen_config(sel, 7) == grid[1]  # decided at 7: origins 5 and 6 known, both won
    assert S.chosen_config(sel, 6) == P.NAIVE  # decided at 6: only origin 5 known; one origin is not several


def test_pure_seasonal_series_seasonal_naive_is_exact_with_no_width() -> None:
    df = monthly("residential", np.tile(SEASON, 4))
    r = forecast_frame(df, 12, models=CHEAP)
    assert r.methods == {"residential": "seasonal-naive"}
    assert r.forecasts["y"].tolist() == SEASON.tolist()
    bt = r.backtest.set_index("model")["mase"]
    assert bt["seasonal-naive"] == 0.0 and bt["ensemble"] == 0.0
    assert r.forecasts["ds"].iloc[0] == pd.Timestamp("2019-04-30")
    assert (r.forecasts["hi80"] - r.forecasts["lo80"]).max() == 0.0  # no backtest error, no width


def test_pooled_quantile_over_series_and_origins() -> None:
    # 3 series x 2 origins x 1 step; scaled errors 1..6: the 80% conformal rank is ceil(7 x 0.8) = 6th
    err = np.arange(1.0, 7.0).reshape(3, 2, 1)
    assert pooled_quantiles(err, np.array([4, 5]), 6, 80).tolist() == [6.0]
    assert pooled_quantiles(err, np.array([4, 5]), 6, 50).tolist() == [4.0]
    # decided at 5: only origin 4's step-1 errors (1, 3, 5) were known
    assert pooled_quantiles(err, np.array([4, 5]), 5, 50).tolist() == [3.0]


def test_intervals_cover_out_of_sample_on_a_noisy_panel() -> None:
    rng = np.random.default_rng(3)
    n_series, n, h = 300, 60, 6
    level = rng.uniform(20, 200, n_series)[:, None]
    y = level + rng.normal(0.0, 1.0, size=(n_series, n + h)) * np.sqrt(level)
    df = pd.concat(monthly(f"s{i}", y[i, :n]) for i in range(n_series))
    r = forecast_frame(df, h, models=CHEAP)
    fc = r.forecasts
    future = np.concatenate([y[int(uid[1:]), n:] for uid in fc["unique_id"].drop_duplicates()])
    inside80 = np.mean((future >= fc["lo80"]) & (future <= fc["hi80"]))
    inside95 = np.mean((future >= fc["lo95"]) & (future <= fc["hi95"]))
    assert 0.76 <= inside80 <= 0.86
    assert 0.92 <= inside95 <= 0.98
    ens = r.backtest[r.backtest["model"] == "ensemble"]
    # sequential, from fewer origins early on; the first origins stayed on naive (too few origins to
    # leave it), whose wider errors make the early ranges generous for the smoothed level chosen later
    assert 0.76 <= ens["coverage80"].mean() <= 0.90
    assert r.choice is not None and r.choice.config.alpha < 1.0  # iid noise: the level is smoothed
    bt = r.backtest.groupby("model")["mase"].mean()
    assert bt["ensemble"] < 0.9 * bt["naive"]


def test_nonnegative_clips_forecasts_and_bounds() -> None:
    df = monthly("uasc", np.linspace(40.0, 4.0, 19))
    r = forecast_frame(df, 6, models=CHEAP, nonnegative=True)
    assert (r.forecasts[["y", "lo80", "lo95"]] >= 0).all().all()


def test_without_backtest_naive_with_in_sample_widths() -> None:
    df = annual("sgo", [10.0, 12.0, 14.0, 16.0])
    r = forecast_frame(df, 2, backtest=False, models=CHEAP)
    assert r.forecasts["y"].tolist() == [16.0, 16.0]
    assert r.forecasts["method"].iloc[0] == "naive"
    assert r.backtest.empty
    # scale 2 (mean change); every change / scale is 1: half-widths 1 x 2 x sqrt(step)
    assert (r.forecasts["hi80"] - r.forecasts["y"]).tolist() == pytest.approx([2.0, 2.0 * 2**0.5])


def test_in_sample_widths_scale_each_change_by_the_others() -> None:
    # Three councils, spend 100, 101, 110: changes 1 and 9, scale 5 (their mean). Too short for a
    # backtest, so the widths come from the changes. Divided by a mean that includes it a change is at
    # most twice the scale (9 / 5 = 1.8), whatever came next; divided by the other change it is
    # 1 / 9 or 9 / 1, and the pooled 80% and 95% quantiles of {1/9, 1/9, 1/9, 9, 9, 9} are both 9:
    # ranges 110 ± 9 × 5 = 65–155 next year, ± 45·√2 the year after.
    df = pd.concat([annual(f"LA{i}", [100.0, 101.0, 110.0]) for i in range(3)])
    r = forecast_frame(df, 2, models=CHEAP)
    first = r.forecasts[r.forecasts["unique_id"] == "LA0"]
    assert first["y"].tolist() == [110.0, 110.0]
    assert first["hi95"].tolist() == pytest.approx([155.0, 110.0 + 45.0 * 2**0.5])
    assert first["lo80"].tolist() == pytest.approx([65.0, 110.0 - 45.0 * 2**0.5])


def test_quarterly_dates_and_unknown_member() -> None:
    q = pd.DataFrame({"unique_id": "q", "ds": ["2019Q1", "2019Q2", "2019Q3", "2019Q4"], "y": [1.0, 2, 3, 4]})
    r = forecast_frame(q, 2, models=CHEAP)
    assert r.frequency == "Q"
    assert r.forecasts["ds"].tolist() == [pd.Timestamp("2020-03-31"), pd.Timestamp("2020-06-30")]
    with pytest.raises(ValueError, match="unknown model"):
        forecast_frame(q, 2, models=["ets"])


def test_series_ending_early_forecast_from_their_own_last_value() -> None:
    df = pd.concat([annual("A", [100, 100, 100, 100, 100]), annual("B", [50, 50, 50, 50])])
    r = forecast_frame(df, 2, models=CHEAP)
    b = r.forecasts[r.forecasts["unique_id"] == "B"]
    assert b["ds"].tolist() == [pd.Timestamp(2019, 3, 31), pd.Timestamp(2020, 3, 31)]
    assert b["y"].tolist() == [50.0, 50.0]


def _small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.concat(monthly(f"line{i}", 100 + rng.normal(0, 5, 30).cumsum()) for i in range(3))


def test_prophet_member_fans_out_over_processes_and_dask_alike() -> None:
    models = ["naive", "trend", "prophet"]
    one = forecast_frame(_small_panel(), 3, models=models)
    assert set(one.backtest["model"]) == {"seasonal-naive", "naive", "trend", "prophet", "ensemble"}
    assert one.fit_seconds > 0
    two = forecast_frame(_small_panel(), 3, models=models, n_jobs=2)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.backtest, two.backtest)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        viadask = forecast_frame(_small_panel(), 3, models=models, dask_address=cluster.scheduler_address)
    pd.testing.assert_frame_equal(one.forecasts, viadask.forecasts)


def test_ranges_are_drawn_at_a_higher_level_when_the_backtest_shows_errors_growing() -> None:
    origins = np.arange(10, 16)
    # the same 50 errors (-24.5 .. 24.5) at every origin: the nominal 80% ranges cover 80% of them
    same = np.tile(np.arange(50.0)[:, None, None] - 24.5, (1, 6, 1))
    assert calibrated_level(same, origins, 80) == 80.0
    inside, total = sequential_coverage(same, origins, 80)
    assert total == 250 and inside == 210  # 42 of 50 (-20.5 .. 20.5) at each of the 5 later origins
    # errors a fifth wider at every origin than at the one before: the nominal ranges cover too little,
    # so the level is raised to the first at which the backtest's own ranges covered 80%
    growing = same * (1.2 ** np.arange(6))[None, :, None]
    lvl = calibrated_level(growing, origins, 80)
    inside, total = sequential_coverage(growing, origins, lvl)
    assert lvl > 80 and inside >= 0.8 * total
    before, _ = sequential_coverage(growing, origins, lvl - 1)
    assert before < 0.8 * total


def test_a_series_touching_zero_is_labelled_by_what_it_gets() -> None:
    """The pooled trend and the regression leave a series that touches zero or below on its base value, so
    its label says that, not the panel's "panel regression"; a choice without growth labels every series
    alike, and one with a smoothed level keeps the panel's label with the caveat."""
    from forecasts.series.engine import NO_GROWTH, PanelChoice, series_methods
    from forecasts.series.panel import NAIVE, Config
    from forecasts.series.selection import REGRESSION

    ids, positive = ["up", "zero"], np.array([True, False])
    reg = PanelChoice(REGRESSION, "panel regression", "seasonal-naive", configs=(REGRESSION,))
    assert series_methods(ids, reg, positive) == {
        "up": "panel regression",
        "zero": f"seasonal-naive ({NO_GROWTH})",
    }
    naive = PanelChoice(NAIVE, "naive", "naive", configs=(NAIVE,))
    assert series_methods(ids, naive, positive) == {"up": "naive", "zero": "naive"}
    level = Config(alpha=0.5, years=3, trend_weight=0.5)
    mixed = PanelChoice(level, "smoothed level + pooled trend", "naive", configs=(level,))
    assert series_methods(ids, mixed, positive)["zero"] == f"smoothed level + pooled trend ({NO_GROWTH})"


def test_own_growth_enters_only_heavily_damped() -> None:
    from forecasts.series.panel import OWN_DAMPING, configs

    grid = configs(with_prophet=True, with_trend=True, with_regression=True)
    own = [c for c in grid if c.trend_weight > 0 and c.own != "none"]
    pooled = [c for c in grid if c.trend_weight > 0 and c.own == "none"]
    assert own and {c.damping for c in own} == {OWN_DAMPING} == {0.5}
    assert {c.damping for c in pooled} == {0.5, 0.8, 0.9, 1.0}
