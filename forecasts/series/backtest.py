"""The panel backtest's record: every member's forecasts at every origin, their scores and the ranges' reach.

``member_backtests`` replays each member (and the combination the panel would have chosen at each origin)
from the columns known there; ``member_scores`` gives each series' MASE, sMAPE and sequential coverage per
member; ``range_reach`` the pooled conformal widths of the final ranges, from the combination's errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasts.series import panel as P
from forecasts.series import selection as S
from forecasts.series.intervals import LEVELS, calibrated_level, insample_quantiles, pooled_bounds
from forecasts.series.regression import regression_forecast


@dataclass
class MemberBacktest:
    """Every member's forecasts at every origin (series × origins × steps) with actuals and scales."""

    origins: np.ndarray
    actual: np.ndarray
    scale: np.ndarray  # series × origins
    forecasts: dict[str, np.ndarray]


def regression_backtest(y: np.ndarray, h: int, m: int, origins: np.ndarray) -> np.ndarray:
    """The panel regression's forecasts at every backtest origin (series × origins × steps), each fitted
    on the columns before that origin only."""
    out = np.full((len(y), len(origins), h), np.nan)
    for j, o in enumerate(origins):
        out[:, j] = regression_forecast(y[:, : int(o)], h, m)
    return out


def member_backtests(
    y: np.ndarray,
    h: int,
    m: int,
    origins: np.ndarray,
    names: tuple[str, ...],
    base_name: str,
    by_origin: list[tuple[P.Config, ...]],
    trend_cfg: P.Config,
    prophet_bt: np.ndarray | None,
    regression_bt: np.ndarray | None,
) -> MemberBacktest:
    """Each member's and the per-origin choice's forecasts at every origin, from the columns known there."""
    n, n_o = len(y), len(origins)
    actual = np.full((n, n_o, h), np.nan)
    scale = np.ones((n, n_o))
    fcs: dict[str, np.ndarray] = {}
    members = [base_name] + [x for x in ("drift", "trend", "regression", "prophet") if x in names]
    if "naive" in names and base_name != "naive":
        members.insert(1, "naive")
    for name in [*members, "ensemble"]:
        fcs[name] = np.full((n, n_o, h), np.nan)
    for j, o in enumerate(origins):
        known = y[:, :o]
        inp = P.origin_inputs(known, h, m)
        actual[:, j] = S._actuals(y, int(o), h)
        scale[:, j] = inp.scale
        prophet = prophet_bt[:, j] if prophet_bt is not None else None
        regression = regression_bt[:, j] if regression_bt is not None else None
        fcs[base_name][:, j] = inp.base
        if "naive" in fcs and base_name != "naive":
            fcs["naive"][:, j] = np.repeat(P.last_values(known)[:, None], h, axis=1)
        if "drift" in fcs:
            fcs["drift"][:, j] = P.drift_forecast(known, h)
        if "trend" in fcs:
            fcs["trend"][:, j] = P.combination(inp, trend_cfg, m, None)
        if "regression" in fcs and regression is not None:
            fcs["regression"][:, j] = regression
        if "prophet" in fcs and prophet is not None:
            fcs["prophet"][:, j] = prophet
        fcs["ensemble"][:, j] = P.blend(inp, by_origin[j], m, prophet, regression)
        live = ~np.isnan(inp.base)
        for f in fcs.values():
            f[np.flatnonzero(~live), j, :] = np.nan
    return MemberBacktest(origins, actual, scale, fcs)


def range_reach(
    bt: MemberBacktest | None, y: np.ndarray, scale: np.ndarray, h: int, m: int = 1
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Pooled (below, above) reach of the ranges per step, in units of each series' naive scale."""
    out = {}
    for lvl in LEVELS:
        below = above = np.full(h, np.nan)
        if bt is not None:
            err = (bt.actual - bt.forecasts["ensemble"]) / bt.scale[:, :, None]
            drawn = calibrated_level(err, bt.origins, lvl)
            below, above = pooled_bounds(err, bt.origins, y.shape[1], drawn)
        if np.isnan(below).any() or np.isnan(above).any():
            fallback = insample_quantiles(y, scale, lvl, h, m)
            below = np.maximum.accumulate(np.where(np.isnan(below), fallback, below))
            above = np.maximum.accumulate(np.where(np.isnan(above), fallback, above))
        out[lvl] = (below, above)
    return out


def member_scores(bt: MemberBacktest, y: np.ndarray) -> list[list[tuple[str, float, float, float, float]]]:
    """Per series, per member: MASE, sMAPE and the pooled intervals' sequential coverage (80%, 95%)."""
    n = len(y)
    out: list[list[tuple[str, float, float, float, float]]] = [[] for _ in range(n)]
    for name, fc in bt.forecasts.items():
        err = np.abs(fc - bt.actual)
        signed = (bt.actual - fc) / bt.scale[:, :, None]
        scaled = err / bt.scale[:, :, None]
        ok = np.isfinite(scaled)
        cnt = ok.sum(axis=(1, 2))
        mase = np.divide(np.where(ok, scaled, 0).sum(axis=(1, 2)), cnt, out=np.full(n, np.nan), where=cnt > 0)
        denom = np.abs(fc) + np.abs(bt.actual)
        sm = np.divide(2 * err, denom, out=np.zeros_like(err), where=denom > 0)
        smape = 100 * np.divide(
            np.where(ok, sm, 0).sum(axis=(1, 2)), cnt, out=np.full(n, np.nan), where=cnt > 0
        )
        covs = [sequential_coverage(signed, bt.origins, lvl) for lvl in LEVELS]
        for i in range(n):
            out[i].append((name, float(mase[i]), float(smape[i]), float(covs[0][i]), float(covs[1][i])))
    return out


def sequential_coverage(signed: np.ndarray, origins: np.ndarray, level: int) -> np.ndarray:
    """Per series: share of cells inside the pooled range built from errors known at their origin."""
    hits = np.zeros(len(signed))
    total = np.zeros(len(signed))
    for j, o in enumerate(origins):
        below, above = pooled_bounds(signed, origins, int(o), level)
        cell = signed[:, j, :]
        ok = np.isfinite(cell) & np.isfinite(below)[None, :] & np.isfinite(above)[None, :]
        lo, hi = np.where(ok, -below[None, :], 0), np.where(ok, above[None, :], 0)
        hits += (ok & (cell >= lo) & (cell <= hi)).sum(axis=1)
        total += ok.sum(axis=1)
    return np.divide(hits, total, out=np.full(len(signed), np.nan), where=total > 0)
