"""Prophet behind the ``Model`` interface, imported lazily (importing prophet costs ~0.5 s; a fit 0.1–0.5 s)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

_FREQ = {12: "ME", 4: "QE", 1: "YE"}
MAX_ITER = 2000  # L-BFGS iteration cap: a safety net against slow, ill-conditioned fits


def _quiet_logging() -> None:
    """Silence cmdstanpy's chain chatter and prophet's plotly notice (a NullHandler stops cmdstanpy adding its own)."""
    for name, level in (
        ("cmdstanpy", logging.ERROR),
        ("prophet", logging.ERROR),
        ("prophet.plot", logging.CRITICAL),
    ):
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.propagate = False
        if not any(isinstance(h, logging.NullHandler) for h in lg.handlers):
            lg.addHandler(logging.NullHandler())


class ProphetModel:
    """Prophet on synthetic period-end dates (the position in the series is what matters).

    Yearly seasonality (Fourier order 5 monthly, 1 quarterly) only with ≥ 2 full years; weekly and
    daily seasonality off; no uncertainty sampling (our intervals are conformal). With
    ``nonnegative=True`` the forecast is floored at 0 (counts and costs cannot go below zero).
    """

    name = "prophet"
    cheap = False
    refit_factor = 2  # backtest refits every 6 origins on monthly series: keeps 60 series under 30 s

    def __init__(self, nonnegative: bool = False):
        self.nonnegative = nonnegative

    def fit_predict(self, y: np.ndarray, h: int, season_length: int) -> np.ndarray:
        _quiet_logging()
        from prophet import Prophet

        _quiet_logging()
        x = np.asarray(y, dtype=float)
        if np.ptp(x) == 0:
            return np.full(h, float(x[-1]))
        freq = _FREQ.get(season_length, "ME")
        ds = pd.date_range("2000-01-31", periods=len(x) + h, freq=freq)
        # Fourier order below the sampling limit (6 for monthly): the default 10 is ill-conditioned on
        # monthly data and can take seconds to optimise at exactly 24 points.
        order = max(1, season_length // 2 - 1) if season_length > 1 and len(x) >= 2 * season_length else False
        model = Prophet(
            yearly_seasonality=order,
            weekly_seasonality=False,
            daily_seasonality=False,
            uncertainty_samples=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(pd.DataFrame({"ds": ds[: len(x)], "y": x}), iter=MAX_ITER)
            fc = model.predict(pd.DataFrame({"ds": ds[len(x) :]}))["yhat"].to_numpy(dtype=float)
        if self.nonnegative:
            fc = np.clip(fc, 0.0, None)
        return fc
