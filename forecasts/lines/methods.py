"""Every budget line forecast by its method for the months after a period end."""

from __future__ import annotations

import pandas as pd

from forecasts.lines.line_forecast import LineForecast, MonthForecast, months_after
from forecasts.lines.placement_lines import placement_parts
from forecasts.lines.profile import profile_line
from forecasts.lines.run_rate import run_rate_line
from forecasts.lines.statistical import statistical_lines
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine

METHODS = ("actuals", "run-rate", "profile", "commitments", "forecast")
STAT_MODELS = ("naive", "drift", "trend", "regression", "prophet")  # members of the panel engine


def line_forecasts(
    fy: FinancialYear,
    period: int,
    lines: list[BudgetLine],
    extra_lines: list[str],
    monthly: pd.DataFrame,
    history: pd.DataFrame,
    placements: pd.DataFrame,
    invoiced: pd.DataFrame,
    *,
    horizon: int | None = None,
    ranges: bool = True,
    models: tuple[str, ...] = STAT_MODELS,
    draws: int = 200,
    backtest: bool = True,
    stored: dict[str, LineForecast] | None = None,
    n_jobs: int = 1,
    dask_address: str | None = None,
) -> dict[str, LineForecast]:
    """Forecast every line for the months after ``period``.

    ``monthly``: this year's actuals (line, kind, period, amount_p); ``history``: every stored month
    (line, kind, fy, period, amount_p); ``invoiced``: ledger actuals to date by line and placement_id;
    ``stored``: statistical forecasts already made for this period (`careladder forecast`), reused as they are
    so the outturn shows the numbers the forecast run stored; without ``backtest`` the statistical lines take
    the equal-weight mean of ``models`` (quick: for month ends stored only as history).
    """
    months = months_after(fy, period, horizon)
    period_end = fy.month_end(period)
    until = (pd.Timestamp(months[-1]) + pd.offsets.MonthEnd(0)).date() if months else period_end
    placement_lines = set(placements["line"]) if len(placements) else set()
    budget = {b.line: b for b in lines}
    out: dict[str, LineForecast] = {}
    stat_lines: list[str] = []
    for name in [b.line for b in lines] + [x for x in extra_lines if x not in budget]:
        b = budget.get(name)
        method = (b.method if b and b.method else None) or (
            "commitments" if name in placement_lines else "run-rate"
        )
        if b is None:
            # suspense and unbudgeted codes: reported at their actuals, never projected forward
            out[name] = LineForecast(
                name, "actuals", "not a budget line: actuals only", [MonthForecast(m) for m in months]
            )
        elif method == "commitments" and name not in placement_lines:
            out[name] = run_rate_line(
                name, months, monthly, period, "no placements on this line: run-rate used"
            )
        elif method == "actuals" or not months:
            out[name] = LineForecast(name, "actuals", "", [MonthForecast(m) for m in months])
        elif method == "profile" and b is not None:
            out[name] = profile_line(b, months, fy)
        elif method == "forecast" and stored and name in stored and name not in placement_lines:
            kept = [m for m in stored[name].months if m.month in months]
            if len(kept) == len(months):
                out[name] = LineForecast(**{**stored[name].__dict__, "months": kept})
            else:
                stat_lines.append(name)
        elif method == "forecast":
            stat_lines.append(name)
        elif method == "commitments":
            out[name] = run_rate_line(name, months, monthly, period, "")
            out[name].method = "commitments"
        else:
            out[name] = run_rate_line(name, months, monthly, period, "")
    if not months:
        return out
    if placement_lines:
        placement_parts(
            out, placements, invoiced, fy, period, period_end, until, stat_lines, ranges, draws, monthly
        )
    remaining_stat = [x for x in stat_lines if x not in out]
    if remaining_stat:
        out.update(
            statistical_lines(
                remaining_stat, history, fy, period, months, monthly, models, n_jobs, dask_address, backtest
            )
        )
    return out
