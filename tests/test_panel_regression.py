"""The panel regression (a ridge regression learned across a panel's series) on numbers worked on paper."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasts.series import panel as P
from forecasts.series import regression as R
from forecasts.series import selection as S
from forecasts.series.backtest import regression_backtest
from forecasts.series.engine import forecast_frame


def annual(uid: str, y: list[float] | np.ndarray, first: int = 2011) -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": uid, "ds": [pd.Timestamp(first + i, 3, 31) for i in range(len(y))], "y": list(y)}
    )


def test_features_on_paper() -> None:
    # 100, 100, 100, 200: last year's growth ln 2, over three years ln 2 / 3 a year, and 200 against the
    # mean of the last three years (100 + 100 + 200) / 3 = 133.3: ln 1.5
    y = np.array([[100.0, 100.0, 100.0, 200.0]])
    f = R.panel_features(y, 1)[0, -1]
    assert f.tolist() == pytest.approx([1.0, math.log(2), math.log(2) / 3, math.log(1.5)])
    # three years back is needed for the 3-year growth: undefined one column earlier
    assert np.isnan(R.panel_features(y, 1)[0, 2, 2])


def test_training_pairs_are_only_those_whose_outcome_is_known() -> None:
    # 100, 100, 100, 200, 300: the only origin with every feature and a known next year is 2014 (200),
    # its outcome ln(300 / 200); two years on there is none (2016 is not in the history)
    y = np.array([[100.0, 100.0, 100.0, 200.0, 300.0]])
    (x1, t1), (x2, t2) = R.training_pairs(y, 2, 1)
    full = np.isfinite(x1).all(axis=1)
    assert x1[full].tolist() == [pytest.approx([1.0, math.log(2), math.log(2) / 3, math.log(1.5)])]
    assert t1[full].tolist() == pytest.approx([math.log(1.5)])
    # the pairs with a level alone (for the intercept-only model): every year with a next year known
    assert t1.tolist() == pytest.approx([0.0, 0.0, math.log(2), math.log(1.5)])
    assert not np.isfinite(x2).all(axis=1).any()
    assert t2.tolist() == pytest.approx([0.0, math.log(2), math.log(3)])


def test_ridge_coefficients_worked_by_hand() -> None:
    # points (0, 1), (1, 3), (2, 5): least squares gives 1 + 2x exactly
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    t = np.array([1.0, 3.0, 5.0])
    assert R.ridge_coefficients(x, t, ridge=0.0).tolist() == pytest.approx([1.0, 2.0])
    # ridge 0.1 × 3 pairs on the slope only: [[3, 3], [3, 5.3]] b = [9, 13] → slope 12 / 6.9, intercept 3 − slope
    slope = 12 / 6.9
    assert R.ridge_coefficients(x, t, ridge=0.1).tolist() == pytest.approx([3 - slope, slope])


def test_huber_location_is_not_pulled_by_one_wild_value() -> None:
    # 0, 1, 2, 3, 100: the mean is 21.2; the residuals' MAD about it is 1 (robust SD 1.4826, c = 1.994).
    # At 2 the residuals are −2, −1, 0, 1, 98: clipped to −1.994 and +1.994 they sum to zero, so 2 it is
    assert R.huber_location(np.array([0.0, 1.0, 2.0, 3.0, 100.0])) == pytest.approx(2.0, abs=1e-3)
    x = np.ones((5, 1))
    assert R.huber_coefficients(x, np.array([0.0, 1.0, 2.0, 3.0, 100.0]))[0] == pytest.approx(2.0, abs=1e-3)


def test_a_panel_growing_five_percent_is_forecast_at_five_percent() -> None:
    # every series grows 5% a year: the slopes' features never vary apart from the intercept, so the
    # ridge puts it all in the (unpenalised) intercept: k · ln 1.05 at step k, slopes 0
    levels = np.array([50.0, 80, 100, 120, 150, 200, 260, 300, 400, 500, 700, 900, 1000, 1500])
    y = levels[:, None] * 1.05 ** np.arange(9)[None, :]
    fit = R.fitted_regression(y, 3, 1)
    assert fit.coefficients[:, 0].tolist() == pytest.approx([math.log(1.05) * k for k in (1, 2, 3)])
    assert np.abs(fit.coefficients[:, 1:]).max() == pytest.approx(0.0, abs=1e-9)
    fc = R.regression_forecast(y, 3, 1)
    assert fc[0].tolist() == pytest.approx([50 * 1.05**8 * 1.05**k for k in (1, 2, 3)])


def test_it_learns_mean_reversion_a_pooled_trend_cannot() -> None:
    # 30 councils, each see-sawing 10% above and below its own level every other year (half of them up
    # when the others are down): what went up comes down. The regression learns it from the panel's
    # past; naive and any trend carry the last value on.
    rng = np.random.default_rng(3)
    size = rng.uniform(50, 500, 30)
    phase = np.where(np.arange(30) % 2 == 0, 1.0, -1.0)
    sign = np.where(np.arange(14) % 2 == 0, 1.0, -1.0)
    y = size[:, None] * np.exp(0.1 * phase[:, None] * sign[None, :])
    fc = R.regression_forecast(y, 2, 1)
    # next year each goes back to the other side, e^±0.2 = +22% / −18% on the last value (the ridge
    # shrinks the slopes a little), the year after it is back where it is now, exactly
    last = y[:, -1]
    ratio = fc[:, 0] / last
    low = phase == 1.0  # their last year (odd) was a low one
    assert ratio[low].min() > 1.18 and ratio[low].max() < math.exp(0.2) + 1e-9
    assert ratio[~low].max() < 0.85 and ratio[~low].min() > math.exp(-0.2) - 1e-9
    assert fc[:, 1].tolist() == pytest.approx(last.tolist())
    frame = pd.concat([annual(f"LA{i}", y[i], first=2007) for i in range(30)])
    out = forecast_frame(frame, 2, models=["naive", "drift", "trend", "regression"])
    assert out.choice is not None and out.choice.label == P.REGRESSION_LABEL
    assert set(out.weights["model"]) == {"regression"}
    scores = out.backtest.groupby("model")["mase"].mean()
    assert scores["regression"] < 0.5 * scores["naive"]


def test_a_future_value_cannot_leak_into_the_fit() -> None:
    # the same panel with every value after 2016 replaced: the forecasts made at origins up to 2016
    # (the regression's alone, and the engine's combination) are unchanged
    rng = np.random.default_rng(7)
    y = 100 * np.exp(np.cumsum(rng.normal(0.03, 0.08, (40, 11)), axis=1))
    other = y.copy()
    other[:, 6:] *= rng.uniform(0.2, 5.0, other[:, 6:].shape)
    origins = S.backtest_origins(11, 1, 3)
    a, b = regression_backtest(y, 3, 1, origins), regression_backtest(other, 3, 1, origins)
    early = origins <= 6
    assert early.sum() >= 3
    np.testing.assert_array_equal(a[:, early], b[:, early])
    assert not np.array_equal(a[:, ~early], b[:, ~early])
    fa = forecast_frame(pd.concat([annual(f"S{i}", y[i]) for i in range(40)]), 3)
    fb = forecast_frame(pd.concat([annual(f"S{i}", other[i]) for i in range(40)]), 3)
    assert fa.past is not None and fb.past is not None
    cols = fa.past.origins <= 6
    np.testing.assert_allclose(fa.past.forecasts[:, cols], fb.past.forecasts[:, cols])


def test_a_series_touching_zero_keeps_its_base_and_stays_out_of_the_fit() -> None:
    y = np.vstack([100 * 1.05 ** np.arange(8)[None, :].repeat(14, axis=0), [[5, 0, 3, 4, 6, 2, 4, 5]]])
    y = y * np.linspace(1, 3, 15)[:, None]
    fc = R.regression_forecast(y, 2, 1)
    assert fc[-1].tolist() == pytest.approx([y[-1, -1]] * 2)
    fit = R.fitted_regression(y, 2, 1)
    assert fit.pairs[0] == 14 * 4  # 14 positive series × origins 2014–2017 (features need 4 years)


def test_monthly_panel_too_short_for_the_full_model_uses_the_pooled_seasonal_change() -> None:
    # 20 monthly series, 30 months, each month 10% up on the same month a year before: too short for
    # the 3-year growth (4 years of 12-month totals), so the intercept-only model: ln 1.1 on the
    # seasonal naive value, i.e. last year's month × 1.10
    season = np.array([30.0, 32, 35, 31, 29, 28, 33, 36, 40, 38, 34, 31])
    t = np.arange(30)
    sizes = np.linspace(1, 5, 20)
    y = sizes[:, None] * season[t % 12][None, :] * 1.1 ** (t // 12)[None, :]
    fc = R.regression_forecast(y, 3, 12)
    expected = y[:, 18:21] * 1.1  # months 31–33 are months 19–21 of the year before, grown 10%
    np.testing.assert_allclose(fc, expected, rtol=1e-6)


def test_two_years_of_change_are_not_enough_to_leave_naive() -> None:
    # 20 series, 2019–2021, all up 10% a year: the pairs span two origins (2019 and 2020), a shock as
    # much as a rule, so no fit: the last value carried on; a fourth year gives three origins and 10%
    y = np.linspace(50, 500, 20)[:, None] * 1.1 ** np.arange(3)[None, :]
    assert R.regression_forecast(y, 1, 1)[:, 0].tolist() == pytest.approx(y[:, -1].tolist())
    y4 = np.linspace(50, 500, 20)[:, None] * 1.1 ** np.arange(4)[None, :]
    assert R.regression_forecast(y4, 1, 1)[:, 0].tolist() == pytest.approx((y4[:, -1] * 1.1).tolist())
