"""Statistical lines: the panel engine on the lines' monthly history, expenditure lines pooled together and
income lines apart; short or lumpy lines keep the run-rate rules.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from forecasts.lines.line_forecast import LineForecast, MonthForecast
from forecasts.lines.run_rate import actual_months, lumpy, run_rate, run_rate_line
from forecasts.series.engine import forecast_frame
from ledgers.readers.periods import FinancialYear

MIN_HISTORY = 12  # months of history a statistical forecast needs; fewer falls back to run-rate


def statistical_lines(
    names: list[str],
    history: pd.DataFrame,
    fy: FinancialYear,
    period: int,
    months: list[date],
    monthly: pd.DataFrame,
    models: tuple[str, ...],
    n_jobs: int = 1,
    dask_address: str | None = None,
    backtest: bool = True,
) -> dict[str, LineForecast]:
    """The panel engine on the lines' monthly amounts (in pounds inside the engine).

    Expenditure lines are one panel and income lines another (income forecast as a positive amount and
    turned back), so each pools its own trend. A line with under ``MIN_HISTORY`` months, or whose months
    come in lumps, keeps the run-rate rules.
    """
    out: dict[str, LineForecast] = {}
    panels: dict[str, list[pd.DataFrame]] = {"expenditure": [], "income": []}
    lumpy_lines: set[str] = set()
    for name in names:
        h = history[history["line"] == name]
        for kind, g in h.groupby("kind"):
            if len(g) < MIN_HISTORY or kind not in panels:
                continue
            pence = monthly_pence(g, fy_month_end(fy.start_year, period))
            if len(pence) < MIN_HISTORY:
                continue
            if lumpy([int(v) for v in pence]):
                lumpy_lines.add(name)
                continue
            sign = -1.0 if kind == "income" else 1.0
            panels[str(kind)].append(
                pd.DataFrame({"unique_id": name, "ds": pence.index, "y": sign * pence.to_numpy() / 100.0})
            )
    results = {
        kind: forecast_frame(
            pd.concat(frames),
            len(months),
            models=models,
            backtest=backtest,
            n_jobs=n_jobs,
            dask_address=dask_address,
        )
        for kind, frames in panels.items()
        if frames
    }
    for name in names:
        if name in lumpy_lines:
            out[name] = run_rate_line(
                name, months, monthly, period, "months come in lumps (quarterly or one-off): run-rate used"
            )
            continue
        found = {
            kind: r.forecasts[r.forecasts["unique_id"] == name].sort_values("ds")
            for kind, r in results.items()
            if (r.forecasts["unique_id"] == name).any()
        }
        if not found:
            out[name] = run_rate_line(
                name, months, monthly, period, f"fewer than {MIN_HISTORY} months of history: run-rate used"
            )
            continue
        rows = [MonthForecast(m) for m in months]
        methods, mases = [], []
        modelled = set(found)
        for kind in ("expenditure", "income"):
            # a side with too short a history (e.g. income new this year) is carried at its run rate
            rate, _ = run_rate(actual_months(monthly, name, kind, period))
            if kind in modelled or not rate:
                continue
            for mf in rows:
                setattr(mf, "income_p" if kind == "income" else "gross_p", rate)
                for attr in ("low_p", "high_p", "lo95_p", "hi95_p"):
                    setattr(mf, attr, (getattr(mf, attr) or 0) + rate)
            methods.append(f"{kind} at its run rate (under {MIN_HISTORY} months of history)")
        for kind, g in found.items():
            values = g[["y", "lo80", "hi80", "lo95", "hi95"]].to_numpy(dtype=float) * 100
            for mf, vals in zip(rows, values.round().astype(int).tolist(), strict=False):
                y, lo, hi, lo95, hi95 = vals
                if kind == "income":  # forecast as a positive amount: turned back, the bounds swap
                    y, lo, hi, lo95, hi95 = -y, -hi, -lo, -hi95, -lo95
                    mf.income_p = y
                else:
                    mf.gross_p = y
                mf.low_p = (mf.low_p or 0) + lo
                mf.high_p = (mf.high_p or 0) + hi
                mf.lo95_p = (mf.lo95_p or 0) + lo95
                mf.hi95_p = (mf.hi95_p or 0) + hi95
            methods.append(f"{kind} panel: {g['method'].iloc[0]}")
            bt = results[kind].backtest
            sel = bt[(bt["unique_id"] == name) & (bt["model"] == "ensemble")]
            if len(sel) and np.isfinite(sel["mase"].iloc[0]):
                mases.append(float(sel["mase"].iloc[0]))
        out[name] = LineForecast(
            name,
            "forecast",
            "statistical: " + "; ".join(methods),
            rows,
            weights="; ".join(methods),
            backtest_mase=max(mases) if mases else None,
        )
    return out


def monthly_pence(g: pd.DataFrame, last: pd.Timestamp) -> pd.Series:
    """One line's amounts by month end from its first month to ``last``; a month with no rows is 0."""
    ds = [fy_month_end(int(a), int(b)) for a, b in zip(g["fy"], g["period"], strict=True)]
    by_month = (
        pd.Series(g["amount_p"].to_numpy(dtype="int64"), index=pd.DatetimeIndex(ds)).groupby(level=0).sum()
    )
    grid = pd.date_range(by_month.index.min(), last, freq="ME")
    return by_month.reindex(grid, fill_value=0)


def fy_month_end(fy_start: int, period: int) -> pd.Timestamp:
    first = FinancialYear(fy_start).month(period)
    return pd.Timestamp(first) + pd.offsets.MonthEnd(0)
