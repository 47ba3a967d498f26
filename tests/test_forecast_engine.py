"""forecast_frame on synthetic series whose right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts.series.engine import forecast_frame

CHEAP = ["seasonal-naive", "naive", "drift"]


def monthly(uid: str, y: np.ndarray, start: str = "2015-04-30") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq="ME"), "y": y})


SEASON = np.array([30.0, 32.0, 35.0, 31.0, 29.0, 28.0, 33.0, 36.0, 40.0, 38.0, 34.0, 31.0])


def test_pure_seasonal_series_seasonal_naive_wins_exactly() -> None:
    df = monthly("residential", np.tile(SEASON, 4))
    r = forecast_frame(df, 12, models=[*CHEAP, "ets"])
    assert r.methods == {"residential": "seasonal-naive"}
    assert r.forecasts["y"].tolist() == SEASON.tolist()
    bt = r.backtest.set_index("model")["mase"]
    assert bt["seasonal-naive"] == 0.0 and bt["ensemble"] == 0.0
    assert r.forecasts["ds"].iloc[0] == pd.Timestamp("2019-04-30")
    assert (r.forecasts["hi95"] - r.forecasts["lo95"]).max() == 0.0  # no backtest error, no width


def test_linear_trend_drift_is_exact() -> None:
    df = monthly("ifa", 200.0 + 3.0 * np.arange(36))  # 200, 203, ... 305
    r = forecast_frame(df, 3, models=[*CHEAP, "ets"])
    assert r.methods["ifa"] == "drift"
    assert r.forecasts["y"].tolist() == pytest.approx([308.0, 311.0, 314.0])
    assert r.weights.to_dict("records") == [{"unique_id": "ifa", "model": "drift", "weight": 1.0}]


def test_ensemble_never_worse_than_best_model_and_prophet_is_a_candidate() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(30)
    frames = [
        monthly("a", 50 + 0.5 * t + 4 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 30)),
        monthly("b", 80 + np.cumsum(rng.normal(0, 3, 30))),
    ]
    r = forecast_frame(pd.concat(frames), 6)
    for uid, g in r.backtest.groupby("unique_id"):
        scores = g.set_index("model")["mase"]
        assert set(scores.index) == {"seasonal-naive", "naive", "drift", "ets", "prophet", "ensemble"}
        assert scores["ensemble"] <= scores.drop("ensemble").min() + 1e-12, uid
        assert r.weights[r.weights["unique_id"] == uid]["weight"].sum() == pytest.approx(1.0)
    assert r.fit_seconds > 0


def test_conformal_coverage_on_noise_is_close_to_nominal() -> None:
    rng = np.random.default_rng(3)
    n_series, n, h = 300, 60, 6
    y = rng.normal(100.0, 10.0, size=(n_series, n + h))
    df = pd.concat(monthly(f"s{i}", y[i, :n]) for i in range(n_series))
    r = forecast_frame(df, h, models=["naive", "seasonal-naive"])
    future = y[:, n:].ravel()
    fc = r.forecasts  # ordered by series then step, like ``future``
    inside80 = np.mean((future >= fc["lo80"]) & (future <= fc["hi80"]))
    inside95 = np.mean((future >= fc["lo95"]) & (future <= fc["hi95"]))
    assert 0.74 <= inside80 <= 0.88
    assert 0.91 <= inside95 <= 0.99
    ens = r.backtest[r.backtest["model"] == "ensemble"]
    assert 0.75 <= ens["coverage80"].mean() <= 0.92  # sequential: early origins use wider fallbacks


def test_nonnegative_clips_forecasts_and_bounds() -> None:
    df = monthly("uasc", np.linspace(40.0, 4.0, 19))  # falling 2 a month
    r = forecast_frame(df, 6, models=["drift"], nonnegative=True)
    assert r.forecasts["y"].tolist() == pytest.approx([2.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert (r.forecasts[["lo80", "lo95"]] >= 0).all().all()


def test_without_backtest_equal_weights_and_no_scores() -> None:
    df = monthly("sgo", np.array([10.0, 12.0, 14.0, 16.0]))
    r = forecast_frame(df, 2, backtest=False, models=["naive", "drift"])
    assert r.forecasts["y"].tolist() == pytest.approx([17.0, 18.0])  # mean of 16 and 18, 20
    assert r.forecasts["method"].iloc[0] == "ensemble(drift 0.50, naive 0.50)"
    assert r.backtest.empty
    # in-sample fallback: 80% quantile of |changes| (all 2) times sqrt(step)
    assert (r.forecasts["hi80"] - r.forecasts["y"]).tolist() == pytest.approx([2.0, 2.0 * 2**0.5])


def test_quarterly_and_annual_dates() -> None:
    q = pd.DataFrame({"unique_id": "q", "ds": ["2019Q1", "2019Q2", "2019Q3", "2019Q4"], "y": [1.0, 2, 3, 4]})
    r = forecast_frame(q, 2, models=["drift"])
    assert r.frequency == "Q"
    assert r.forecasts["ds"].tolist() == [pd.Timestamp("2020-03-31"), pd.Timestamp("2020-06-30")]
    assert r.forecasts["y"].tolist() == pytest.approx([5.0, 6.0])


def _small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.concat(monthly(f"line{i}", 100 + rng.normal(0, 5, 40).cumsum()) for i in range(6))


def test_process_fanout_gives_the_same_answer() -> None:
    one = forecast_frame(_small_panel(), 4, models=CHEAP)
    two = forecast_frame(_small_panel(), 4, models=CHEAP, n_jobs=2)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.backtest, two.backtest)


def test_dask_fanout_gives_the_same_answer() -> None:
    distributed = pytest.importorskip("distributed")
    one = forecast_frame(_small_panel(), 4, models=CHEAP)
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        viadask = forecast_frame(_small_panel(), 4, models=CHEAP, dask_address=cluster.scheduler_address)
    pd.testing.assert_frame_equal(one.forecasts, viadask.forecasts)
