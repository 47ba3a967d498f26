"""Pooled conformal prediction intervals: per horizon step, over every series of a panel."""

from __future__ import annotations

import math

import numpy as np

LEVELS = (80, 95)


def conformal_quantile(abs_errors: np.ndarray, level: float) -> float | None:
    """The split-conformal half-width: the ⌈(n+1)·level⌉-th smallest error; None when n is too small."""
    e = np.sort(abs_errors[~np.isnan(abs_errors)])
    n = len(e)
    rank = math.ceil((n + 1) * level / 100)
    if n == 0 or rank > n:
        return None
    return float(e[rank - 1])


CALIBRATION_ORIGINS = 4  # pooled intervals: the last few origins with an actual at the step


def pooled_quantiles(
    scaled_errors: np.ndarray, origins: np.ndarray, decided_at: int, level: float
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


def insample_quantiles(y: np.ndarray, scale: np.ndarray, level: int, h: int, m: int = 1) -> np.ndarray:
    """Fallback pooled widths: the level quantile of one-step changes / scale over the panel, × √step.

    Where the scale is the series' mean one-step change (annual data, or too short for a seasonal one),
    each change is divided by the mean of the series' *other* changes (leave one out): divided by a mean
    that includes it, a change can never exceed n times it (twice, with the two changes of three
    values), so the quantile would be bounded by the history's length, not by how far the next change
    goes. A change to come is no part of the scale it is multiplied by; leaving it out mimics that.
    """
    diffs = np.abs(np.diff(y, axis=1))
    if m == 1 or y.shape[1] <= m:
        ok = np.isfinite(diffs)
        n = ok.sum(axis=1)[:, None]
        total = np.where(ok, diffs, 0.0).sum(axis=1)[:, None]
        with np.errstate(all="ignore"):
            others = (total - diffs) / (n - 1)
        others = np.where(others > 0, others, np.nan)  # the other changes were all 0: nothing to scale by
        steps = diffs / others
    else:
        steps = diffs / scale[:, None]
    steps = steps[np.isfinite(steps)]
    q = float(np.quantile(steps, level / 100)) if len(steps) else 0.0
    return q * np.sqrt(np.arange(1, h + 1))


def pooled_bounds(
    signed_errors: np.ndarray, origins: np.ndarray, decided_at: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per step, (below, above): how far under and over the forecast the range reaches, in scale units.

    ``signed_errors`` is (series × origins × steps): (actual − forecast) / scale. The range is centred
    on the forecast plus the panel's median error at the step (known at ``decided_at``: a backtest that
    ran under the actuals moves the range up) and its half-width is the pooled conformal quantile of
    the errors about that median (``pooled_quantiles``). Neither side is below 0 (the range holds the
    forecast). NaN where no step is reliable.
    """
    bias = _median_errors(signed_errors, origins, decided_at)
    half = pooled_quantiles(np.abs(signed_errors - bias[None, None, :]), origins, decided_at, level)
    return np.maximum(half - bias, 0.0), np.maximum(half + bias, 0.0)


def _median_errors(errors: np.ndarray, origins: np.ndarray, decided_at: int) -> np.ndarray:
    """Per step: the median signed error over the cells known at ``decided_at`` (0 where none)."""
    h = errors.shape[2]
    out = np.zeros(h)
    for k in range(h):
        cols = np.flatnonzero(origins + k + 1 <= decided_at)
        e = errors[:, cols, k].ravel() if len(cols) else np.zeros(0)
        e = e[np.isfinite(e)]
        if len(e):
            out[k] = float(np.median(e))
    return out


def sequential_coverage(signed_errors: np.ndarray, origins: np.ndarray, level: float) -> tuple[int, int]:
    """(inside, scored) over the panel's backtest: each origin's cells against the ranges built at that
    origin from the errors known there (cells with no range yet are not scored)."""
    inside = total = 0
    for j, o in enumerate(origins):
        below, above = pooled_bounds(signed_errors, origins, int(o), level)
        cell = signed_errors[:, j, :]
        ok = np.isfinite(cell) & np.isfinite(below)[None, :] & np.isfinite(above)[None, :]
        lo, hi = np.where(ok, -below[None, :], 0.0), np.where(ok, above[None, :], 0.0)
        inside += int((ok & (cell >= lo) & (cell <= hi)).sum())
        total += int(ok.sum())
    return inside, total


MAX_LEVEL = 99.0  # the furthest a level is raised


def calibrated_level(signed_errors: np.ndarray, origins: np.ndarray, level: int) -> float:
    """The level the panel's ranges are drawn at: the nominal one, raised (in steps of 1, to at most
    ``MAX_LEVEL``) until the ranges the panel would have drawn at each backtest origin covered the
    nominal share of what followed.

    Conformal ranges assume the errors to come are like those seen; where a shifting trend made the
    backtest's own ranges cover too little, the level is raised by what it took there. Never lowered:
    early origins often stayed on naive, whose wider errors make the backtest's ranges generous for a
    better combination chosen later (measured: lowering to match cost a tenth of the coverage).
    """
    target = level / 100
    lvl = float(level)
    while lvl < MAX_LEVEL:
        inside, total = sequential_coverage(signed_errors, origins, lvl)
        if total == 0 or inside >= target * total:
            return lvl
        lvl += 1.0
    return MAX_LEVEL
