"""Backtest the panel engine on England's annual children-looked-after series (DfE, 1994–2024).

Run from the repository root: ``.venv/bin/python bench/backtest_dfe.py [--horizon 3] [--prophet]``.
Prints each member's MASE per series and on average (the five national series are one panel; too few
series to judge the pooled trend by, so for information; see bench/backtest_panels.py for the real test).
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
    ap.add_argument(
        "--prophet", action="store_true", help="admit prophet as a member (annual: only when asked)"
    )
    args = ap.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    t = time.perf_counter()
    models = ["naive", "drift", "trend", "regression", *(["prophet"] if args.prophet else [])]
    result = forecast_frame(dfe_series(), args.horizon, models=models, nonnegative=True)
    wall = time.perf_counter() - t
    table = result.backtest.pivot(index="unique_id", columns="model", values="mase")
    table = table[[c for c in ("naive", "drift", "trend", "regression", "prophet", "ensemble") if c in table]]
    pd.set_option("display.width", 140)
    print(f"Backtest MASE, horizon {args.horizon} years, rolling origins over the last up to 8 years")
    print(table.round(3).to_string())
    print("\nmean MASE:", table.mean().round(3).to_dict())
    cov = result.backtest[result.backtest["model"] == "ensemble"][["unique_id", "coverage80", "coverage95"]]
    print("\ncombination's interval coverage in the backtest (sequential, pooled):")
    print(cov.round(2).to_string(index=False))
    print("\npanel chose:", result.choice.label if result.choice else "")
    print(f"wall {wall:.1f}s, prophet fits {result.fit_seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
