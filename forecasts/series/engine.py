"""The forecasting engine: every series of a long frame backtested, ensembled and given conformal intervals."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.series.backtest import backtest_forecasts, mase, smape, timed_fit
from forecasts.series.combination import chosen_weights, equal_weights, method_label
from forecasts.series.fanout import mapped_chunks
from forecasts.series.frames import SEASON_LENGTH, checked_series, future_periods, infer_frequency
from forecasts.series.intervals import LEVELS, coverage, halfwidths, insample_halfwidth
from forecasts.series.models import DEFAULT_MODELS, models_named

FORECAST_COLUMNS = ["unique_id", "ds", "y", "lo80", "hi80", "lo95", "hi95", "method"]
BACKTEST_COLUMNS = ["unique_id", "model", "mase", "smape", "coverage80", "coverage95"]
WEIGHT_COLUMNS = ["unique_id", "model", "weight"]
REFIT_EVERY = {"M": 3, "Q": 1, "A": 1}


@dataclass(frozen=True)
class SeriesSettings:
    """What every series of one call shares (small and picklable, sent to workers)."""

    horizon: int
    season_length: int
    model_names: tuple[str, ...]
    nonnegative: bool = False
    backtest: bool = True
    refit_every: int = 1


@dataclass
class SeriesOutcome:
    """One series' forecast (arrays of length horizon), weights, backtest scores and bare fit seconds."""

    unique_id: str
    point: np.ndarray
    bounds: dict[str, np.ndarray]  # lo80, hi80, lo95, hi95
    weights: dict[str, float]
    scores: list[tuple[str, float, float, float, float]]  # model, mase, smape, coverage80, coverage95
    fit_seconds: float


@dataclass
class ForecastResult:
    """Forecasts, backtest scores and ensemble weights of every series, as long frames."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    weights: pd.DataFrame
    fit_seconds: float
    frequency: str
    methods: dict[str, str] = field(default_factory=dict)


def _scores(
    name: str, fc: np.ndarray, actual: np.ndarray, scale: float, origins: np.ndarray, y: np.ndarray
) -> tuple[str, float, float, float, float]:
    err = np.abs(fc - actual)
    cov = [coverage(err, origins, y, lvl) for lvl in LEVELS]
    return (name, mase(fc, actual, scale), smape(fc, actual), cov[0], cov[1])


def forecast_series(unique_id: str, y: np.ndarray, settings: SeriesSettings) -> SeriesOutcome:
    """One series: backtest (optional), choose weights, refit the chosen models on all data, add intervals."""
    x = np.asarray(y, dtype=float)
    h, m = settings.horizon, settings.season_length
    models = models_named(settings.model_names, nonnegative=settings.nonnegative)
    if m == 1 and len(models) > 1:  # annual: seasonal naive is naive; a duplicate would skew the ensemble
        models = [mdl for mdl in models if mdl.name != "seasonal-naive"] or models
    fit_seconds = 0.0
    scores: list[tuple[str, float, float, float, float]] = []
    fallback = {lvl: insample_halfwidth(x, lvl) for lvl in LEVELS}
    if settings.backtest:
        bt = backtest_forecasts(x, h, m, models, settings.refit_every)
        fit_seconds += bt.fit_seconds
        weights, chosen_fc = chosen_weights(bt)
        for name, fc in bt.forecasts.items():
            scores.append(_scores(name, fc, bt.actual, bt.scale, bt.origins, x))
        scores.append(_scores("ensemble", chosen_fc, bt.actual, bt.scale, bt.origins, x))
        err = np.abs(chosen_fc - bt.actual)
        widths = {lvl: halfwidths(err, lvl, fallback[lvl]) for lvl in LEVELS}
    else:
        weights = equal_weights([mdl.name for mdl in models])
        steps = np.sqrt(np.arange(1, h + 1))
        widths = {lvl: fallback[lvl] * steps for lvl in LEVELS}
    point = np.zeros(h)
    for mdl in models:
        if mdl.name in weights:
            fc, secs = timed_fit(mdl, x, h, m)
            fit_seconds += secs
            point += weights[mdl.name] * fc
    bounds: dict[str, np.ndarray] = {}
    for lvl in LEVELS:
        bounds[f"lo{lvl}"] = point - widths[lvl]
        bounds[f"hi{lvl}"] = point + widths[lvl]
    if settings.nonnegative:
        point = np.clip(point, 0.0, None)
        bounds = {k: np.clip(v, 0.0, None) for k, v in bounds.items()}
    return SeriesOutcome(unique_id, point, bounds, weights, scores, fit_seconds)


def forecast_chunk(items: list[tuple[str, np.ndarray]], settings: SeriesSettings) -> list[SeriesOutcome]:
    """Forecasts of a chunk of (unique_id, y) pairs (the unit of work sent to a worker)."""
    return [forecast_series(uid, y, settings) for uid, y in items]


def forecast_frame(
    df: pd.DataFrame,
    horizon: int,
    *,
    backtest: bool = True,
    models: list[str] | tuple[str, ...] | None = None,
    nonnegative: bool = False,
    n_jobs: int = 1,
    dask_address: str | None = None,
    progress: bool = False,
) -> ForecastResult:
    """Forecast every series of a long frame (unique_id, ds, y) ``horizon`` periods ahead.

    ``models`` defaults to seasonal-naive, naive, drift, ets and prophet; leave prophet out of big runs
    for speed. With ``backtest`` each series gets a rolling-origin backtest, inverse-MASE ensemble
    weights (never worse than its best single model) and conformal 80%/95% intervals; without it,
    an equal-weight mean with in-sample interval widths. Raises SeriesError / ValueError on bad input.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 period; received {horizon}")
    frame = checked_series(df)
    freq = infer_frequency(frame)
    names = tuple(dict.fromkeys(DEFAULT_MODELS if models is None else models))
    models_named(names)  # check the names before any work is sent out
    settings = SeriesSettings(horizon, SEASON_LENGTH[freq], names, nonnegative, backtest, REFIT_EVERY[freq])
    groups = [(str(uid), g["y"].to_numpy(dtype=float)) for uid, g in frame.groupby("unique_id", sort=False)]
    last_ds = frame.groupby("unique_id", sort=False)["ds"].max()
    outcomes = mapped_chunks(
        functools.partial(forecast_chunk, settings=settings),
        groups,
        n_jobs=n_jobs,
        dask_address=dask_address,
        progress=progress,
    )
    return _result(outcomes, last_ds, freq, horizon)


def _result(outcomes: list[SeriesOutcome], last_ds: pd.Series, freq: str, horizon: int) -> ForecastResult:
    fc_parts: list[pd.DataFrame] = []
    bt_rows: list[tuple[str, str, float, float, float, float]] = []
    w_rows: list[tuple[str, str, float]] = []
    methods: dict[str, str] = {}
    for o in outcomes:
        methods[o.unique_id] = method_label(o.weights)
        part = pd.DataFrame(
            {"unique_id": o.unique_id, "ds": future_periods(last_ds[o.unique_id], freq, horizon)}
        )
        part["y"] = o.point
        for k, v in o.bounds.items():
            part[k] = v
        part["method"] = methods[o.unique_id]
        fc_parts.append(part)
        bt_rows.extend((o.unique_id, *s) for s in o.scores)
        w_rows.extend((o.unique_id, m, w) for m, w in o.weights.items())
    forecasts = (
        pd.concat(fc_parts, ignore_index=True)[FORECAST_COLUMNS]
        if fc_parts
        else pd.DataFrame(columns=FORECAST_COLUMNS)
    )
    return ForecastResult(
        forecasts=forecasts,
        backtest=pd.DataFrame(bt_rows, columns=BACKTEST_COLUMNS),
        weights=pd.DataFrame(w_rows, columns=WEIGHT_COLUMNS),
        fit_seconds=float(sum(o.fit_seconds for o in outcomes)),
        frequency=freq,
        methods=methods,
    )
