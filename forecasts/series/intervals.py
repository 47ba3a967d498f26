"""Conformal prediction intervals from backtest errors by horizon step, and their empirical coverage."""

from __future__ import annotations

import math

import numpy as np

LEVELS = (80, 95)


def conformal_quantile(abs_errors: np.ndarray, level: int) -> float | None:
    """The split-conformal half-width: the ⌈(n+1)·level⌉-th smallest error; None when n is too small."""
    e = np.sort(abs_errors[~np.isnan(abs_errors)])
    n = len(e)
    rank = math.ceil((n + 1) * level / 100)
    if n == 0 or rank > n:
        return None
    return float(e[rank - 1])


def insample_halfwidth(y: np.ndarray, level: int) -> float:
    """Fallback one-step half-width: the level quantile of in-sample naive (one-step) absolute changes."""
    x = np.asarray(y, dtype=float)
    if len(x) < 2:
        return 0.0
    return float(np.quantile(np.abs(np.diff(x)), level / 100))


def halfwidths(abs_errors: np.ndarray, level: int, fallback_one_step: float) -> np.ndarray:
    """Half-width per horizon step from the (origins × steps) absolute errors.

    A step with too few errors takes the width of the last reliable earlier step scaled by √(step
    ratio), or the in-sample fallback scaled by √step when none is reliable. Widths never shrink with
    the horizon.
    """
    h = abs_errors.shape[1]
    out = np.zeros(h)
    last: tuple[int, float] | None = None
    for k in range(h):
        q = conformal_quantile(abs_errors[:, k], level)
        if q is not None:
            out[k] = q
            last = (k, q)
        elif last is not None:
            out[k] = last[1] * math.sqrt((k + 1) / (last[0] + 1))
        else:
            out[k] = fallback_one_step * math.sqrt(k + 1)
    return np.maximum.accumulate(out)


def coverage(abs_errors: np.ndarray, origins: np.ndarray, y: np.ndarray, level: int) -> float:
    """Empirical coverage when intervals are built only from errors known at each origin (sequential).

    For origin i and step k the calibration set is the step-k errors of earlier origins whose actual
    had been observed by origin i; too few of them falls back to in-sample widths of ``y[:origin]``.
    NaN when the backtest has no scored cell.
    """
    n_o, h = abs_errors.shape
    hits = total = 0
    for i in range(n_o):
        fallback = insample_halfwidth(y[: origins[i]], level)
        for k in range(h):
            e = abs_errors[i, k]
            if np.isnan(e):
                continue
            q = conformal_quantile(abs_errors[: max(0, i - k), k], level)
            width = q if q is not None else fallback * math.sqrt(k + 1)
            hits += int(e <= width)
            total += 1
    return hits / total if total else float("nan")
