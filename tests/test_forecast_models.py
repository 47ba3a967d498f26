"""Series frames, models, backtest scores, conformal widths and ensemble weights on hand-checkable numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from forecasts.series.backtest import (
    Backtest,
    actual_matrix,
    backtest_forecasts,
    mae_scale,
    mase,
    rolling_origins,
    smape,
)
from forecasts.series.combination import chosen_weights, inverse_mase_weights, method_label
from forecasts.series.frames import SeriesError, future_periods, infer_frequency, period_end, read_series_csv
from forecasts.series.intervals import conformal_quantile, coverage, halfwidths
from forecasts.series.models import ETS, Drift, Naive, SeasonalNaive, models_named
from forecasts.series.prophet_adapter import ProphetModel


def frame(uid: str, ds: list[str], y: Sequence[float | str]) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


# --- series frames -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-12-31", "2019-12-31"),
        ("31/12/2019", "2019-12-31"),
        ("2019-12", "2019-12-31"),
        ("2020-02", "2020-02-29"),
        ("2019Q4", "2019-12-31"),
        ("2020Q1", "2020-03-31"),
        ("2019", "2019-12-31"),
    ],
)
def test_period_end_reads_every_written_form(text: str, expected: str) -> None:
    assert period_end(text) == pd.Timestamp(expected)


def test_infer_frequency_month_quarter_year() -> None:
    assert infer_frequency(frame("a", ["2019-10", "2019-11", "2019-12"], [1, 2, 3])) == "M"
    assert infer_frequency(frame("a", ["2019Q2", "2019Q3", "2019Q4"], [1, 2, 3])) == "Q"
    assert infer_frequency(frame("a", ["2017", "2018", "2019"], [1, 2, 3])) == "A"


def test_missing_column_error_says_what_was_received() -> None:
    with pytest.raises(
        SeriesError, match=r"missing column\(s\) \['y'\].*received columns \['unique_id', 'ds', 'value'\]"
    ):
        infer_frequency(pd.DataFrame({"unique_id": ["a"], "ds": ["2019"], "value": [1]}))


def test_duplicate_period_is_refused() -> None:
    with pytest.raises(
        SeriesError, match=r"2 rows repeat a \(unique_id, ds\) pair, e.g. \('a', 2019-11-30\)"
    ):
        infer_frequency(frame("a", ["2019-10", "2019-11", "2019-11", "2019-12"], [1, 2, 2, 3]))


def test_gap_is_irregular_spacing() -> None:
    with pytest.raises(SeriesError, match=r"series 'a' has irregular spacing.*gaps of \[1, 2\] months"):
        infer_frequency(frame("a", ["2019-09", "2019-10", "2019-12"], [1, 2, 3]))


def test_non_numeric_y_is_named() -> None:
    with pytest.raises(SeriesError, match=r"1 bad value\(s\), e.g. 'lots' for series 'a'"):
        infer_frequency(frame("a", ["2017", "2018", "2019"], ["1", "lots", "3"]))


def test_too_short_series_is_refused() -> None:
    with pytest.raises(SeriesError, match=r"series 'a' has 2 observation\(s\); at least 3"):
        infer_frequency(frame("a", ["2018", "2019"], [1, 2]))


def test_read_series_csv_with_uk_dates_and_thousands(tmp_path) -> None:
    p = tmp_path / "s.csv"
    p.write_text('Unique ID,DS,Y\nIFA,31/01/2020,"1,200"\nIFA,29/02/2020,1300\nIFA,31/03/2020,1250.5\n')
    df = read_series_csv(p)
    assert list(df["y"]) == [1200.0, 1300.0, 1250.5]
    assert df["ds"].iloc[1] == pd.Timestamp("2020-02-29")
    assert infer_frequency(df) == "M"


def test_read_series_csv_names_file_in_error(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("unique_id,ds\nIFA,2020-01\n")
    with pytest.raises(SeriesError, match=r"bad.csv: series frame is missing column\(s\) \['y'\]"):
        read_series_csv(p)


def test_future_periods_are_period_ends() -> None:
    assert list(future_periods(pd.Timestamp("2019-12-31"), "Q", 2)) == [
        pd.Timestamp("2020-03-31"),
        pd.Timestamp("2020-06-30"),
    ]
    assert list(future_periods(pd.Timestamp("2020-01-31"), "M", 1)) == [pd.Timestamp("2020-02-29")]


# --- models --------------------------------------------------------------------------------------


def test_naive_family_hand_numbers() -> None:
    y = np.array([10.0, 12.0, 11.0, 13.0, 15.0, 14.0])
    assert list(Naive().fit_predict(y, 2, 1)) == [14.0, 14.0]
    assert list(SeasonalNaive().fit_predict(y, 4, 3)) == [13.0, 15.0, 14.0, 13.0]
    assert list(Drift().fit_predict(y, 2, 1)) == [14.8, 15.6]  # slope (14-10)/5 = 0.8


def test_ets_follows_a_clean_trend() -> None:
    y = 100.0 + 5.0 * np.arange(30)
    fc = ETS().fit_predict(y, 3, 1)
    assert np.allclose(fc, [250.0, 255.0, 260.0], atol=1.5)


def test_ets_on_flat_series_is_flat() -> None:
    assert list(ETS().fit_predict(np.full(10, 7.0), 2, 12)) == [7.0, 7.0]


def test_prophet_floors_at_zero_when_nonnegative() -> None:
    y = np.linspace(40.0, 2.0, 20)  # falling 2 a period: unclipped forecasts go negative
    fc = ProphetModel(nonnegative=True).fit_predict(y, 6, 1)
    assert fc.min() == 0.0
    assert fc[0] == pytest.approx(0.0, abs=1.0)


def test_models_named_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"unknown model\(s\) \['arima'\]"):
        models_named(["ets", "arima"])
    assert [m.name for m in models_named(None)] == ["seasonal-naive", "naive", "drift", "ets", "prophet"]


# --- backtest scores -----------------------------------------------------------------------------


def test_rolling_origins_cover_last_24_points_or_fewer() -> None:
    assert list(rolling_origins(60, 12)) == list(range(36, 60))
    assert list(rolling_origins(31, 1)) == list(range(8, 31))
    assert list(rolling_origins(20, 12)) == list(range(10, 20))
    assert list(rolling_origins(3, 1)) == [2]


def test_mase_and_smape_by_hand() -> None:
    actual = np.array([[1.0, 3.0], [np.nan, np.nan]])
    fc = np.array([[2.0, 2.0], [9.0, 9.0]])
    assert mase(fc, actual, 0.5) == 2.0  # mean |e| = 1, scale 0.5
    assert smape(fc, actual) == pytest.approx(100 * (2 / 3 + 2 / 5) / 2)
    assert mae_scale(np.array([1.0, 2.0, 4.0, 5.0]), 2) == 3.0  # |4-1|, |5-2|


def test_actual_matrix_is_nan_past_the_end() -> None:
    m = actual_matrix(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2, 3]), 2)
    assert m[0].tolist() == [3.0, 4.0]
    assert m[1, 0] == 4.0 and np.isnan(m[1, 1])


def test_backtest_refits_slow_models_every_third_origin() -> None:
    calls: list[int] = []

    class Counting:
        name, cheap, refit_factor = "counting", False, 1

        def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
            calls.append(len(y))
            return np.full(h, float(y[-1]))

    y = np.arange(40, dtype=float)
    bt = backtest_forecasts(y, 2, 12, [Counting()], refit_every=3)
    assert list(bt.origins) == list(range(20, 40))  # last 24 points, but at least 20 to train on
    assert calls == [20, 23, 26, 29, 32, 35, 38]  # a fit every third origin
    assert bt.forecasts["counting"][1].tolist() == [19.0, 19.0]  # origin 21 reads the fit at 20


# --- intervals -----------------------------------------------------------------------------------


def test_conformal_quantile_rank() -> None:
    e = np.arange(1.0, 10.0)  # 9 errors
    assert conformal_quantile(e, 80) == 8.0  # ceil(10 * 0.8) = 8th smallest
    assert conformal_quantile(e, 95) is None  # needs 19 errors


def test_halfwidths_fall_back_and_never_shrink() -> None:
    err = np.full((5, 3), np.nan)
    err[:, 0] = [1.0, 2.0, 3.0, 4.0, 5.0]  # step 1: 5 errors -> rank ceil(6*.8)=5 -> 5
    err[:1, 1] = [0.5]  # step 2: too few -> 5 * sqrt(2)
    w = halfwidths(err, 80, fallback_one_step=9.0)
    assert w.tolist() == pytest.approx([5.0, 5.0 * 2**0.5, 5.0 * 3**0.5])
    assert halfwidths(np.full((2, 2), np.nan), 80, 2.0).tolist() == pytest.approx([2.0, 2.0 * 2**0.5])


def test_coverage_uses_only_errors_known_at_each_origin() -> None:
    y = np.zeros(10)  # in-sample fallback width 0: anything not calibrated by earlier errors misses
    err = np.array([[1.0], [1.0], [1.0], [1.0], [1.0], [1.0]])
    # origins 0..3 have < 4 earlier errors (80% needs 4); origins 4 and 5 are covered
    assert coverage(err, np.arange(4, 10), y, 80) == pytest.approx(2 / 6)


# --- ensemble ------------------------------------------------------------------------------------


def test_inverse_mase_weights_top_three() -> None:
    w = inverse_mase_weights({"a": 1.0, "b": 2.0, "c": 4.0, "d": 8.0})
    assert w == pytest.approx({"a": 4 / 7, "b": 2 / 7, "c": 1 / 7})
    assert inverse_mase_weights({"a": 0.0, "b": 1.0}) == {"a": 1.0}


def test_ensemble_kept_when_it_beats_the_best_model() -> None:
    actual = np.array([[10.0, 10.0]])
    bt = Backtest(origins=np.array([5]), actual=actual, scale=1.0)
    bt.forecasts = {"high": actual + 1.0, "low": actual - 1.0}
    weights, fc = chosen_weights(bt)
    assert weights == pytest.approx({"high": 0.5, "low": 0.5})
    assert fc.tolist() == [[10.0, 10.0]]
    assert method_label(weights) == "ensemble(high 0.50, low 0.50)"


def test_ensemble_dropped_when_worse_than_the_best_model() -> None:
    actual = np.array([[10.0, 10.0]])
    bt = Backtest(origins=np.array([5]), actual=actual, scale=1.0)
    bt.forecasts = {"good": actual + 1.0, "worse": actual + 1.2}  # blend errs 1.09 > 1.0
    weights, fc = chosen_weights(bt)
    assert weights == {"good": 1.0}
    assert method_label(weights) == "good"
    assert fc.tolist() == [[11.0, 11.0]]
