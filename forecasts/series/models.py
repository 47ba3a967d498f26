"""Forecast models behind one small interface: ``fit_predict(y, h, season_length) -> h values``.

Exponential smoothing uses statsmodels (already a dependency, pure Python/NumPy/SciPy): unlike
statsforecast there is no numba JIT warm-up, which would cost seconds in every fresh worker process.
"""

from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np


class Model(Protocol):
    """A univariate forecaster.

    ``cheap`` models are refitted at every backtest origin; the others every ``refit_every`` origins
    times their ``refit_factor`` (2 for prophet, whose fits cost ~0.15 s each).
    """

    name: str
    cheap: bool
    refit_factor: int

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray: ...


class Naive:
    """Last value carried forward."""

    name = "naive"
    cheap = True
    refit_factor = 1

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
        return np.full(h, float(y[-1]))


class SeasonalNaive:
    """The value one season earlier (naive when the series is shorter than a season or not seasonal)."""

    name = "seasonal-naive"
    cheap = True
    refit_factor = 1

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
        m = season_length
        if m <= 1 or len(y) < m:
            return np.full(h, float(y[-1]))
        last = np.asarray(y[-m:], dtype=float)
        return np.array([last[i % m] for i in range(h)])


class Drift:
    """Straight line through the first and last values, extended."""

    name = "drift"
    cheap = True
    refit_factor = 1

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
        n = len(y)
        slope = (float(y[-1]) - float(y[0])) / (n - 1) if n > 1 else 0.0
        return float(y[-1]) + slope * np.arange(1, h + 1)


class ETS:
    """Holt-Winters exponential smoothing: damped additive trend; additive seasonality only with ≥ 2 seasons.

    Starting values come from the heuristic, not a brute-force grid (``use_brute=False``): half the
    fit time, with no loss of accuracy on our monthly series.
    """

    name = "ets"
    cheap = False
    refit_factor = 1

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        x = np.asarray(y, dtype=float)
        if len(x) < 4 or np.ptp(x) == 0:
            return np.full(h, float(x[-1]))
        seasonal = "add" if season_length > 1 and len(x) >= 2 * season_length else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            model = ExponentialSmoothing(
                x,
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=season_length if seasonal else None,
                initialization_method="estimated",
            )
            fc = np.asarray(model.fit(use_brute=False).forecast(h), dtype=float)
        if not np.all(np.isfinite(fc)):
            return np.full(h, float(x[-1]))
        return fc


BASE_MODELS: dict[str, Model] = {m.name: m for m in (SeasonalNaive(), Naive(), Drift(), ETS())}
DEFAULT_MODELS = ("seasonal-naive", "naive", "drift", "ets", "prophet")


def models_named(names: list[str] | tuple[str, ...] | None, *, nonnegative: bool = False) -> list[Model]:
    """Model objects for names such as ``["ets", "prophet"]`` (default: all five). Unknown names raise ValueError."""
    from forecasts.series.prophet_adapter import ProphetModel

    chosen = list(DEFAULT_MODELS if names is None else names)
    unknown = [n for n in chosen if n not in BASE_MODELS and n != "prophet"]
    if unknown or not chosen:
        raise ValueError(f"unknown model(s) {unknown or chosen}; choose from {', '.join(DEFAULT_MODELS)}")
    out: list[Model] = []
    for n in dict.fromkeys(chosen):
        out.append(ProphetModel(nonnegative=nonnegative) if n == "prophet" else BASE_MODELS[n])
    return out
