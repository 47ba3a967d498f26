"""Backtest the placement-mix model on the synthetic SSDA903 sets: cut at a date, forecast average
placements by line month by month, compare with what happened (MAE and bias by line) and with a naive
"stays flat" forecast (the numbers open at the cut); bias = mean(forecast − actual), by line and for all
lines together. Run: .venv/bin/python bench/placements_903.py"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd

from budget.monthend.outturn import placements_as_known
from forecasts.placements.commitments import actual_cost_by_month
from forecasts.placements.model import placement_forecast
from ledgers.importers.ssda903 import read_903

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synthetic_ssda903"
SETS = [
    ("cs_demand_model_combined", None, date(2019, 3, 31), date(2020, 3, 31)),
    ("cs_demand_model_combined", None, date(2018, 3, 31), date(2021, 3, 31)),
    ("cs_demand_model_regional_v1", "Southwark", date(2019, 3, 31), date(2020, 3, 31)),
    ("cs_demand_model_regional_v1", "Bromley", date(2019, 3, 31), date(2020, 3, 31)),
    ("cs_demand_model_regional_v1", "Hillingdon", date(2019, 3, 31), date(2020, 3, 31)),
    ("csc_validator_903_fake", None, date(2017, 9, 30), date(2018, 3, 31)),
]


def main() -> None:
    if not DATA.exists():
        print("shared synthetic SSDA903 data not present")
        return
    for name, la, cut, until in SETS:
        full, _ = read_903(DATA / name, la=la)
        view = placements_as_known(full, cut)
        t = time.perf_counter()
        fc = placement_forecast(view, cut, until, draws=200, seed=0)
        secs = time.perf_counter() - t
        start = (pd.Timestamp(cut) + pd.Timedelta(days=1)).date()
        truth = actual_cost_by_month(full, start, until)[["line", "month", "numbers"]]
        open_at_cut = view[view["end_date"].isna()].groupby("line").size()
        m = fc.merge(truth, on=["line", "month"], suffixes=("_fc", "_actual"), how="outer").fillna(0.0)
        m["naive"] = m["line"].map(open_at_cut).fillna(0.0)
        m["err"] = m["numbers_fc"] - m["numbers_actual"]
        m["err_naive"] = m["naive"] - m["numbers_actual"]
        by = m.groupby("line").agg(
            actual=("numbers_actual", "mean"),
            model_mae=("err", lambda e: e.abs().mean()),
            model_bias=("err", "mean"),
            naive_mae=("err_naive", lambda e: e.abs().mean()),
            naive_bias=("err_naive", "mean"),
        )
        total = m.groupby("month")[["numbers_fc", "numbers_actual", "naive"]].sum()
        err, err_naive = (
            total["numbers_fc"] - total["numbers_actual"],
            total["naive"] - total["numbers_actual"],
        )
        print(
            f"\n== {name}{' / ' + la if la else ''}: cut {cut}, to {until}, {len(full)} placements, model {secs:.2f}s"
        )
        print(by.round(2).to_string())
        print(
            f"all lines: model MAE {err.abs().mean():.2f} bias {err.mean():+.2f}, "
            f"naive MAE {err_naive.abs().mean():.2f} bias {err_naive.mean():+.2f} "
            f"(actual mean {total['numbers_actual'].mean():.1f})"
        )


if __name__ == "__main__":
    main()
