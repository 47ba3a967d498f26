"""The panel engine's arithmetic, vectorised over series: levels, the pooled trend, the combination.

A panel is a matrix ``y`` (series × periods, NaN outside a series' span). Every function here takes the
columns known at an origin (``y[:, :t]``) and nothing later, so a backtest cannot see the future.

- **Base**: seasonal naive (monthly, quarterly) or naive (annual, or a series shorter than a season).
- **Level**: the base value may be smoothed: an exponentially weighted mean (weight ``alpha`` on the
  latest, ``alpha(1 − alpha)ʲ`` on the value ``j`` seasons before, each brought forward by the series'
  growth rate), so a noisy last count is not carried forward whole. ``alpha = 1`` is the base itself.
- **Pooled trend**: the median over the panel of each series' log growth over a look-back window
  (``ln(level_now / level_window_ago) / window`` over the series positive throughout, where a series'
  level is its last season's total), so the big series do not decide the panel's growth alone.
- **Own trend**: a series' own growth enters as ``rate = pooled + B × (own − pooled)`` with ``B`` 0
  (pooled only), 1 (its own: drift-like) or the empirical-Bayes shrinkage ``τ² / (τ² + σᵢ²)``: ``σᵢ²`` the
  noise in the series' growth estimate (the variance of its year-on-year log growth over the window's
  years), ``τ²`` the spread of true growth across the panel (the robust variance of the series' growth
  less the mean noise). A noisy series is pulled to the pool, a steady one keeps its own.
- The rate is damped over the horizon (step k adds ``φ + φ² + … + φᵏ`` periods of growth), multiplied
  by ``trend_weight`` and applied as a percentage to each series' level.
- A series that touched zero or below (log growth undefined) has no trend (its level may still be
  smoothed).
- **Combination**: the same fixed configuration for every series of the panel (plus a prophet weight
  when prophet is a member), chosen by the panel backtest, naive unless it beats naive on most origins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

YEARS = (1, 2, 3, 5)  # look-back windows, in years
DAMPING = (0.5, 0.8, 0.9, 1.0)  # φ per year (1.0: undamped)
OWN = ("none", "shrunk", "full")  # how much of a series' own growth enters its rate
OWN_DAMPING = 0.5  # a series' own growth enters only this heavily damped (its 9-12 points mislead undamped)
TREND_WEIGHTS = (0.5, 1.0)
ALPHAS = (1.0, 0.7, 0.5, 0.3)  # level smoothing: 1 is the last value (naive)
PROPHET_WEIGHTS = (0.0, 0.25, 0.5)
REGRESSION_WEIGHTS = (0.5, 1.0)  # the panel regression's share (``regression``), over the naive base
MAX_ORIGINS = {1: 8, 4: 8, 12: 12}  # backtest origins by season length
MATERIAL = 0.0  # margin by which a configuration must beat naive's backtest error (measured: 1% cost more than it saved)
MIN_TRAIN = {1: 3, 4: 6, 12: 13}  # shortest training window at an origin
LEVEL_SEASONS = 8  # seasons of history the smoothed level reaches back over (weights renormalised)


@dataclass(frozen=True)
class Config:
    """One way to forecast the panel: naive when ``alpha`` is 1 and ``trend_weight``, ``prophet_weight`` 0.

    ``alpha`` smooths the level (1: the last value, as naive); ``own`` is how much of a series' own growth
    enters its rate: ``"none"`` (the pooled growth only), ``"shrunk"`` (empirical Bayes: by how noisy the
    series' growth is against the spread of growth across the panel) or ``"full"`` (its own, drift-like);
    ``trend_weight`` is the share of that rate applied.
    """

    years: int = 0
    damping: float = 1.0
    own: str = "none"
    trend_weight: float = 0.0
    prophet_weight: float = 0.0
    alpha: float = 1.0
    regression_weight: float = 0.0

    @property
    def is_naive(self) -> bool:
        return (
            self.trend_weight == 0
            and self.prophet_weight == 0
            and self.alpha == 1.0
            and self.regression_weight == 0
        )

    def label(self, base: str) -> str:
        """``"naive + pooled trend (damping 0.5, window 4 years, weight 0.50)"``, or just the base.

        A smoothed level reads ``"smoothed level (alpha 0.5) + …"`` in place of the base.
        """
        if self.regression_weight == 1.0 and self.trend_weight == 0 and self.prophet_weight == 0:
            return REGRESSION_LABEL  # the regression alone (its base is the naive one)
        parts = [base if self.alpha == 1.0 else f"smoothed level (alpha {self.alpha:g})"]
        if self.trend_weight > 0:
            own = {"none": "", "shrunk": ", own trend shrunk to the pool", "full": ", own trend"}[self.own]
            years = "year" if self.years == 1 else "years"
            parts.append(
                f"pooled trend (damping {self.damping:g}, window {self.years} {years}{own}, "
                f"weight {self.trend_weight:.2f})"
            )
        if self.regression_weight > 0:
            parts.append(f"{REGRESSION_LABEL} (weight {self.regression_weight:.2f})")
        if self.prophet_weight > 0:
            parts.append(f"prophet (weight {self.prophet_weight:.2f})")
        return " + ".join(parts)


REGRESSION_LABEL = "panel regression (log change on 1- and 3-year growth and distance from the 3-year mean)"


NAIVE = Config()


def configs(with_prophet: bool, with_trend: bool = True, with_regression: bool = False) -> list[Config]:
    """The grid searched by the panel backtest; naive first (ties go to the simplest)."""
    out = [NAIVE]
    if with_regression:
        out.extend(Config(regression_weight=w) for w in REGRESSION_WEIGHTS)
    pw = PROPHET_WEIGHTS if with_prophet else (0.0,)
    for alpha in ALPHAS:
        if alpha < 1.0:
            out.append(Config(alpha=alpha))
        if with_trend:
            for yrs, phi, own, w, p in product(YEARS, DAMPING, OWN, TREND_WEIGHTS, pw):
                if own == "none" or phi <= OWN_DAMPING:
                    out.append(Config(yrs, phi, own, w, p, alpha))
        out.extend(Config(prophet_weight=p, alpha=alpha) for p in pw if p > 0)
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


@dataclass
class Growth:
    """The panel's growth over one window: per period, on a log scale."""

    pooled: float  # median over the rows with both ends
    own: np.ndarray  # each row's own rate (the pooled rate where it has none)
    ok: np.ndarray  # rows positive throughout with both ends
    shrink: np.ndarray  # empirical-Bayes weight of each row's own rate (0 where it has none)

    def rate(self, own: str) -> np.ndarray:
        """Each row's rate: the pooled one, its own, or its own shrunk toward the pool."""
        if own == "none":
            return np.full(len(self.own), self.pooled)
        b = 1.0 if own == "full" else self.shrink
        return self.pooled + b * (self.own - self.pooled)


def growth_rates(levels: np.ndarray, positive: np.ndarray, window: int, m: int = 1) -> Growth:
    """The pooled and own log growth per period over ``window`` periods, with each row's shrinkage.

    Pooled: the median of ``ln(level[-1] / level[-1-window]) / window`` over positive rows with both
    ends. Shrinkage ``τ² / (τ² + σᵢ²)``: ``σᵢ²`` the variance of row i's year-on-year log growth over
    its whole history divided by the window's years (the noise in its rate), ``τ²`` the robust variance
    (scaled MAD²) of the rows' rates less their mean noise, floored at 0. A window longer than the
    history is cut to the history. Pooled 0 when no row qualifies.
    """
    n = len(levels)
    filled = np.flatnonzero(np.isfinite(levels).any(axis=0))
    window = min(window, levels.shape[1] - 1 - int(filled[0])) if len(filled) else 0
    none = Growth(0.0, np.zeros(n), np.zeros(n, bool), np.zeros(n))
    if window < 1:
        return none
    now, then = levels[:, -1], levels[:, -1 - window]
    ok = positive & np.isfinite(now) & np.isfinite(then) & (now > 0) & (then > 0)
    if not ok.any():
        return Growth(0.0, np.zeros(n), ok, np.zeros(n))
    with np.errstate(all="ignore"):
        g = np.log(now / then) / window
    pooled = float(np.median(g[ok]))
    own = np.where(ok, g, pooled)
    with np.errstate(all="ignore"):
        logs = np.log(np.where(positive[:, None] & (levels > 0), levels, np.nan))
        yoy = logs[:, m:] - logs[:, :-m] if levels.shape[1] > m else np.full((n, 1), np.nan)
        cnt = np.isfinite(yoy).sum(axis=1)
        mean = _nanmean(yoy)
        var = np.where(np.isfinite(yoy), (yoy - mean[:, None]) ** 2, 0.0).sum(axis=1)
        var = np.divide(var, cnt - 1, out=np.full(n, np.nan), where=cnt > 1)
        noise = var / (window / m) / m**2
    good = ok & np.isfinite(noise)
    shrink = np.zeros(n)
    if good.sum() >= 3:
        mad = float(np.median(np.abs(g[good] - np.median(g[good])))) * 1.4826
        tau2 = max(0.0, mad**2 - float(np.mean(noise[good])))
        denom = tau2 + noise
        shrink = np.divide(tau2, denom, out=np.zeros(n), where=good & (denom > 0))
    return Growth(pooled, own, ok, shrink)


def damped_steps(h: int, phi: float) -> np.ndarray:
    """Periods of growth at steps 1..h: φ + φ² + … + φᵏ (k when φ = 1)."""
    return np.cumsum(phi ** np.arange(1, h + 1))


def period_damping(phi_per_year: float, m: int) -> float:
    """φ per period for a yearly φ (monthly: the 12th root)."""
    return phi_per_year ** (1.0 / max(1, m))


@dataclass
class OriginInputs:
    """What every configuration shares at one origin: history, bases, lags, levels, positivity, scale."""

    y: np.ndarray  # (n, t): the columns known at the origin
    base: np.ndarray  # (n, h)
    lags: np.ndarray  # (n, h)
    levels: np.ndarray  # (n, t)
    positive: np.ndarray  # (n,)
    scale: np.ndarray  # (n,)
    m: int = 1
    _growth: dict[int, Growth] = field(default_factory=dict, repr=False)
    _seasons: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def growth(self, years: int) -> Growth:
        """The panel's growth over ``years`` (computed once per origin)."""
        if years not in self._growth:
            self._growth[years] = growth_rates(self.levels, self.positive, years * self.m, self.m)
        return self._growth[years]

    def seasons(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(values, known, stride): the base value's period in each of up to ``LEVEL_SEASONS`` seasons back
        (seasons × n × h, 0 where unknown), whether it is known, and each row's season length (1 for a
        row without a full season)."""
        if self._seasons is None:
            t = self.y.shape[1]
            h = self.base.shape[1]
            stride = np.where(self.lags[:, :1] >= self.m, self.m, 1)
            src = t - 1 + np.arange(1, h + 1)[None, :] - self.lags
            back = np.arange(LEVEL_SEASONS)[:, None, None] * stride[None, :, :]
            cols = src[None, :, :] - back
            valid = cols >= 0
            rows = np.arange(len(self.y))[None, :, None]
            v = self.y[rows, np.where(valid, cols, 0)]
            known = valid & np.isfinite(v)
            self._seasons = (np.where(known, v, 0.0), known, stride[:, 0].astype(float))
        return self._seasons


def origin_inputs(y: np.ndarray, h: int, m: int) -> OriginInputs:
    """The shared pieces of every forecast made from the columns ``y`` (all known at the origin)."""
    base, lags = base_forecast(y, h, m)
    return OriginInputs(y, base, lags, season_levels(y, m), always_positive(y), naive_scale(y, m), m)


def smoothed_level(inp: OriginInputs, alpha: float, rate: np.ndarray | None) -> np.ndarray:
    """Per row and step: the base value as an exponentially weighted mean of it and the same period in
    earlier seasons (weights ``alpha(1 − alpha)ʲ``, renormalised over the values known), each earlier
    value grown to the base's period at ``rate`` (per period; none where the row is not positive)."""
    if alpha >= 1.0:
        return inp.base
    values, known, stride = inp.seasons()
    j = np.arange(LEVEL_SEASONS, dtype=float)
    w = alpha * (1.0 - alpha) ** j
    if rate is None:
        total = np.einsum("j,jnh->nh", w, values)
    else:
        r = np.where(inp.positive, rate, 0.0)
        grow = np.exp(r[:, None] * j[None, :] * stride[:, None])  # (n, seasons)
        total = np.einsum("j,nj,jnh->nh", w, grow, values)
    weight = np.einsum("j,jnh->nh", w, known.astype(float))
    return np.divide(total, weight, out=inp.base.copy(), where=weight > 0)


def trend_factor(inp: OriginInputs, cfg: Config, m: int, growth: Growth | None = None) -> np.ndarray:
    """Per row and step: exp(weight × rate × (periods from the base value to the origin + damped steps))."""
    rate = cfg.trend_weight * (growth or inp.growth(cfg.years)).rate(cfg.own)
    return growth_factor(inp, rate, cfg.damping, m)


def growth_factor(inp: OriginInputs, rate: np.ndarray, damping: float, m: int) -> np.ndarray:
    h = inp.base.shape[1]
    steps = damped_steps(h, period_damping(damping, m))
    past = inp.lags - np.arange(1, h + 1)[None, :]
    factor = np.exp(rate[:, None] * (past + steps[None, :]))
    return np.where(inp.positive[:, None], factor, 1.0)


def combination(
    inp: OriginInputs, cfg: Config, m: int, prophet: np.ndarray | None, regression: np.ndarray | None = None
) -> np.ndarray:
    """The panel's combined forecast at one origin for one configuration (``prophet`` and ``regression``
    the members' forecasts there, series × steps, where they were made)."""
    out = inp.base
    if cfg.trend_weight > 0:
        rate = cfg.trend_weight * inp.growth(cfg.years).rate(cfg.own)
        out = smoothed_level(inp, cfg.alpha, rate) * growth_factor(inp, rate, cfg.damping, m)
    elif cfg.alpha < 1.0:
        out = smoothed_level(inp, cfg.alpha, None)
    else:
        out = out.copy()
    if cfg.regression_weight > 0 and regression is not None:
        out = out + cfg.regression_weight * (np.where(np.isnan(regression), inp.base, regression) - out)
    if cfg.prophet_weight > 0 and prophet is not None:
        out = out + cfg.prophet_weight * (np.where(np.isnan(prophet), inp.base, prophet) - out)
    return out


def drift_forecast(y: np.ndarray, h: int) -> np.ndarray:
    """Straight line through each row's first and last values, extended (the benchmark)."""
    last = last_values(y)
    first, span = first_values(y)
    slope = np.divide(last - first, span, out=np.zeros(len(y)), where=span > 0)
    return last[:, None] + slope[:, None] * np.arange(1, h + 1)[None, :]


def blend(
    inp: OriginInputs,
    cfgs: tuple[Config, ...],
    m: int,
    prophet: np.ndarray | None,
    regression: np.ndarray | None = None,
) -> np.ndarray:
    """The equal-weight mean of the configurations' forecasts at one origin."""
    out = combination(inp, cfgs[0], m, prophet, regression)
    for cfg in cfgs[1:]:
        out = out + combination(inp, cfg, m, prophet, regression)
    return out / len(cfgs)


def _span(values: list[float], fmt: str = "g") -> str:
    """``"0.5"`` when every value is the same, else ``"0.5–0.9"`` (smallest to largest)."""
    lo, hi = min(values), max(values)
    return format(lo, fmt) if lo == hi else f"{lo:{fmt}}–{hi:{fmt}}"


def blend_label(cfgs: tuple[Config, ...], base: str) -> str:
    """One configuration's label, or the mean's members summarised in one line: ``"mean of 5: smoothed level
    (alpha 0.7) + pooled trend (damping 0.5–0.9, window 1–5 years, weight 0.50)"`` (ranges over members)."""
    if len(cfgs) == 1:
        return cfgs[0].label(base)
    n = len(cfgs)
    smoothed = [c.alpha for c in cfgs if c.alpha != 1.0]
    level = f"smoothed level (alpha {_span(smoothed)})" if smoothed else base
    if smoothed and len(smoothed) < n:
        level = f"{base} or {level}"
    parts = [level]
    trend = [c for c in cfgs if c.trend_weight > 0]
    if trend:
        owns = {c.own for c in trend}
        own = {"none": "", "shrunk": ", own trend shrunk to the pool", "full": ", own trend"}
        owned = own[owns.pop()] if len(owns) == 1 else ", own trend in some"
        years = _span([float(c.years) for c in trend])
        share = "" if len(trend) == n else f" in {len(trend)} of {n}"
        parts.append(
            f"pooled trend{share} (damping {_span([c.damping for c in trend])}, window {years} "
            f"year{'' if years == '1' else 's'}{owned}, weight {_span([c.trend_weight for c in trend], '.2f')})"
        )
    regression = [c.regression_weight for c in cfgs if c.regression_weight > 0]
    if regression:
        share = "" if len(regression) == n else f" in {len(regression)} of {n}"
        parts.append(f"{REGRESSION_LABEL}{share} (weight {_span(regression, '.2f')})")
    prophet = [c.prophet_weight for c in cfgs if c.prophet_weight > 0]
    if prophet:
        parts.append(f"prophet (weight {_span(prophet, '.2f')})")
    return f"mean of {n}: " + " + ".join(parts)
