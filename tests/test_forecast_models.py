"""Series frames, models, backtest scores, conformal widths and ensemble weights on hand-checkable numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from forecasts.series import panel as P
from forecasts.series.frames import SeriesError, future_periods, infer_frequency, period_end, read_series_csv
from forecasts.series.intervals import conformal_quantile
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


def test_prophet_floors_at_zero_when_nonnegative() -> None:
    y = np.linspace(40.0, 2.0, 20)  # falling 2 a period: unclipped forecasts go negative
    fc = ProphetModel(nonnegative=True).fit_predict(y, 6, 1)
    assert fc.min() == 0.0
    assert fc[0] == pytest.approx(0.0, abs=1.0)


def test_conformal_quantile_rank() -> None:
    e = np.arange(1.0, 10.0)  # 9 errors
    assert conformal_quantile(e, 80) == 8.0  # ceil(10 * 0.8) = 8th smallest
    assert conformal_quantile(e, 95) is None  # needs 19 errors


def test_bases_and_scale_by_hand() -> None:
    y = np.array([[10.0, 12.0, 11.0, 13.0, 15.0, 14.0]])
    base, lags = P.base_forecast(y, 4, 3)  # season of 3: the value one season before each target
    assert base.tolist() == [[13.0, 15.0, 14.0, 13.0]] and lags.tolist() == [[3, 3, 3, 6]]
    assert P.base_forecast(y, 2, 1)[0].tolist() == [[14.0, 14.0]]
    assert P.drift_forecast(y, 2)[0].tolist() == pytest.approx([14.8, 15.6])  # slope (14 - 10) / 5
    # in-sample seasonal-naive MAE: |13-10|, |15-12|, |14-11| = 3; one-step naive: (2+1+2+2+1)/5 = 1.6
    assert P.naive_scale(y, 3).tolist() == [3.0]
    assert P.naive_scale(y, 1).tolist() == pytest.approx([1.6])
    assert P.naive_scale(np.full((1, 5), 7.0), 1).tolist() == [1.0]  # flat: scale 1


def test_season_levels_are_last_season_totals() -> None:
    y = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    levels = P.season_levels(y, 3)
    assert np.isnan(levels[0, :2]).all() and levels[0, 2:].tolist() == [6.0, 9.0, 12.0]


def test_the_label_of_a_mean_gives_each_setting_s_range_once() -> None:
    a = P.Config(alpha=0.7, trend_weight=0.5, damping=0.5, years=1)
    b = P.Config(alpha=0.7, trend_weight=0.5, damping=0.9, years=5, own="shrunk")
    assert P.blend_label((a, b), "seasonal naive") == (
        "mean of 2: smoothed level (alpha 0.7) + pooled trend (damping 0.5–0.9, window 1–5 years, "
        "own trend in some, weight 0.50)"
    )
    assert P.blend_label((a, a, P.NAIVE), "naive") == (
        "mean of 3: naive or smoothed level (alpha 0.7) + pooled trend in 2 of 3 (damping 0.5, window 1 year, "
        "weight 0.50)"
    )
    assert P.blend_label((P.NAIVE,), "naive") == "naive"
