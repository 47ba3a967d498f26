"""Throughput of the panel engine (forecast + backtest) over many monthly series, and one authority's 60.

Run from the repository root: ``.venv/bin/python bench/forecast_many.py [--n 3000] [--prophet] [--jobs N]``.
Prints wall time (goal: 3,000 monthly series with backtest in 60 s without prophet) and what the panel
chose; with prophet, its summed bare fit time and the fan-out overhead = wall / (fit_sum / cores) − 1.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from forecasts.series.engine import DEFAULT_MODELS, forecast_frame


def synthetic_panel(n: int, months: int = 60, seed: int = 0) -> pd.DataFrame:
    """``n`` monthly placement-count-like series: level, trend, yearly pattern and noise, never negative."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    ds = pd.date_range("2015-04-30", periods=months, freq="ME")
    level = rng.uniform(5, 200, n)[:, None]
    trend = rng.normal(0, 0.01, n)[:, None] * level * t
    season = (
        rng.uniform(0, 0.15, n)[:, None]
        * level
        * np.sin(2 * np.pi * (t + rng.integers(0, 12, n)[:, None]) / 12)
    )
    noise = rng.normal(0, 1, (n, months)) * np.sqrt(level)
    y = np.clip(level + trend + season + noise, 0, None).round()
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:05d}" for i in range(n)], months),
            "ds": np.tile(ds, n),
            "y": y.ravel(),
        }
    )


def run(label: str, df: pd.DataFrame, models: list[str], jobs: int) -> None:
    t = time.perf_counter()
    r = forecast_frame(df, 12, models=models, n_jobs=jobs, nonnegative=True, progress=True)
    wall = time.perf_counter() - t
    n = df["unique_id"].nunique()
    mean = r.backtest.groupby("model")["mase"].mean().round(3).to_dict()
    ens = r.backtest[r.backtest["model"] == "ensemble"]
    fan = ""
    if r.fit_seconds > 0:
        overhead = wall / (r.fit_seconds / jobs) - 1
        fan = f", prophet bare fits {r.fit_seconds:.1f}s over {jobs} process(es), overhead {overhead:.0%}"
    print(
        f"{label}: {n} series x {len(df) // n} months, members {','.join(models)}, jobs {jobs}\n"
        f"  wall {wall:.1f}s{fan}, {wall / n * 1000:.1f} ms/series\n"
        f"  panel chose: {r.choice.label if r.choice else ''}\n"
        f"  backtest mean MASE by member: {mean}\n"
        f"  combination's sequential coverage 80% {ens['coverage80'].mean():.2f}, 95% {ens['coverage95'].mean():.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=3000, help="number of series (default 3000)")
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--prophet", action="store_true", help="include prophet in the big run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-authority", action="store_true")
    args = ap.parse_args()
    models = list(DEFAULT_MODELS) if args.prophet else [m for m in DEFAULT_MODELS if m != "prophet"]
    t = time.perf_counter()
    run("many", synthetic_panel(args.n, args.months), models, args.jobs)
    if not args.prophet:
        print(f"  goal <= 60 s: {'met' if time.perf_counter() - t <= 60 else 'NOT met'}")
    if not args.skip_authority:
        authority = synthetic_panel(60, 60, seed=1)
        t = time.perf_counter()
        run("one authority (default models, with prophet)", authority, list(DEFAULT_MODELS), args.jobs)
        print(f"  goal < 30 s: {'met' if time.perf_counter() - t < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
