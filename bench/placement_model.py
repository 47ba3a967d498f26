"""Bench: the placement model on a large authority — 3,000 placements (about 1,100 open) over 15 lines,
200 draws, 15 months ahead. Prints the time of each run and the best (goal: under 5 s here).

    python bench/placement_model.py [--placements 3000] [--draws 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasts.placements.model import placement_forecast  # noqa: E402
from ledgers.store.placements import placements_frame  # noqa: E402


def placements(n: int) -> pd.DataFrame:
    """``n`` synthetic placements started 2016–2019 over 15 lines, exponential lengths (mean 600 days)."""
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 1460, n), unit="D")
    ends = pd.Series(start + pd.to_timedelta(rng.exponential(600, n).astype(int), unit="D"))
    return placements_frame(
        pd.DataFrame(
            {
                "placement_id": [str(i) for i in range(n)],
                "child_ref": [str(i % (n * 2 // 5 or 1)) for i in range(n)],
                "line": rng.choice([f"L{i}" for i in range(15)], n),
                "start_date": start,
                "end_date": ends.where(ends <= pd.Timestamp("2019-12-31")),
                "planned_end_date": pd.NaT,
                "weekly_cost_p": rng.integers(20000, 500000, n),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--placements", type=int, default=3000)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    df = placements(args.placements)
    print(f"{len(df):,} placements, {int(df['end_date'].isna().sum()):,} open, {df['line'].nunique()} lines")
    times = []
    for i in range(args.runs):
        t = time.perf_counter()
        out = placement_forecast(
            df, date(2019, 12, 31), date(2021, 3, 31), uplift={"L1": 0.03}, draws=args.draws
        )
        times.append(time.perf_counter() - t)
        print(f"run {i + 1}: {times[-1]:.2f} s ({len(out)} line-months, {args.draws} draws)")
    print(f"best: {min(times):.2f} s (goal < 5 s)")


if __name__ == "__main__":
    main()
