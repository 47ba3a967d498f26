"""Per-series ensemble from the backtest: inverse-MASE weights over the top models, never worse than the best."""

from __future__ import annotations

import numpy as np

from forecasts.series.backtest import Backtest, mase

TOP_K = 3


def inverse_mase_weights(mases: dict[str, float], top_k: int = TOP_K) -> dict[str, float]:
    """Weights ∝ 1/MASE over the ``top_k`` best models; a model with MASE 0 takes all the weight."""
    ranked = sorted(((m, s) for m, s in mases.items() if np.isfinite(s)), key=lambda t: t[1])[:top_k]
    if not ranked:
        raise ValueError("no model produced a finite backtest score")
    if ranked[0][1] <= 0:
        return {ranked[0][0]: 1.0}
    inv = {m: 1.0 / s for m, s in ranked}
    total = sum(inv.values())
    return {m: v / total for m, v in inv.items()}


def combined(forecasts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of the models' forecasts (any shape, all alike)."""
    return sum(
        (w * forecasts[m] for m, w in weights.items()), start=np.zeros_like(next(iter(forecasts.values())))
    )


def chosen_weights(bt: Backtest, top_k: int = TOP_K) -> tuple[dict[str, float], np.ndarray]:
    """The series' weights and the chosen forecast's backtest matrix.

    The inverse-MASE ensemble is scored on the same backtest forecasts; if its MASE is worse than the
    best single model's, the best single model is used instead (weight 1). The choice is made on the
    backtest itself, so the chosen method's backtest MASE is a slightly optimistic estimate.
    """
    mases = {m: mase(fc, bt.actual, bt.scale) for m, fc in bt.forecasts.items()}
    best = min(mases, key=lambda m: (mases[m], m))
    weights = inverse_mase_weights(mases, top_k)
    ens = combined(bt.forecasts, weights)
    if len(weights) > 1 and mase(ens, bt.actual, bt.scale) <= mases[best]:
        return weights, ens
    return {best: 1.0}, bt.forecasts[best]


def equal_weights(names: list[str]) -> dict[str, float]:
    """Equal weights: the combination used when no backtest is run."""
    return {n: 1.0 / len(names) for n in names}


def method_label(weights: dict[str, float]) -> str:
    """``"ets"`` or ``"ensemble(ets 0.61, seasonal-naive 0.39)"`` (weights descending)."""
    if len(weights) == 1:
        return next(iter(weights))
    parts = sorted(weights.items(), key=lambda t: (-t[1], t[0]))
    return "ensemble(" + ", ".join(f"{m} {w:.2f}" for m, w in parts) + ")"
