"""The panel regression: one ridge regression learned across every series of a panel (a global model).

At an origin the panel's history holds many (series, past origin) pairs whose outcome is already known:
for each, the log change from the base value (the last value; for monthly data the same month a year
before the target) to the value ``k`` periods on, and what was known at that past origin:

- ``growth 1 year``: the log growth of the series' level (its last season's total) over the last season;
- ``growth 3 years``: the same over the last three seasons, per season (over what there is when shorter);
- ``distance from the 3-year mean``: the log of the level over the mean of its last three seasons' levels.

Per step ``k`` one regression ``log change = b0 + b1·growth1 + b2·growth3 + b3·distance`` is fitted over
all pairs (ridge: ``Σ residual² + RIDGE · pairs · (b1² + b2² + b3²)``, the intercept not penalised), so it
learns momentum (b1, b2 > 0), mean reversion (b3 < 0) and the panel's common growth (b0) together from
the panel's own past, where a series' own 9–12 points could not. The forecast is the base value times
``exp(prediction)``. Only pairs whose outcome lies inside the columns given are used, so at a backtest
origin nothing later can enter the fit. A series that touched zero or below (log change undefined) is
neither fitted on nor forecast (it keeps its base value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasts.series.panel import always_positive, base_forecast, season_levels

FEATURES = ("intercept", "growth 1 year", "growth 3 years", "distance from the 3-year mean")
RIDGE = 0.01  # penalty per pair on the slopes (log-growth units): shrinks them when the pairs are few
MIN_PAIRS = 3 * len(FEATURES)  # fewer pairs at a step than this: no fit there
MIN_ORIGINS = 3  # past origins a step's pairs must span: one or two years' change is a shock, not a rule


def panel_features(y: np.ndarray, m: int) -> np.ndarray:
    """(series × columns × features): what was known at the end of each column (NaN where undefined).

    Column ``p``'s features use columns ``p`` and before only.
    """
    n, t = y.shape
    positive = always_positive(y)
    levels = season_levels(y, m)
    with np.errstate(all="ignore"):
        logs = np.log(np.where(positive[:, None] & (levels > 0), levels, np.nan))
    out = np.full((n, t, len(FEATURES)), np.nan)
    out[:, :, 0] = np.where(np.isfinite(logs), 1.0, np.nan)
    out[:, :, 1] = _shifted_diff(logs, m)
    out[:, :, 2] = _shifted_diff(logs, 3 * m) / 3.0
    lv = np.where(np.isfinite(logs), levels, np.nan)
    stack = np.stack([lv, _shifted(lv, m), _shifted(lv, 2 * m)])
    known = np.isfinite(stack)
    mean = np.where(known, stack, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    with np.errstate(all="ignore"):
        out[:, :, 3] = np.where(known[0] & known[1], logs - np.log(mean), np.nan)
    return out


def _shifted(x: np.ndarray, lag: int) -> np.ndarray:
    """``x`` moved ``lag`` columns right (column p holds column p − lag; NaN before the start)."""
    out = np.full_like(x, np.nan)
    if lag < x.shape[1]:
        out[:, lag:] = x[:, : x.shape[1] - lag]
    return out


def _shifted_diff(logs: np.ndarray, lag: int) -> np.ndarray:
    return logs - _shifted(logs, lag)


def step_lags(h: int, m: int) -> np.ndarray:
    """Per step k: how far before the target its base value lies (k for annual data, m·⌈k/m⌉ seasonal)."""
    k = np.arange(1, h + 1)
    return m * np.ceil(k / m).astype(int) if m > 1 else k


def training_pairs(y: np.ndarray, h: int, m: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per step k: (features, log change) over every (series, column) pair whose target is in ``y``."""
    return [(x, t) for x, t, _ in _pairs(y, h, m)]


def _pairs(y: np.ndarray, h: int, m: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``training_pairs`` with each pair's origin column."""
    feats = panel_features(y, m)
    positive = always_positive(y)
    with np.errstate(all="ignore"):
        logs = np.log(np.where(positive[:, None] & (y > 0), y, np.nan))
    t = y.shape[1]
    out = []
    for k, lag in zip(range(1, h + 1), step_lags(h, m), strict=True):
        if t - k < 1:
            out.append((np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0, dtype=int)))
            continue
        x = feats[:, : t - k, :]  # origins at columns p = 0 .. t-1-k; targets at p + k
        target = logs[:, k:] - _shifted(logs, int(lag))[:, k:]
        col = np.broadcast_to(np.arange(t - k)[None, :], target.shape).reshape(-1)
        x = x.reshape(-1, len(FEATURES))
        target = target.reshape(-1)
        ok = np.isfinite(x[:, 0]) & np.isfinite(target)
        out.append((x[ok], target[ok], col[ok]))
    return out


def ridge_coefficients(
    x: np.ndarray, target: np.ndarray, ridge: float = RIDGE, weights: np.ndarray | None = None
) -> np.ndarray:
    """(Weighted) least squares with ``ridge · Σ weights`` added to every slope's diagonal (not the
    intercept's)."""
    w = np.ones(len(target)) if weights is None else weights
    return _solved(np.ascontiguousarray(x.T), target, w, ridge)


def _solved(xt: np.ndarray, target: np.ndarray, w: np.ndarray, ridge: float) -> np.ndarray:
    """The ridge normal equations from features laid out one row per feature (fast to multiply)."""
    penalty = np.eye(len(xt)) * ridge * float(w.sum())
    penalty[0, 0] = 0.0
    xw = xt * w
    return np.linalg.solve(xw @ xt.T + penalty, xw @ target)


HUBER = 1.345  # Huber's constant: residuals beyond this many robust SDs count linearly, not squared
HUBER_ROUNDS = 5  # reweightings of the regression (each a pass over every pair; the fit moves little after)
LOCATION_ROUNDS = 100  # the intercept-only fit's: a few vector sums each, run to convergence
HUBER_TOLERANCE = 1e-4  # in log-change units (0.01%): coefficients this close are converged


def robust_scale(r: np.ndarray) -> float:
    """The residuals' MAD × 1.4826 (the standard deviation were they normal)."""
    return 1.4826 * float(np.median(np.abs(r - np.median(r))))


def huber_weights(r: np.ndarray, c: float) -> np.ndarray:
    """Huber's weights: 1 within ``c`` of zero, ``c / |r|`` beyond."""
    return np.minimum(1.0, c / np.maximum(np.abs(r), 1e-300))


def huber_coefficients(x: np.ndarray, target: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Ridge regression with Huber's loss, by iteratively reweighted least squares.

    The scale is fixed from the plain ridge fit's residuals (their MAD × 1.4826); a pair whose residual
    lies beyond ``HUBER`` × that scale gets weight ``c / |r|``, so a few series with wild jumps (a spend
    line starting from almost nothing) do not set the panel's fit.
    """
    if x.shape[1] == 1 and np.all(x == 1.0):
        return np.array([huber_location(target)])
    xt = np.ascontiguousarray(x.T)
    ones = np.ones(len(target))
    beta = _solved(xt, target, ones, ridge)
    r = target - beta @ xt
    sd = robust_scale(r)
    if sd <= 0:
        return beta
    c = HUBER * sd
    for _ in range(HUBER_ROUNDS):
        new = _solved(xt, target, huber_weights(r, c), ridge)
        if np.abs(new - beta).max() <= HUBER_TOLERANCE:
            return new
        beta = new
        r = target - beta @ xt
    return beta


def huber_location(target: np.ndarray) -> float:
    """The intercept-only fit: Huber's M-estimate of the mean, as ``huber_coefficients`` on a column of
    ones (start at the mean, scale from its residuals' MAD) without the matrix algebra."""
    mu = float(target.mean())
    r = target - mu
    sd = robust_scale(r)
    if sd <= 0:
        return mu
    c = HUBER * sd
    for _ in range(LOCATION_ROUNDS):
        w = huber_weights(r, c)
        new = float((w * target).sum() / w.sum())
        if abs(new - mu) <= 1e-9:
            return new
        mu = new
        r = target - mu
    return mu


@dataclass
class Regression:
    """The fitted panel regression, per step: the full model's coefficients (NaN where too few pairs
    had every feature) and the intercept-only model's (the robust mean log change; NaN where none)."""

    coefficients: np.ndarray  # (h, features)
    intercepts: np.ndarray  # (h,)
    pairs: np.ndarray  # (h,) pairs with every feature at each step


def fitted_regression(y: np.ndarray, h: int, m: int, ridge: float = RIDGE) -> Regression:
    """The per-step regressions over the pairs known in ``y``.

    A step with fewer than ``MIN_PAIRS`` pairs holding every feature (a short history: growth over 3
    seasons needs 4 seasons of levels; the far steps' outcomes lie later) has only the intercept-only
    model, fitted on the pairs with a level; a step with too few of those too borrows the last fitted
    step's intercept, stretched by the step ratio (k / k'). A slope is never stretched: momentum or
    mean reversion learned one step ahead says nothing of how it runs on.
    """
    nf = len(FEATURES)
    coef = np.full((h, nf), np.nan)
    icpt = np.full(h, np.nan)
    pairs = np.zeros(h, dtype=int)
    last = None
    for k, (x, target, col) in enumerate(_pairs(y, h, m)):
        full = np.isfinite(x).all(axis=1)
        pairs[k] = int(full.sum())
        if pairs[k] >= MIN_PAIRS and len(np.unique(col[full])) >= MIN_ORIGINS:
            coef[k] = huber_coefficients(x[full], target[full], ridge)
        if len(target) >= MIN_PAIRS and len(np.unique(col)) >= MIN_ORIGINS:
            icpt[k] = huber_location(target)
            last = k
        elif last is not None:
            icpt[k] = icpt[last] * (k + 1) / (last + 1)
    return Regression(coef, icpt, pairs)


def regression_forecast(y: np.ndarray, h: int, m: int, ridge: float = RIDGE) -> np.ndarray:
    """(series × h) forecasts from the columns ``y`` (all known at the origin): the base value times
    exp(the predicted log change) — the full model's where the series has every feature and the step a
    full fit, else the intercept-only model's; the base value itself where neither applies or the
    series touched zero or below."""
    base, _ = base_forecast(y, h, m)
    fit = fitted_regression(y, h, m, ridge)
    feats = panel_features(y, m)[:, -1, :]  # what is known at the origin
    full = np.isfinite(feats).all(axis=1)[:, None] & np.isfinite(fit.coefficients[:, 0])[None, :]
    pred_full = np.nan_to_num(feats) @ np.nan_to_num(fit.coefficients.T)
    has_level = np.isfinite(feats[:, 0])[:, None] & np.isfinite(fit.intercepts)[None, :]
    pred = np.where(full, pred_full, np.where(has_level, np.nan_to_num(fit.intercepts)[None, :], 0.0))
    with np.errstate(over="ignore"):
        return np.where(np.isfinite(base), base * np.exp(pred), base)
