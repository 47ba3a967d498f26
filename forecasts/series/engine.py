"""The panel forecasting engine: every series of a long frame forecast together, pooled then combined.

One call is one panel. Every series is based on naive (seasonal naive for monthly and quarterly data)
plus the panel's pooled trend (see ``panel``), or forecast by the panel regression learned across the
panel's series (``regression``); the members are combined with the same fixed weights for every series,
chosen once per panel by a rolling-origin backtest (naive unless the pooled backtest beats it on several
origins; the regression against the grid's choice by their errors out of sample, ``selection``). Prophet is a member for monthly and quarterly panels (and annual ones only when
named in ``models``), admitted by the same panel backtest; its fits fan out over processes or Dask.
Intervals are pooled conformal ones (``intervals.pooled_quantiles``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts.series import backtest as BT
from forecasts.series import panel as P
from forecasts.series import selection as S
from forecasts.series.fanout import mapped_chunks
from forecasts.series.frames import SEASON_LENGTH, checked_series, future_periods, infer_frequency
from forecasts.series.intervals import LEVELS
from forecasts.series.regression import regression_forecast

FORECAST_COLUMNS = ["unique_id", "ds", "y", "lo80", "hi80", "lo95", "hi95", "method"]
BACKTEST_COLUMNS = ["unique_id", "model", "mase", "smape", "coverage80", "coverage95"]
WEIGHT_COLUMNS = ["unique_id", "model", "weight"]
REFIT_EVERY = {"M": 6, "Q": 2, "A": 1}  # prophet refits in the backtest, in origins
MEMBERS = ("seasonal-naive", "naive", "drift", "trend", "regression", "prophet")
DEFAULT_MODELS = (
    "naive",
    "drift",
    "trend",
    "regression",
    "prophet",
)  # prophet dropped for annual panels unless named


@dataclass
class PanelChoice:
    """What the panel chose: its configuration, the method label and the choice at every backtest origin."""

    config: P.Config  # the best configuration
    label: str
    base: str
    by_origin: list[tuple[P.Config, ...]] = field(default_factory=list)
    configs: tuple[P.Config, ...] = ()  # the configurations averaged (the best first)


@dataclass
class ForecastResult:
    """Forecasts, backtest scores and the panel's weights, as long frames."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    weights: pd.DataFrame
    fit_seconds: float
    frequency: str
    methods: dict[str, str] = field(default_factory=dict)
    choice: PanelChoice | None = None
    past: PastForecasts | None = None


@dataclass
class PastForecasts:
    """The combination's backtest forecasts: origin o (positions from each series' first value on the
    panel's grid) forecast ``forecasts[i, j, k]`` for series i at position ``origins[j] + k``."""

    ids: list[str]
    first: np.ndarray  # grid column of each series' first value
    origins: np.ndarray
    forecasts: np.ndarray  # series × origins × steps

    def by_step(self, unique_id: str, step: int) -> dict[int, float]:
        """{position in the series: forecast made ``step`` periods before} where one was made."""
        i = self.ids.index(unique_id)
        out = {}
        for j, o in enumerate(self.origins):
            v = self.forecasts[i, j, step - 1] if step <= self.forecasts.shape[2] else np.nan
            if np.isfinite(v):
                out[int(o) + step - 1 - int(self.first[i])] = float(v)
        return out


@dataclass(frozen=True)
class Panel:
    """The long frame as a matrix: one row per series, one column per period of the common grid."""

    ids: list[str]
    values: np.ndarray
    dates: pd.DatetimeIndex
    last: np.ndarray  # column of each series' last value
    last_dates: list[pd.Timestamp]  # each series' own last date (its forecast dates step on from it)


def panel_matrix(frame: pd.DataFrame, freq: str) -> Panel:
    """Series (in first-seen order) on the common grid of periods, NaN where a series has no value."""
    months = {"M": 1, "Q": 3, "A": 12}[freq]
    ds = frame["ds"]
    base = ds.min()
    pos = ((ds.dt.year - base.year) * 12 + (ds.dt.month - base.month)) // months
    ids = list(dict.fromkeys(frame["unique_id"]))
    row = frame["unique_id"].map({u: i for i, u in enumerate(ids)}).to_numpy()
    t = int(pos.max()) + 1
    values = np.full((len(ids), t), np.nan)
    values[row, pos.to_numpy()] = frame["y"].to_numpy(dtype=float)
    firsts = frame.assign(pos=pos).drop_duplicates("pos").set_index("pos")["ds"]
    grid_dates = pd.DatetimeIndex([firsts.get(i, pd.NaT) for i in range(t)])
    last = t - 1 - np.argmax(~np.isnan(values[:, ::-1]), axis=1)
    last_ds = frame.groupby("unique_id", sort=False)["ds"].max()
    return Panel(ids, values, grid_dates, last, [pd.Timestamp(last_ds[u]) for u in ids])


def member_names(models: list[str] | tuple[str, ...] | None, freq: str) -> tuple[str, ...]:
    """The members asked for (default: naive, drift, trend, regression and, unless annual, prophet); raises
    ValueError."""
    chosen = list(dict.fromkeys(DEFAULT_MODELS if models is None else models))
    unknown = [n for n in chosen if n not in MEMBERS]
    if unknown or not chosen:
        raise ValueError(f"unknown model(s) {unknown or chosen}; choose from {', '.join(MEMBERS)}")
    if models is None and freq == "A":
        chosen = [n for n in chosen if n != "prophet"]
    return tuple(chosen)


def prophet_rows(
    items: list[tuple[int, np.ndarray]],
    h: int,
    m: int,
    origins: tuple[int, ...],
    every: int,
    nonnegative: bool,
) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """Prophet per series: (row, backtest forecasts origins × h, final forecast, fit seconds).

    Refitted every ``every`` origins; in between, the last fit read further ahead (new points unused).
    """
    import time

    from forecasts.series.prophet_adapter import ProphetModel

    model = ProphetModel(nonnegative=nonnegative)
    out = []
    for row, y in items:
        secs = 0.0
        bt = np.full((len(origins), h), np.nan)
        for i in range(0, len(origins), every):
            k = min(every, len(origins) - i)
            train = y[: origins[i]]
            train = train[~np.isnan(train)]
            if len(train) < 3 or np.isnan(y[origins[i] - 1]):
                continue
            t = time.perf_counter()
            fc = model.fit_predict(train, h + k - 1, m)
            secs += time.perf_counter() - t
            for j in range(k):
                bt[i + j] = fc[j : j + h]
        known = y[~np.isnan(y)]
        t = time.perf_counter()
        final = model.fit_predict(known, h, m) if len(known) >= 3 else np.full(h, np.nan)
        secs += time.perf_counter() - t
        out.append((row, bt, np.asarray(final, dtype=float), secs))
    return out


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
    """Forecast the panel of a long frame (unique_id, ds, y) ``horizon`` periods ahead.

    With ``backtest`` the panel's window, damping and weights come from a rolling-origin backtest
    (pooled over the series) and the intervals from its pooled errors; without it, naive with in-sample
    widths. ``models`` names the members (naive / seasonal-naive are the base; drift is scored as a
    benchmark, never combined; trend is the pooled trend; prophet). Raises SeriesError / ValueError.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 period; received {horizon}")
    frame = checked_series(df)
    freq = infer_frequency(frame)
    names = member_names(models, freq)
    m = SEASON_LENGTH[freq]
    pnl = panel_matrix(frame, freq)
    y, h = pnl.values, horizon
    use_trend = "trend" in names and backtest
    use_regression = "regression" in names and backtest
    origins = S.backtest_origins(y.shape[1], m, h) if backtest else np.arange(0)
    use_prophet = "prophet" in names and len(origins) > 0  # admitted only by the panel backtest
    prophet_bt, prophet_final, fit_seconds = None, None, 0.0
    if use_prophet:
        prophet_bt, prophet_final, fit_seconds = _prophet(
            y, h, m, origins, REFIT_EVERY[freq], nonnegative, n_jobs, dask_address, progress
        )
    base_name = "seasonal-naive" if m > 1 else "naive"
    grid = P.configs(with_prophet=use_prophet, with_trend=use_trend, with_regression=use_regression)
    regression_bt = BT.regression_backtest(y, h, m, origins) if use_regression else None
    bt: BT.MemberBacktest | None = None
    choice = PanelChoice(P.NAIVE, base_name, base_name, configs=(P.NAIVE,))
    if len(origins):
        sel = S.selection_scores(y, h, m, grid, prophet_bt, regression_bt)
        chooser = S.PanelChooser(y, h, m, sel, prophet_bt, regression_bt)
        cfgs = chooser.choose(y.shape[1])
        cfg = cfgs[0]
        by_origin = [chooser.choose(int(o)) for o in origins]
        choice = PanelChoice(cfg, P.blend_label(cfgs, base_name), base_name, by_origin, cfgs)
        trend_cfg = _trend_member(sel, cfg)
        bt = BT.member_backtests(
            y, h, m, origins, names, base_name, by_origin, trend_cfg, prophet_bt, regression_bt
        )
    point = _final_forecast(y, pnl.last, h, m, choice.configs, prophet_final)
    scale = P.naive_scale(y, m)
    reach = BT.range_reach(bt, y, scale, h, m)
    bounds = {}
    for lvl in LEVELS:
        below, above = reach[lvl]
        bounds[f"lo{lvl}"] = point - below[None, :] * scale[:, None]
        bounds[f"hi{lvl}"] = point + above[None, :] * scale[:, None]
    if nonnegative:
        point = np.clip(point, 0.0, None)
        bounds = {k: np.clip(v, 0.0, None) for k, v in bounds.items()}
    scores = BT.member_scores(bt, y) if bt is not None else []
    methods = series_methods(pnl.ids, choice, P.always_positive(y))
    result = _result(pnl, freq, h, point, bounds, scores, choice, methods, fit_seconds)
    if bt is not None:
        first = np.argmax(~np.isnan(y), axis=1)
        result.past = PastForecasts(pnl.ids, first, bt.origins, bt.forecasts["ensemble"])
    return result


def _trend_member(sel: S.Selection, cfg: P.Config) -> P.Config:
    """The pooled-trend member reported alone: the chosen window and damping at full weight (or the best)."""
    if cfg.trend_weight > 0:
        return P.Config(cfg.years, cfg.damping, cfg.own, 1.0)
    full = [
        i
        for i, c in enumerate(sel.configs)
        if c.trend_weight == 1.0 and c.prophet_weight == 0 and c.alpha == 1.0
    ]
    if not full:
        return P.Config(P.YEARS[-1], P.DAMPING[0], "none", 1.0)
    mean = sel.loss[full].sum(axis=(1, 2)) / max(sel.count.sum(), 1.0)
    return sel.configs[full[int(np.argmin(mean))]]


def _prophet(
    y: np.ndarray,
    h: int,
    m: int,
    origins: np.ndarray,
    every: int,
    nonnegative: bool,
    n_jobs: int,
    dask_address: str | None,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    items = [(i, y[i]) for i in range(len(y))]
    fn = functools.partial(
        prophet_rows, h=h, m=m, origins=tuple(int(o) for o in origins), every=every, nonnegative=nonnegative
    )
    rows = mapped_chunks(fn, items, n_jobs=n_jobs, dask_address=dask_address, progress=progress)
    bt = np.full((len(y), len(origins), h), np.nan)
    final = np.full((len(y), h), np.nan)
    secs = 0.0
    for row, b, f, s in rows:
        bt[row], final[row] = b, f
        secs += s
    return bt, final, secs


def _final_forecast(
    y: np.ndarray, last: np.ndarray, h: int, m: int, cfgs: tuple[P.Config, ...], prophet: np.ndarray | None
) -> np.ndarray:
    """The chosen combination from each series' own last period (grouped by where series end)."""
    out = np.full((len(y), h), np.nan)
    for end in np.unique(last):
        rows = np.flatnonzero(last == end)
        known = y[:, : end + 1]
        inp = P.origin_inputs(known, h, m)
        regression = regression_forecast(known, h, m) if any(c.regression_weight for c in cfgs) else None
        fc = P.blend(inp, cfgs, m, prophet, regression)
        out[rows] = fc[rows]
    return out


NO_GROWTH = "the series touches zero or below, so the panel's growth does not apply"


def series_methods(ids: list[str], choice: PanelChoice, positive: np.ndarray) -> dict[str, str]:
    """Each series' method label: the panel's, but for a series that touches zero or below (log growth is
    undefined, so the pooled trend and the regression leave it on its base value) the base alone when
    nothing else of the choice applies, else the panel's label with that said."""
    cfgs = choice.configs or (choice.config,)
    growth_only = all(c.alpha == 1.0 and c.prophet_weight == 0 for c in cfgs)
    uses_growth = any(c.trend_weight > 0 or c.regression_weight > 0 for c in cfgs)
    if not uses_growth:
        return {uid: choice.label for uid in ids}
    other = f"{choice.base} ({NO_GROWTH})" if growth_only else f"{choice.label} ({NO_GROWTH})"
    return {uid: choice.label if ok else other for uid, ok in zip(ids, positive, strict=True)}


def _result(
    pnl: Panel,
    freq: str,
    h: int,
    point: np.ndarray,
    bounds: dict[str, np.ndarray],
    scores: list[list[tuple[str, float, float, float, float]]],
    choice: PanelChoice,
    methods: dict[str, str],
    fit_seconds: float,
) -> ForecastResult:
    n = len(pnl.ids)
    ahead = {d: future_periods(d, freq, h) for d in set(pnl.last_dates)}
    dates = [ahead[d] for d in pnl.last_dates]
    forecasts = pd.DataFrame(
        {
            "unique_id": np.repeat(pnl.ids, h),
            "ds": np.concatenate([d.to_numpy() for d in dates]) if n else [],
            "y": point.ravel(),
            **{k: v.ravel() for k, v in bounds.items()},
            "method": np.repeat([methods[u] for u in pnl.ids], h) if n else [],
        }
    )[FORECAST_COLUMNS]
    bt_rows = [(pnl.ids[i], *s) for i in range(len(scores)) for s in scores[i]]
    cfgs = choice.configs or (choice.config,)
    trend_w = sum(c.trend_weight for c in cfgs) / len(cfgs)
    prophet_w = sum(c.prophet_weight for c in cfgs) / len(cfgs)
    regression_w = sum(c.regression_weight for c in cfgs) / len(cfgs)
    weights = {choice.base: 1.0 - trend_w - prophet_w - regression_w}
    if trend_w:
        weights["trend"] = trend_w
    if regression_w:
        weights["regression"] = regression_w
    if prophet_w:
        weights["prophet"] = prophet_w
    w_rows = [(uid, k, float(v)) for uid in pnl.ids for k, v in weights.items() if v > 0]
    return ForecastResult(
        forecasts=forecasts,
        backtest=pd.DataFrame(bt_rows, columns=BACKTEST_COLUMNS),
        weights=pd.DataFrame(w_rows, columns=WEIGHT_COLUMNS),
        fit_seconds=fit_seconds,
        frequency=freq,
        methods=methods,
        choice=choice,
    )
