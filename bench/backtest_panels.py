"""Out-of-sample accuracy of the panel engine on real LA panels, against naive and drift on the same folds.

Run from the repository root: ``.venv/bin/python bench/backtest_panels.py [--horizon 3] [--origins 2016-2019]``
(``--origins`` a span or a comma list of the LA panels' origin years; an earlier span such as 2013-2015
is an independent check of choices made by looking at 2016–2019).

Each measure of ``../shared/data/la_panels/la_placements_2011_2022.csv`` is one panel (~145 LAs). At
each origin (2016–2019) the engine sees only the years up to the origin (it runs its own backtest
inside them), forecasts 3 years, and is scored against what happened: MASE scaled by each series'
in-sample one-step naive error, mean over series × origins (the convention of PROVENANCE.md, whose
naive and drift figures this reproduces), and the coverage of its 80% and 95% intervals. A series with fewer than three values by the origin (a
measure an LA began reporting late) is left out of that fold for every method. The DfE England
series (one panel of five national series) are scored the same way over origins 2012–2021, for
information only. Goal per measure: MASE at least 2% below the better of naive and drift; 80%
intervals covering 78–85%, 95% covering 92–98%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from forecasts.series.engine import forecast_frame

ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
PANELS = ROOT / "la_panels" / "la_placements_2011_2022.csv"
DFE = ROOT / "dfe_cla_national" / "cla_time_series_1994_2024.csv"
DFE_SHORT = {
    "Children looked after at 31 March": "CLA at 31 March",
    "Children starting to be looked after during the year": "started",
    "Children ceasing to be looked after during the year": "ceased",
    "Children looked after who were adopted during the year": "adopted",
    "Children looked after at 31 March who were unaccompanied asylum-seeking children": "UASC at 31 March",
}


def dfe_panel() -> pd.DataFrame:
    """England's annual children-looked-after series (DfE) as one long panel."""
    raw = pd.read_csv(DFE, encoding="utf-8-sig")
    raw = raw[raw["population_count"].isin(DFE_SHORT)]
    return pd.DataFrame(
        {
            "unique_id": raw["population_count"].map(DFE_SHORT),
            "ds": pd.to_datetime(raw["time_period"].astype(str).str[:4] + "-03-31"),
            "y": pd.to_numeric(raw["number"], errors="coerce"),
        }
    ).dropna()


MIN_HISTORY = 3  # the engine refuses a series with fewer values; at early origins such series are left out


def fold(panel: pd.DataFrame, origin: int, h: int) -> dict[str, float]:
    """One origin: naive, drift and the engine scored on the years after ``origin`` (up to ``h``)."""
    year = panel["ds"].dt.year
    known = panel[year <= origin].groupby("unique_id")["y"].count()
    panel = panel[panel["unique_id"].isin(known.index[known >= MIN_HISTORY])]  # as an officer would
    year = panel["ds"].dt.year
    wide = panel.assign(year=year).pivot(index="unique_id", columns="year", values="y")
    train = wide.loc[:, wide.columns <= origin]
    future = wide.loc[:, (wide.columns > origin) & (wide.columns <= origin + h)]
    x = train.to_numpy(dtype=float)
    actual = future.to_numpy(dtype=float)
    steps = np.arange(1, actual.shape[1] + 1)
    ok = ~np.isnan(x)
    first = x[np.arange(len(x)), np.argmax(ok, axis=1)]
    last = x[:, -1]
    span = ok.shape[1] - 1 - np.argmax(ok, axis=1)
    scale = np.nanmean(np.abs(np.diff(x, axis=1)), axis=1)
    naive = np.repeat(last[:, None], len(steps), axis=1)
    drift = last[:, None] + ((last - first) / np.maximum(span, 1))[:, None] * steps[None, :]
    t = time.perf_counter()
    result = forecast_frame(panel[year <= origin], h, nonnegative=True)
    secs = time.perf_counter() - t
    fc = result.forecasts.assign(year=result.forecasts["ds"].dt.year)
    cols = list(future.columns)

    def matrix(col: str) -> np.ndarray:
        return (
            fc.pivot(index="unique_id", columns="year", values=col)
            .reindex(index=wide.index, columns=cols)
            .to_numpy(dtype=float)
        )

    engine = matrix("y")

    def score(f: np.ndarray) -> float:
        per = np.nanmean(np.abs(f - actual), axis=1) / scale
        return float(np.nanmean(per[np.isfinite(per) & ~np.isnan(last)]))

    scored = ~np.isnan(actual) & ~np.isnan(engine)
    cover = {}
    for lvl in (80, 95):
        lo, hi = matrix(f"lo{lvl}"), matrix(f"hi{lvl}")
        cover[lvl] = float(((actual >= lo) & (actual <= hi))[scored].mean())
    return {
        "series": int(np.isfinite(actual).any(axis=1).sum()),
        "naive": score(naive),
        "drift": score(drift),
        "panel": score(engine),
        "cov80": cover[80],
        "cov95": cover[95],
        "cells": int(scored.sum()),
        "seconds": secs,
        "method": result.choice.label if result.choice else "",
    }


def origin_years(text: str) -> list[int]:
    """``2016-2019`` or ``2013,2015``: the origin years, in order."""
    years: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    if not years:
        raise argparse.ArgumentTypeError(f"no origin years in {text!r}")
    return years


def table(name: str, panel: pd.DataFrame, origins: range | list[int], h: int, judged: bool) -> bool:
    """Print one panel's folds and its total; True when the goal is met (or not judged)."""
    rows = [fold(panel, o, h) for o in origins]
    print(f"\n{name}  ({panel['unique_id'].nunique()} series)")
    print(
        f"  {'origin':>6} {'series':>6} {'naive':>7} {'drift':>7} {'panel':>7} {'vs best':>8} {'80%':>6} {'95%':>6} {'secs':>5}  method"
    )
    for o, r in zip(origins, rows, strict=True):
        best = min(r["naive"], r["drift"])
        print(
            f"  {o:>6} {r['series']:>6} {r['naive']:7.3f} {r['drift']:7.3f} {r['panel']:7.3f}"
            f" {r['panel'] / best - 1:+8.1%} {r['cov80']:6.1%} {r['cov95']:6.1%} {r['seconds']:5.2f}  {r['method']}"
        )
    w = np.array([r["series"] for r in rows], dtype=float)
    cells = np.array([r["cells"] for r in rows], dtype=float)
    mean = {k: float(np.average([r[k] for r in rows], weights=w)) for k in ("naive", "drift", "panel")}
    cov = {k: float(np.average([r[k] for r in rows], weights=cells)) for k in ("cov80", "cov95")}
    best = min(mean["naive"], mean["drift"])
    gain = mean["panel"] / best - 1
    ok = gain <= -0.02 and 0.78 <= cov["cov80"] <= 0.85 and 0.92 <= cov["cov95"] <= 0.98
    print(
        f"  {'all':>6} {int(w.sum()):>6} {mean['naive']:7.3f} {mean['drift']:7.3f} {mean['panel']:7.3f}"
        f" {gain:+8.1%} {cov['cov80']:6.1%} {cov['cov95']:6.1%}"
        + (f"  goal {'met' if ok else 'NOT met'}" if judged else "  (for information)")
    )
    return ok or not judged


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--horizon", type=int, default=3)
    ap.add_argument("--origins", type=origin_years, default=range(2016, 2020), help="e.g. 2013-2015")
    args = ap.parse_args()
    met = []
    if PANELS.exists():
        raw = pd.read_csv(PANELS)
        raw["ds"] = pd.to_datetime(raw["ds"])
        for measure, g in raw.groupby("measure", sort=True):
            met.append(table(str(measure), g[["unique_id", "ds", "y"]], args.origins, args.horizon, True))
    else:
        print(f"skipped: {PANELS} not found")
    if DFE.exists():
        table("DfE England series", dfe_panel(), range(2012, 2022), args.horizon, False)
    print(f"\ngoal met on {sum(met)} of {len(met)} measures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
