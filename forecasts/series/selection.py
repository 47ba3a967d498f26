"""The panel backtest: origins, every configuration's error at each, and the choice made from them.

Each origin's forecasts use only the columns known there (``panel``); the chooser keeps naive unless a
configuration (or the mean of the best few) beats it overall and on most origins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasts.series.panel import (
    MATERIAL,
    MAX_ORIGINS,
    MIN_TRAIN,
    NAIVE,
    Config,
    Growth,
    OriginInputs,
    blend,
    growth_factor,
    origin_inputs,
    smoothed_level,
)


def backtest_origins(t: int, m: int, h: int) -> np.ndarray:
    """Origins (training lengths) over the last periods, each with at least one actual to score."""
    first = max(MIN_TRAIN.get(m, 3), t - MAX_ORIGINS.get(m, 8))
    return np.arange(first, t) if first < t else np.arange(0)


@dataclass
class Selection:
    """The grid's scores: per configuration, origin and step, the summed scaled errors and cell counts."""

    configs: list[Config]
    origins: np.ndarray
    loss: np.ndarray  # (configs, origins, h)
    count: np.ndarray  # (origins, h)


def selection_scores(
    y: np.ndarray,
    h: int,
    m: int,
    grid: list[Config],
    prophet_bt: np.ndarray | None,
    regression_bt: np.ndarray | None = None,
) -> Selection:
    """Every configuration forecast from every backtest origin, scored by scaled absolute error."""
    origins = backtest_origins(y.shape[1], m, h)
    loss = np.zeros((len(grid), len(origins), h))
    count = np.zeros((len(origins), h))
    for j, o in enumerate(origins):
        inp = origin_inputs(y[:, :o], h, m)
        actual = _actuals(y, o, h)
        ok = ~np.isnan(actual) & ~np.isnan(inp.base)
        count[j] = ok.sum(axis=0)
        prophet = prophet_bt[:, j, :] if prophet_bt is not None else None
        regression = regression_bt[:, j, :] if regression_bt is not None else None
        growth: dict[int, Growth] = {}
        rates: dict[tuple[int, str, float], np.ndarray] = {}
        levels: dict[tuple[float, int, str, float], np.ndarray] = {}
        factors: dict[tuple[int, str, float, float], np.ndarray] = {}
        for c, cfg in enumerate(grid):
            key = (cfg.years, cfg.own, cfg.trend_weight)
            if cfg.trend_weight > 0:
                if cfg.years not in growth:
                    growth[cfg.years] = inp.growth(cfg.years)
                if key not in rates:
                    rates[key] = cfg.trend_weight * growth[cfg.years].rate(cfg.own)
                rate: np.ndarray | None = rates[key]
            else:
                key, rate = (0, "none", 0.0), None
            lkey = (cfg.alpha, *key)
            if lkey not in levels:
                levels[lkey] = smoothed_level(inp, cfg.alpha, rate)
            fc = levels[lkey]
            if rate is not None:
                fkey = (*key, cfg.damping)
                if fkey not in factors:
                    factors[fkey] = growth_factor(inp, rate, cfg.damping, m)
                fc = fc * factors[fkey]
            if cfg.regression_weight > 0 and regression is not None:
                fc = fc + cfg.regression_weight * (np.where(np.isnan(regression), inp.base, regression) - fc)
            if cfg.prophet_weight > 0 and prophet is not None:
                fc = fc + cfg.prophet_weight * (np.where(np.isnan(prophet), inp.base, prophet) - fc)
            err = np.abs(fc - actual) / inp.scale[:, None]
            loss[c, j] = np.where(ok, err, 0.0).sum(axis=0)
    return Selection(grid, origins, loss, count)


def _actuals(y: np.ndarray, o: int, h: int) -> np.ndarray:
    out = np.full((len(y), h), np.nan)
    seg = y[:, o : o + h]
    out[:, : seg.shape[1]] = seg
    return out


TIE = 1e-3  # scores closer than this share of naive's backtest error are ties (rounding, not skill)


def chosen_config(sel: Selection, decided_at: int, min_wins: int = 2) -> Config:
    """The configuration the panel uses when deciding with the columns before ``decided_at`` known.

    Only cells whose actual was known then count (origin + step ≤ decided_at). The best mean scaled
    error wins (ties, within ``TIE`` of naive's error, go to the earliest, simplest configuration), but
    only if it beats naive overall (by ``MATERIAL``) and on at least ``min_wins`` origins and on more
    than half of the origins scored; otherwise naive.
    """
    known = (sel.origins[:, None] + np.arange(1, sel.loss.shape[2] + 1)[None, :]) <= decided_at
    cnt = np.where(known, sel.count, 0.0)
    if cnt.sum() == 0:
        return NAIVE
    loss = np.where(known[None], sel.loss, 0.0)
    mean = loss.sum(axis=(1, 2)) / cnt.sum()
    best = int(np.flatnonzero(mean <= mean.min() + TIE * mean[0] + 1e-12)[0])
    if best == 0 or not mean[best] < (1.0 - MATERIAL) * mean[0]:
        return NAIVE
    per_origin_cnt = cnt.sum(axis=1)
    scored = per_origin_cnt > 0
    by_origin = loss.sum(axis=2)[:, scored]
    wins = int((by_origin[best] < by_origin[0]).sum())
    if wins >= min_wins and wins * 2 > int(scored.sum()):
        return sel.configs[best]
    return NAIVE


TOP = 5  # the panel averages up to this many of its best configurations ...
NEAR = 0.05  # ... each within 5% of the best's backtest error (a perfect fit keeps only perfect fits)


def candidate_configs(sel: Selection, decided_at: int) -> tuple[Config, ...]:
    """The best configurations by mean scaled error over the cells known at ``decided_at``.

    The best (ties within ``TIE`` of naive's error go to the earliest, simplest) and the next best, up
    to ``TOP`` in all and within ``NEAR`` of the best's error, skipping any that tie with one already
    taken (the same forecasts, near enough). Just naive when it is the best or nothing is scored.
    """
    mean = _mean_loss(sel, decided_at)
    if not np.isfinite(mean).all():
        return (NAIVE,)
    tie = TIE * mean[0] + 1e-12
    first = int(np.flatnonzero(mean <= mean.min() + tie)[0])
    if first == 0:
        return (NAIVE,)
    out = [sel.configs[first]]
    taken = [float(mean[first])]
    for i in np.argsort(mean, kind="stable"):
        if mean[i] > taken[0] * (1.0 + NEAR) + tie or len(out) == TOP:
            break
        if i == 0 or any(abs(mean[i] - s) <= tie for s in taken):
            continue
        out.append(sel.configs[int(i)])
        taken.append(float(mean[i]))
    return tuple(out)


def beats_naive(losses: np.ndarray, naive: np.ndarray, min_wins: int = 2) -> bool:
    """Whether per-origin summed errors beat naive's overall (by ``MATERIAL``), on at least ``min_wins``
    origins and on more than half of the origins scored (both arrays over the scored origins)."""
    if not len(losses) or not losses.sum() < (1.0 - MATERIAL) * naive.sum():
        return False
    wins = int((losses < naive).sum())
    return wins >= min_wins and wins * 2 > len(losses)


REGRESSION = Config(regression_weight=1.0)  # the panel regression alone


class PanelChooser:
    """Chooses the panel's configurations at any decision point from one backtest.

    Two contenders, each kept only if it beats naive (overall and on most origins) on the cells known
    then: the grid's candidates' equal-weight mean, and the panel regression alone. When both pass, the
    one with the smaller error *out of sample* wins: the regression is one fixed model, while the grid's
    mean is re-chosen from ~400 configurations, so its in-sample error is flattered by the choice; it
    is scored at each origin by what the grid would have chosen there (from the cells known at that
    origin), as the regression is. Otherwise naive.
    """

    def __init__(
        self,
        y: np.ndarray,
        h: int,
        m: int,
        sel: Selection,
        prophet_bt: np.ndarray | None,
        regression_bt: np.ndarray | None = None,
    ):
        self.y, self.h, self.m, self.sel, self.prophet_bt = y, h, m, sel, prophet_bt
        self.regression_bt = regression_bt
        self._inputs: dict[int, tuple[OriginInputs, np.ndarray]] = {}
        self._loss: dict[tuple[tuple[Config, ...], int], np.ndarray] = {}
        self._grid: dict[tuple[int, int], tuple[Config, ...]] = {}

    def choose(self, decided_at: int, min_wins: int = 2) -> tuple[Config, ...]:
        grid = self.grid_choice(decided_at, min_wins)
        if REGRESSION not in self.sel.configs or not self._beats_naive((REGRESSION,), decided_at, min_wins):
            return grid
        if grid == (NAIVE,):
            return (REGRESSION,)
        known = self._known(decided_at)
        rows = self._scored_rows(known)
        regression = sum(float((self._origin_loss((REGRESSION,), int(j)) * known[j]).sum()) for j in rows)
        nested = 0.0
        for j in rows:
            chosen = self.grid_choice(int(self.sel.origins[j]), min_wins)
            nested += float((self._origin_loss(chosen, int(j)) * known[j]).sum())
        return grid if nested < regression else (REGRESSION,)

    def grid_choice(self, decided_at: int, min_wins: int = 2) -> tuple[Config, ...]:
        """The grid's candidates' mean if it beats naive on the cells known at ``decided_at``, else naive."""
        key = (decided_at, min_wins)
        if key not in self._grid:
            cands = candidate_configs(self.sel, decided_at)
            ok = cands != (NAIVE,) and self._beats_naive(cands, decided_at, min_wins)
            self._grid[key] = cands if ok else (NAIVE,)
        return self._grid[key]

    def _known(self, decided_at: int) -> np.ndarray:
        return (self.sel.origins[:, None] + np.arange(1, self.h + 1)[None, :]) <= decided_at

    def _scored_rows(self, known: np.ndarray) -> np.ndarray:
        return np.flatnonzero(known.any(axis=1) & (self.sel.count.sum(axis=1) > 0))

    def _beats_naive(self, cfgs: tuple[Config, ...], decided_at: int, min_wins: int) -> bool:
        """Whether the configurations' mean beats naive on the cells known at ``decided_at``."""
        known = self._known(decided_at)
        rows = self._scored_rows(known)
        mine = np.array([(self._origin_loss(cfgs, int(j)) * known[j]).sum() for j in rows])
        naive = (self.sel.loss[0][rows] * known[rows]).sum(axis=1)
        return beats_naive(mine, naive, min_wins)

    def _origin_loss(self, cfgs: tuple[Config, ...], j: int) -> np.ndarray:
        """Summed scaled errors per step of the configurations' mean at origin ``j``."""
        key = (cfgs, j)
        if key not in self._loss:
            if len(cfgs) == 1:
                self._loss[key] = self.sel.loss[self.sel.configs.index(cfgs[0]), j]
            else:
                inp, actual = self._origin(j)
                prophet = self.prophet_bt[:, j, :] if self.prophet_bt is not None else None
                regression = self.regression_bt[:, j, :] if self.regression_bt is not None else None
                fc = blend(inp, cfgs, self.m, prophet, regression)
                ok = ~np.isnan(actual) & ~np.isnan(inp.base)
                err = np.abs(fc - actual) / inp.scale[:, None]
                self._loss[key] = np.where(ok, err, 0.0).sum(axis=0)
        return self._loss[key]

    def _origin(self, j: int) -> tuple[OriginInputs, np.ndarray]:
        if j not in self._inputs:
            o = int(self.sel.origins[j])
            self._inputs[j] = (origin_inputs(self.y[:, :o], self.h, self.m), _actuals(self.y, o, self.h))
        return self._inputs[j]


def _mean_loss(sel: Selection, decided_at: int) -> np.ndarray:
    """Each configuration's mean scaled error over the cells known at ``decided_at``."""
    known = (sel.origins[:, None] + np.arange(1, sel.loss.shape[2] + 1)[None, :]) <= decided_at
    cnt = np.where(known, sel.count, 0.0)
    loss = np.where(known[None], sel.loss, 0.0)
    if cnt.sum() == 0:
        return np.full(len(sel.configs), np.nan)
    return loss.sum(axis=(1, 2)) / float(cnt.sum())
