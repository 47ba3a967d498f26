"""Backtest the placement-mix model on the demo authority: cut at several dates, forecast placements by
line month by month (placements as known at the cut), compare with the month-end counts that happened
(open at the month end), and print bias (forecast − actual) and MAE by line and in total, at 9–12 months
ahead and over the whole horizon. Run: .venv/bin/python bench/placements_backtest.py [demo folder]
(build the demo first: ``careladder demo /tmp/dm``)."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from forecasts.placements.model import placement_forecast
from ledgers.importers.placements import stored_placements

CUTS = [date(2017, 3, 31), date(2017, 9, 30), date(2018, 3, 31), date(2018, 9, 30), date(2019, 3, 31)]


def as_known(placements: pd.DataFrame, cut: date) -> pd.DataFrame:
    """The placements list as it stood at ``cut``: later starts unknown, later ends still open."""
    at = pd.Timestamp(cut)
    view = placements[placements["start_date"] <= at].copy()
    view.loc[view["end_date"] > at, "end_date"] = pd.NaT
    return view


def month_end_counts(placements: pd.DataFrame, months: list[pd.Timestamp]) -> pd.DataFrame:
    """Placements open at each month end (started on or before it, not ended on or before it) by line."""
    rows = []
    for m in months:
        me = m + pd.offsets.MonthEnd(0)
        on = (placements["start_date"] <= me) & (
            placements["end_date"].isna() | (placements["end_date"] > me)
        )
        counts = placements[on].groupby("line").size()
        for line in sorted(set(placements["line"])):
            rows.append((line, m, float(counts.get(line, 0))))
    return pd.DataFrame(rows, columns=["line", "month", "actual"])


def backtest(full: pd.DataFrame, cut: date, until: date, draws: int = 200) -> tuple[pd.DataFrame, float]:
    """Forecast vs actual month-end numbers per line and month (``ahead`` = months after the cut)."""
    view = as_known(full, cut)
    t = time.perf_counter()
    fc = placement_forecast(view, cut, until, draws=draws, seed=0)
    secs = time.perf_counter() - t
    months = sorted(fc["month"].unique())
    truth = month_end_counts(full, months)
    m = fc[["line", "month", "numbers"]].merge(truth, on=["line", "month"], how="outer").fillna(0.0)
    open_at_cut = view[view["end_date"].isna()].groupby("line").size()
    m["naive"] = m["line"].map(open_at_cut).fillna(0.0)
    m["ahead"] = [(pd.Timestamp(x).to_period("M") - pd.Timestamp(cut).to_period("M")).n for x in m["month"]]
    m["err"] = m["numbers"] - m["actual"]
    return m, secs


def summary(m: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """Bias and MAE by line and for the total over months ``lo``..``hi`` ahead."""
    w = m[(m["ahead"] >= lo) & (m["ahead"] <= hi)]
    by = w.groupby("line").agg(
        actual=("actual", "mean"),
        bias=("err", "mean"),
        mae=("err", lambda e: e.abs().mean()),
    )
    tot = w.groupby("month")[["numbers", "actual"]].sum()
    err = tot["numbers"] - tot["actual"]
    by.loc["TOTAL"] = [tot["actual"].mean(), err.mean(), err.abs().mean()]
    return by


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dm")
    con = duckdb.connect(str(folder / "workspace" / "careladder.duckdb"), read_only=True)
    full = stored_placements(con)
    con.close()
    last = full["start_date"].max().date()
    grand = []
    for cut in CUTS:
        until = (pd.Timestamp(cut) + pd.DateOffset(months=36)).date()
        m, secs = backtest(full, cut, until)
        m = m[m["month"] + pd.offsets.MonthEnd(0) <= pd.Timestamp(last)]
        s1, s2 = summary(m, 9, 12), summary(m, 1, 36)
        print(f"\n== demo cut {cut} ({secs:.2f}s); history to {last}")
        print(pd.concat({"9-12m": s1, "all": s2}, axis=1).round(1).to_string())
        grand.append((cut, s1.loc["TOTAL", "bias"], s2.loc["TOTAL", "bias"], s2.loc["TOTAL", "mae"]))
        tot = m.groupby("ahead")[["numbers", "actual"]].sum()
        print(
            "total by months ahead:",
            " ".join(
                f"{k}:{r.numbers:.0f}/{r.actual:.0f}" for k, r in tot.iterrows() if k in (3, 6, 12, 24, 33)
            ),
        )
    g = np.array([x[1:] for x in grand])
    print(
        f"\nmean over cuts: total bias 9-12m {g[:, 0].mean():.1f}, all {g[:, 1].mean():.1f}, MAE {g[:, 2].mean():.1f}"
    )


if __name__ == "__main__":
    main()
