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


CALIBRATION_ORIGINS = 4  # pooled intervals: the last few origins with an actual at the step


def pooled_quantiles(
    scaled_errors: np.ndarray, origins: np.ndarray, decided_at: int, level: int
) -> np.ndarray:
    """Per horizon step, the conformal quantile of scaled absolute errors over every series of the panel.

    ``scaled_errors`` is (series × origins × steps): |forecast − actual| / the series' in-sample naive
    scale at that origin. Only cells whose actual was known at ``decided_at`` count (origin + step ≤
    decided_at), from the last ``CALIBRATION_ORIGINS`` such origins (more when they hold too few cells
    for the level's conformal rank, as with a panel of one or two series). A step with too few cells takes the
    last reliable step's quantile × √(step ratio); NaN when no step is reliable. Never shrinks with the step.
    """
    h = scaled_errors.shape[2]
    out = np.full(h, np.nan)
    last: tuple[int, float] | None = None
    for k in range(h):
        usable = [
            j
            for j in np.flatnonzero(origins + k + 1 <= decided_at)
            if np.isfinite(scaled_errors[:, j, k]).any()
        ]
        q = None
        for start in range(max(0, len(usable) - CALIBRATION_ORIGINS), -1, -1):
            # the last few origins, reaching further back only while too few cells for the rank
            q = conformal_quantile(scaled_errors[:, usable[start:], k].ravel(), level)
            if q is not None:
                break
        if q is not None:
            out[k] = q
            last = (k, q)
        elif last is not None:
            out[k] = last[1] * math.sqrt((k + 1) / (last[0] + 1))
    finite = np.isfinite(out)
    if finite.any():
        out[finite] = np.maximum.accumulate(out[finite])
    return out


def insample_quantiles(y: np.ndarray, scale: np.ndarray, level: int, h: int) -> np.ndarray:
    """Fallback pooled widths: the level quantile of one-step changes / scale over the panel, × √step."""
    steps = np.abs(np.diff(y, axis=1)) / scale[:, None]
    steps = steps[np.isfinite(steps)]
    q = float(np.quantile(steps, level / 100)) if len(steps) else 0.0
    return q * np.sqrt(np.arange(1, h + 1))
