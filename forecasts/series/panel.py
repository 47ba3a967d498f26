"""The panel engine's arithmetic, vectorised over series: naive bases, the pooled trend and its backtest.

A panel is a matrix ``y`` (series × periods, NaN outside a series' span). Every function here takes the
columns known at an origin (``y[:, :t]``) and nothing later, so a backtest cannot see the future.

- **Base**: seasonal naive (monthly, quarterly) or naive (annual, or a series shorter than a season).
- **Pooled trend**: the growth of the panel's aggregate on a log scale over a look-back window
  (``ln(Σ level_now / Σ level_window_ago) / window`` over the series positive throughout, where a
  series' level is its last season's total), damped over the horizon (step k adds ``φ + φ² + … + φᵏ``
  periods of growth) and applied as a percentage to each series' base.
- **Own trend**: a series' own log growth enters only as a small share of the rate
  (``rate = pooled + share × (own − pooled)``).
- A series that touched zero or below (log growth undefined) keeps its base: no trend.
- **Combination**: ``base × (1 − w) + trend × w`` (and a prophet weight when prophet is a member),
  the same fixed weights for every series of the panel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np

YEARS = (1, 2, 3, 4, 5)  # look-back windows, in years
DAMPING = (0.5, 0.7, 0.8, 0.9, 1.0)  # φ per year (1.0: undamped)
OWN_SHARE = (0.0, 0.1, 0.25)  # share of a series' own trend in its rate: heavily damped
TREND_WEIGHTS = (0.25, 0.5, 0.75, 1.0)
PROPHET_WEIGHTS = (0.0, 0.25, 0.5)
MAX_ORIGINS = {1: 8, 4: 8, 12: 12}  # backtest origins by season length
MATERIAL = 0.0  # margin by which a configuration must beat naive's backtest error (measured: 1% cost more than it saved)
MIN_TRAIN = {1: 3, 4: 6, 12: 13}  # shortest training window at an origin


@dataclass(frozen=True)
class Config:
    """One way to forecast the panel: naive when ``trend_weight`` and ``prophet_weight`` are 0."""

    years: int = 0
    damping: float = 1.0
    own_share: float = 0.0
    trend_weight: float = 0.0
    prophet_weight: float = 0.0

    @property
    def is_naive(self) -> bool:
        return self.trend_weight == 0 and self.prophet_weight == 0

    def label(self, base: str) -> str:
        """``"naive + pooled trend (damping 0.5, window 4 years, weight 0.50)"`` or just the base."""
        parts = [base]
        if self.trend_weight > 0:
            own = f", own trend share {self.own_share:g}" if self.own_share else ""
            years = "year" if self.years == 1 else "years"
            parts.append(
                f"pooled trend (damping {self.damping:g}, window {self.years} {years}{own}, "
                f"weight {self.trend_weight:.2f})"
            )
        if self.prophet_weight > 0:
            parts.append(f"prophet (weight {self.prophet_weight:.2f})")
        return " + ".join(parts)


NAIVE = Config()


def configs(with_prophet: bool, with_trend: bool = True) -> list[Config]:
    """The grid searched by the panel backtest; naive first (ties go to the simplest)."""
    out = [NAIVE]
    pw = PROPHET_WEIGHTS if with_prophet else (0.0,)
    if with_trend:
        for yrs, phi, share, w, p in product(YEARS, DAMPING, OWN_SHARE, TREND_WEIGHTS, pw):
            if w + p <= 1.0 + 1e-9:
                out.append(Config(yrs, phi, share, w, p))
    out.extend(Config(prophet_weight=p) for p in pw if p > 0)
    return out


def last_values(y: np.ndarray) -> np.ndarray:
    """Each row's value in the last known column (NaN when the series has ended before it)."""
    return y[:, -1].astype(float)


def first_values(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first observed value and the number of periods from it to the last column."""
    ok = ~np.isnan(y)
    first = np.argmax(ok, axis=1)
    vals = y[np.arange(len(y)), first]
    return vals, (y.shape[1] - 1 - first).astype(float)


def naive_scale(y: np.ndarray, m: int) -> np.ndarray:
    """Per row: in-sample MAE of seasonal naive (naive when too short or that MAE is 0); 1 when flat."""
    with np.errstate(all="ignore"):
        one = _nanmean(np.abs(np.diff(y, axis=1)))
        if m > 1 and y.shape[1] > m:
            seas = _nanmean(np.abs(y[:, m:] - y[:, :-m]))
            scale = np.where(np.isfinite(seas) & (seas > 0), seas, one)
        else:
            scale = one
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


def _nanmean(x: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    n = ok.sum(axis=1)
    s = np.where(ok, x, 0.0).sum(axis=1)
    return np.divide(s, n, out=np.full(len(x), np.nan), where=n > 0)


def source_lags(y: np.ndarray, h: int, m: int) -> np.ndarray:
    """Per row and step k: how many periods before the target the base value lies (m·⌈k/m⌉ or k)."""
    k = np.arange(1, h + 1)
    seasonal = m * np.ceil(k / m).astype(int) if m > 1 else k
    has_season = (~np.isnan(y[:, -m:])).all(axis=1) if m > 1 and y.shape[1] >= m else np.zeros(len(y), bool)
    return np.where(has_season[:, None], seasonal[None, :], k[None, :])


def base_forecast(y: np.ndarray, h: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(base forecasts, lags): seasonal naive for rows with a full last season, else naive."""
    t = y.shape[1]
    lags = source_lags(y, h, m)
    cols = t - 1 + np.arange(1, h + 1)[None, :] - lags
    return np.take_along_axis(y, cols, axis=1), lags


def season_levels(y: np.ndarray, m: int) -> np.ndarray:
    """Each row's level at each column: the total of the last ``m`` periods (NaN without a full season)."""
    if m == 1:
        return y
    c = np.nancumsum(np.where(np.isnan(y), 0.0, y), axis=1)
    n = np.cumsum(~np.isnan(y), axis=1)
    tot = c.copy()
    cnt = n.astype(float)
    tot[:, m:] = c[:, m:] - c[:, :-m]
    cnt[:, m:] = n[:, m:] - n[:, :-m]
    tot[:, : m - 1] = np.nan
    return np.where(cnt == m, tot, np.nan)


def always_positive(y: np.ndarray) -> np.ndarray:
    """Rows whose every known value is above zero (log growth defined)."""
    return np.where(np.isnan(y), np.inf, y).min(axis=1) > 0


def growth_rates(
    levels: np.ndarray, positive: np.ndarray, window: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """(pooled rate, own rates, rows that have both ends) per period over ``window`` periods.

    Pooled: ``ln(Σ level[-1] / Σ level[-1-window]) / window`` over positive rows with both ends;
    a row without them takes the pooled rate as its own. A window longer than the history is cut to
    the history (from the first column with any level). 0 when no row qualifies.
    """
    filled = np.flatnonzero(np.isfinite(levels).any(axis=0))
    window = min(window, levels.shape[1] - 1 - int(filled[0])) if len(filled) else 0
    if window < 1:
        return 0.0, np.zeros(len(levels)), np.zeros(len(levels), bool)
    now, then = levels[:, -1], levels[:, -1 - window]
    ok = positive & np.isfinite(now) & np.isfinite(then) & (now > 0) & (then > 0)
    if not ok.any():
        return 0.0, np.zeros(len(levels)), ok
    pooled = math.log(now[ok].sum() / then[ok].sum()) / window
    own = np.full(len(levels), pooled)
    own[ok] = np.log(now[ok] / then[ok]) / window
    return pooled, own, ok


def damped_steps(h: int, phi: float) -> np.ndarray:
    """Periods of growth at steps 1..h: φ + φ² + … + φᵏ (k when φ = 1)."""
    return np.cumsum(phi ** np.arange(1, h + 1))


def period_damping(phi_per_year: float, m: int) -> float:
    """φ per period for a yearly φ (monthly: the 12th root)."""
    return phi_per_year ** (1.0 / max(1, m))


@dataclass
class OriginInputs:
    """What every configuration shares at one origin: bases, lags, levels, positivity, scale."""

    base: np.ndarray  # (n, h)
    lags: np.ndarray  # (n, h)
    levels: np.ndarray  # (n, t)
    positive: np.ndarray  # (n,)
    scale: np.ndarray  # (n,)


def origin_inputs(y: np.ndarray, h: int, m: int) -> OriginInputs:
    """The shared pieces of every forecast made from the columns ``y`` (all known at the origin)."""
    base, lags = base_forecast(y, h, m)
    return OriginInputs(base, lags, season_levels(y, m), always_positive(y), naive_scale(y, m))


def trend_factor(inp: OriginInputs, cfg: Config, m: int) -> np.ndarray:
    """Per row and step: exp(rate × (periods from the base value to the origin + damped steps))."""
    h = inp.base.shape[1]
    pooled, own, _ = growth_rates(inp.levels, inp.positive, cfg.years * m)
    rate = pooled + cfg.own_share * (own - pooled)
    steps = damped_steps(h, period_damping(cfg.damping, m))
    past = inp.lags - np.arange(1, h + 1)[None, :]
    factor = np.exp(rate[:, None] * (past + steps[None, :]))
    return np.where(inp.positive[:, None], factor, 1.0)


def combination(inp: OriginInputs, cfg: Config, m: int, prophet: np.ndarray | None) -> np.ndarray:
    """The panel's combined forecast at one origin for one configuration."""
    out = inp.base.copy()
    if cfg.trend_weight > 0:
        out = out * (1.0 + cfg.trend_weight * (trend_factor(inp, cfg, m) - 1.0))
    if cfg.prophet_weight > 0 and prophet is not None:
        out = out + cfg.prophet_weight * (np.where(np.isnan(prophet), inp.base, prophet) - inp.base)
    return out


def drift_forecast(y: np.ndarray, h: int) -> np.ndarray:
    """Straight line through each row's first and last values, extended (the benchmark)."""
    last = last_values(y)
    first, span = first_values(y)
    slope = np.divide(last - first, span, out=np.zeros(len(y)), where=span > 0)
    return last[:, None] + slope[:, None] * np.arange(1, h + 1)[None, :]


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
    y: np.ndarray, h: int, m: int, grid: list[Config], prophet_bt: np.ndarray | None
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
        factors: dict[tuple[int, float, float], np.ndarray] = {}
        for c, cfg in enumerate(grid):
            fc = inp.base
            if cfg.trend_weight > 0:
                key = (cfg.years, cfg.damping, cfg.own_share)
                if key not in factors:
                    factors[key] = trend_factor(inp, cfg, m)
                fc = inp.base * (1.0 + cfg.trend_weight * (factors[key] - 1.0))
            if cfg.prophet_weight > 0 and prophet is not None:
                fc = fc + cfg.prophet_weight * (np.where(np.isnan(prophet), inp.base, prophet) - inp.base)
            err = np.abs(fc - actual) / inp.scale[:, None]
            loss[c, j] = np.where(ok, err, 0.0).sum(axis=0)
    return Selection(grid, origins, loss, count)


def _actuals(y: np.ndarray, o: int, h: int) -> np.ndarray:
    out = np.full((len(y), h), np.nan)
    seg = y[:, o : o + h]
    out[:, : seg.shape[1]] = seg
    return out


def chosen_config(sel: Selection, decided_at: int, min_wins: int = 2) -> Config:
    """The configuration the panel uses when deciding with the columns before ``decided_at`` known.

    Only cells whose actual was known then count (origin + step ≤ decided_at). The best mean scaled
    error wins, but only if it beats naive overall (by ``MATERIAL``) and on at least ``min_wins`` origins and on more
    than half of the origins scored; otherwise naive.
    """
    known = (sel.origins[:, None] + np.arange(1, sel.loss.shape[2] + 1)[None, :]) <= decided_at
    cnt = np.where(known, sel.count, 0.0)
    if cnt.sum() == 0:
        return NAIVE
    loss = np.where(known[None], sel.loss, 0.0)
    mean = loss.sum(axis=(1, 2)) / cnt.sum()
    # ties (within rounding) go to the earliest, simplest configuration
    best = int(np.flatnonzero(mean <= mean.min() + 1e-9 * (1.0 + mean.min()))[0])
    if best == 0 or not mean[best] < (1.0 - MATERIAL) * mean[0]:
        return NAIVE
    per_origin_cnt = cnt.sum(axis=1)
    scored = per_origin_cnt > 0
    by_origin = loss.sum(axis=2)[:, scored]
    wins = int((by_origin[best] < by_origin[0]).sum())
    if wins >= min_wins and wins * 2 > int(scored.sum()):
        return sel.configs[best]
    return NAIVE
