"""Rolling-origin backtest: forecasts from each of the last (up to 24) origins, scored by MASE and sMAPE."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forecasts.series.models import Model

MAX_ORIGINS = 24


@dataclass
class Backtest:
    """Forecasts of every model from every origin; rows are origins, columns horizon steps (NaN past the end)."""

    origins: np.ndarray  # positions: origin o trains on y[:o] and forecasts y[o:o+h]
    actual: np.ndarray
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)
    scale: float = 1.0  # in-sample MAE of seasonal naive (or naive) before the first origin
    fit_seconds: float = 0.0


def min_train_length(season_length: int) -> int:
    """Shortest training window: two seasons for seasonal series, else 8 points."""
    return max(2 * season_length, 8) if season_length > 1 else 8


def rolling_origins(n: int, season_length: int, max_origins: int = MAX_ORIGINS) -> np.ndarray:
    """Origins over the last up to ``max_origins`` points.

    Training windows are at least ``min_train_length`` long, relaxed to half the series for short
    series (never under 2 points), so there is always at least one origin.
    """
    first = max(n - max_origins, min(min_train_length(season_length), max(2, n // 2)))
    return np.arange(min(first, n - 1), n)


def mae_scale(y: np.ndarray, season_length: int) -> float:
    """In-sample MAE of seasonal naive (naive when shorter than two seasons or when that MAE is 0); 1 if flat."""
    x = np.asarray(y, dtype=float)
    if season_length > 1 and len(x) > season_length:
        s = float(np.mean(np.abs(x[season_length:] - x[:-season_length])))
        if s > 0:
            return s
    if len(x) > 1:
        s = float(np.mean(np.abs(np.diff(x))))
        if s > 0:
            return s
    return 1.0


def mase(forecast: np.ndarray, actual: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error over the cells that have an actual."""
    ok = ~np.isnan(actual)
    return float(np.mean(np.abs(forecast[ok] - actual[ok])) / scale)


def smape(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Symmetric MAPE in percent (0–200); a cell where forecast and actual are both 0 scores 0."""
    ok = ~np.isnan(actual)
    f, a = forecast[ok], actual[ok]
    denom = np.abs(f) + np.abs(a)
    terms = np.divide(2.0 * np.abs(f - a), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(terms))


def actual_matrix(y: np.ndarray, origins: np.ndarray, h: int) -> np.ndarray:
    """Actual values after each origin, NaN beyond the end of the series."""
    out = np.full((len(origins), h), np.nan)
    for i, o in enumerate(origins):
        seg = y[o : o + h]
        out[i, : len(seg)] = seg
    return out


def timed_fit(model: Model, y: np.ndarray, h: int, season_length: int) -> tuple[np.ndarray, float]:
    """A model's forecast and its bare fit time in seconds."""
    t = time.perf_counter()
    fc = np.asarray(model.fit_predict(y, h, season_length), dtype=float)
    return fc, time.perf_counter() - t


def backtest_forecasts(
    y: np.ndarray, h: int, season_length: int, models: Sequence[Model], refit_every: int
) -> Backtest:
    """Rolling-origin forecasts of every model.

    Cheap models are refitted at every origin. The others are refitted every ``refit_every`` origins
    (times the model's ``refit_factor``); in between, the forecast comes from the last fit, read further ahead (the new points are not used).
    """
    x = np.asarray(y, dtype=float)
    origins = rolling_origins(len(x), season_length)
    bt = Backtest(origins=origins, actual=actual_matrix(x, origins, h))
    bt.scale = mae_scale(x[: origins[0]], season_length)
    n_o = len(origins)
    for model in models:
        out = np.empty((n_o, h))
        step = 1 if model.cheap else max(1, refit_every * model.refit_factor)
        for i in range(0, n_o, step):
            k = min(step, n_o - i)
            fc, secs = timed_fit(model, x[: origins[i]], h + k - 1, season_length)
            bt.fit_seconds += secs
            for j in range(k):
                out[i + j] = fc[j : j + h]
        bt.forecasts[model.name] = out
    return bt


def step_forecasts(bt: Backtest, forecast: np.ndarray, step: int) -> dict[int, float]:
    """Past forecasts ``step`` periods ahead, by the position they forecast.

    ``forecast`` is an (origins × steps) matrix of ``bt`` (one model's, or a weighted combination); origin
    ``o``'s forecast of ``y[o + step - 1]`` is kept when that actual is known.
    """
    if not 1 <= step <= forecast.shape[1]:
        raise ValueError(f"step {step} is outside the backtest horizon 1..{forecast.shape[1]}")
    k = step - 1
    return {
        int(o) + k: float(forecast[i, k]) for i, o in enumerate(bt.origins) if not np.isnan(bt.actual[i, k])
    }
