"""Backtest the models on England's annual children-looked-after series (DfE, 1994–2024).

Run from the repository root: ``.venv/bin/python bench/backtest_dfe.py [--horizon 3]``.
Prints each model's MASE per series and on average, and checks that the ensemble beats prophet alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from forecasts.series.engine import forecast_frame

DATA = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "dfe_cla_national"
    / "cla_time_series_1994_2024.csv"
)
SHORT = {
    "Children looked after at 31 March": "CLA at 31 March",
    "Children starting to be looked after during the year": "started",
    "Children ceasing to be looked after during the year": "ceased",
    "Children looked after who were adopted during the year": "adopted",
    "Children looked after at 31 March who were unaccompanied asylum-seeking children": "UASC at 31 March",
}


def dfe_series() -> pd.DataFrame:
    """The DfE national time series as a long annual frame (one year-end per reporting year)."""
    raw = pd.read_csv(DATA, encoding="utf-8-sig")
    raw = raw[raw["population_count"].isin(SHORT)]
    return pd.DataFrame(
        {
            "unique_id": raw["population_count"].map(SHORT),
            "ds": raw["time_period"].astype(str),
            "y": pd.to_numeric(raw["number"], errors="coerce"),
        }
    ).dropna()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--horizon", type=int, default=3)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    t = time.perf_counter()
    result = forecast_frame(dfe_series(), args.horizon, nonnegative=True)
    wall = time.perf_counter() - t
    table = result.backtest.pivot(index="unique_id", columns="model", values="mase")
    table = table[
        [c for c in ("seasonal-naive", "naive", "drift", "ets", "prophet", "ensemble") if c in table]
    ]
    pd.set_option("display.width", 140)
    print(f"Backtest MASE, horizon {args.horizon} years, rolling origins over the last up to 24 years")
    print(table.round(3).to_string())
    print("\nmean MASE:", table.mean().round(3).to_dict())
    cov = result.backtest[result.backtest["model"] == "ensemble"][["unique_id", "coverage80", "coverage95"]]
    print("\nensemble interval coverage in backtest (sequential):")
    print(cov.round(2).to_string(index=False))
    print("\nmethods:", result.methods)
    print(f"wall {wall:.1f}s, summed fit {result.fit_seconds:.1f}s")
    beats = table["ensemble"].mean() < table["prophet"].mean()
    per_series = bool((table["ensemble"] <= table["prophet"]).all())
    print(f"ensemble beats prophet alone on mean MASE: {beats}; on every series: {per_series}")
    return 0 if beats else 1


if __name__ == "__main__":
    sys.exit(main())
