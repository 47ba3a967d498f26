"""Forecast of every budget line for the months after a period end, by the line's method.

Methods: ``actuals`` (nothing further), ``run-rate`` (recent monthly average, one-off spikes excluded),
``profile`` (the remaining budget profile), ``commitments`` (open placements costed to their end, planned end
or the horizon, plus placement days to date not yet invoiced), ``forecast`` (the panel engine on the
line's monthly history, expenditure lines pooled together and income lines apart; lumpy lines keep the
run-rate rules; on placement lines the placement-mix model). Amounts are integer pence.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasts.placements.commitments import actual_cost_by_month, commitments_by_month
from forecasts.placements.model import placement_forecast
from forecasts.series.engine import forecast_frame
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine

METHODS = ("actuals", "run-rate", "profile", "commitments", "forecast")
MIN_HISTORY = 12  # months of history a statistical forecast needs; fewer falls back to run-rate
STAT_MODELS = ("naive", "drift", "trend", "prophet")  # members of the panel engine


@dataclass
class MonthForecast:
    month: date
    gross_p: int = 0
    income_p: int = 0
    low_p: int | None = None  # 80% range of the net
    high_p: int | None = None
    lo95_p: int | None = None
    hi95_p: int | None = None
    numbers: float | None = None
    numbers_low: float | None = None
    numbers_high: float | None = None

    @property
    def net_p(self) -> int:
        return self.gross_p + self.income_p


@dataclass
class LineForecast:
    line: str
    method: str
    note: str = ""
    months: list[MonthForecast] = field(default_factory=list)
    accrual_p: int = 0  # placement days to date not yet invoiced (commitments lines)
    weights: str = ""
    backtest_mase: float | None = None

    def remaining(self, until: date) -> tuple[int, int]:
        """(gross, income) of the months up to ``until``, plus any accrual (in gross)."""
        ms = [m for m in self.months if m.month <= until]
        return sum(m.gross_p for m in ms) + self.accrual_p, sum(m.income_p for m in ms)

    def range_net(self, until: date) -> tuple[int | None, int | None]:
        """(low, high) of the remaining net to ``until`` when the method gives a range."""
        ms = [m for m in self.months if m.month <= until]
        if not ms or any(m.low_p is None or m.high_p is None for m in ms):
            return None, None
        return (
            sum(int(m.low_p or 0) for m in ms) + self.accrual_p,
            sum(int(m.high_p or 0) for m in ms) + self.accrual_p,
        )


def months_after(fy: FinancialYear, period: int, horizon: int | None) -> list[date]:
    """First days of the months after ``period`` of ``fy``: to the year end, or ``horizon`` months."""
    first = fy.month(period)
    n = 12 - period if horizon is None else horizon
    out = []
    y, m = first.year, first.month
    for _ in range(n):
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(date(y, m, 1))
    return out


def run_rate(values: list[int]) -> tuple[int, str]:
    """Monthly run rate of the year's actuals so far.

    A month is an outlier when it differs from the median month by more than max(3 × 1.4826 × MAD, 50% of
    |median|) — a robust rule. A single outlier is a one-off (one large invoice or credit) and is left out; the
    rate is then the mean of the last three other months. Several outliers are a pattern, not one-offs
    (quarterly receipts, 4-weekly invoices landing two to a month): the rate is then the mean of every month so
    far, so a quarterly receipt is forecast at a third a month. Needs four months to judge.
    """
    if not values:
        return 0, "no actuals yet: nothing forecast"
    outliers: list[int] = []
    if len(values) >= 4:
        med = statistics.median(values)
        mad = statistics.median(abs(v - med) for v in values)
        limit = max(3 * 1.4826 * mad, 0.5 * abs(med))
        outliers = [i for i, v in enumerate(values) if abs(v - med) > limit]
    if len(outliers) > 1:
        return int(round(sum(values) / len(values))), "uneven months: year-to-date monthly average used"
    kept = [v for i, v in enumerate(values) if i not in outliers][-3:] or values[-3:]
    rate = int(round(sum(kept) / len(kept)))
    note = ""
    if outliers:
        i = outliers[0]
        note = f"one-off month excluded from the run rate: P{i + 1} (£{values[i] / 100:,.0f})"
    return rate, note


def _split(net_p: int, gross_p: int, income_p: int) -> tuple[int, int]:
    """Split a net amount between gross and income in the budget's proportion (exact to the penny)."""
    if income_p == 0 or gross_p + income_p == 0:
        return (0, net_p) if gross_p == 0 and income_p != 0 else (net_p, 0)
    g = int(round(net_p * gross_p / (gross_p + income_p)))
    return g, net_p - g


def _actual_months(monthly: pd.DataFrame, line: str, kind: str, period: int) -> list[int]:
    sel = monthly[(monthly["line"] == line) & (monthly["kind"] == kind)]
    by_p = {int(p): int(a) for p, a in zip(sel["period"], sel["amount_p"], strict=True)}
    return [by_p.get(p, 0) for p in range(1, period + 1)]


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
    stored: dict[str, LineForecast] | None = None,
    n_jobs: int = 1,
    dask_address: str | None = None,
) -> dict[str, LineForecast]:
    """Forecast every line for the months after ``period``.

    ``monthly``: this year's actuals (line, kind, period, amount_p); ``history``: every stored month
    (line, kind, fy, period, amount_p); ``invoiced``: ledger actuals to date by line and placement_id;
    ``stored``: statistical forecasts already made for this period (`careladder forecast`), reused as they are
    so the outturn shows the numbers the forecast run stored.
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
            out[name] = _run_rate_line(
                name, months, monthly, period, "no placements on this line: run-rate used"
            )
        elif method == "actuals" or not months:
            out[name] = LineForecast(name, "actuals", "", [MonthForecast(m) for m in months])
        elif method == "profile" and b is not None:
            out[name] = _profile_line(b, months, fy)
        elif method == "forecast" and stored and name in stored and name not in placement_lines:
            kept = [m for m in stored[name].months if m.month in months]
            if len(kept) == len(months):
                out[name] = LineForecast(**{**stored[name].__dict__, "months": kept})
            else:
                stat_lines.append(name)
        elif method == "forecast":
            stat_lines.append(name)
        elif method == "commitments":
            out[name] = _run_rate_line(name, months, monthly, period, "")
            out[name].method = "commitments"
        else:
            out[name] = _run_rate_line(name, months, monthly, period, "")
    if not months:
        return out
    if placement_lines:
        _placement_parts(out, placements, invoiced, fy, period, period_end, until, stat_lines, ranges, draws)
    remaining_stat = [x for x in stat_lines if x not in out]
    if remaining_stat:
        out.update(
            _statistical(remaining_stat, history, fy, period, months, monthly, models, n_jobs, dask_address)
        )
    return out


def _run_rate_line(
    name: str, months: list[date], monthly: pd.DataFrame, period: int, note: str
) -> LineForecast:
    g_rate, g_note = run_rate(_actual_months(monthly, name, "expenditure", period))
    i_rate, i_note = run_rate(_actual_months(monthly, name, "income", period))
    notes = "; ".join(n for n in (note, g_note, i_note) if n and not n.startswith("no actuals"))
    return LineForecast(name, "run-rate", notes, [MonthForecast(m, g_rate, i_rate) for m in months])


def _profile_line(b: BudgetLine, months: list[date], fy: FinancialYear) -> LineForecast:
    out = []
    for m in months:
        p = (m.month - 4) % 12 + 1
        g, i = _split(b.profile_p[p - 1], b.gross_p, b.income_p)
        out.append(MonthForecast(m, g, i))
    return LineForecast(b.line, "profile", "", out)


def _placement_parts(
    out: dict[str, LineForecast],
    placements: pd.DataFrame,
    invoiced: pd.DataFrame,
    fy: FinancialYear,
    period: int,
    period_end: date,
    until: date,
    stat_lines: list[str],
    ranges: bool,
    draws: int,
) -> None:
    """Commitments, accruals and the placement-model range (and central forecast) for placement lines."""
    commit = commitments_by_month(placements, period_end, until)
    model = (
        placement_forecast(placements, period_end, until, draws=draws, seed=fy.start_year * 100 + period)
        if ranges or stat_lines
        else None
    )
    cost_to_date = actual_cost_by_month(placements, fy.start, period_end)
    known = set(placements["placement_id"])
    for line in sorted(set(placements["line"])):
        lf = out.get(line)
        use_model = line in stat_lines
        if lf is None and not use_model:
            continue
        if lf is not None and lf.method != "commitments" and not use_model:
            continue
        c = commit[commit["line"] == line].set_index("month")
        mdl = model[model["line"] == line].set_index("month") if model is not None else None
        income = {m.month: m.income_p for m in lf.months} if lf else {}
        months: list[MonthForecast] = []
        for m in lf.months if lf else [MonthForecast(pd.Timestamp(x).date()) for x in c.index]:
            ts = pd.Timestamp(m.month)
            mf = MonthForecast(m.month, income_p=income.get(m.month, 0))
            if use_model and mdl is not None and ts in mdl.index:
                r = mdl.loc[ts]
                mf.gross_p = int(r["cost_p"])
            elif ts in c.index:
                mf.gross_p = int(c.loc[ts, "cost_p"])
            if mdl is not None and ts in mdl.index:
                r = mdl.loc[ts]
                mf.low_p, mf.high_p = int(r["cost_low_p"]) + mf.income_p, int(r["cost_high_p"]) + mf.income_p
                mf.numbers, mf.numbers_low, mf.numbers_high = (
                    float(r["numbers"]),
                    float(r["numbers_low"]),
                    float(r["numbers_high"]),
                )
                if not use_model and ts in c.index:
                    # the range always contains the commitments figure itself
                    mf.low_p = min(mf.low_p, mf.net_p)
                    mf.numbers = float(c.loc[ts, "numbers"])
            elif ts in c.index:
                mf.numbers = float(c.loc[ts, "numbers"])
            months.append(mf)
        accrual = 0
        note = ""
        if period < 12:
            placed = placements[placements["line"] == line]
            billed = invoiced[(invoiced["line"] == line) & invoiced["placement_id"].isin(known)]
            if len(billed):
                due = int(cost_to_date[cost_to_date["line"] == line]["cost_p"].sum())
                paid = int(billed["amount_p"].sum())
                accrual = due - paid
                note = (
                    f"placement days to {period_end:%d/%m/%Y} cost £{due / 100:,.2f}, invoiced "
                    f"£{paid / 100:,.2f}: £{accrual / 100:,.2f} accrued"
                )
            elif len(placed):
                note = "ledger rows carry no placement ids: no accrual for days not yet invoiced"
        method = "forecast" if use_model else "commitments"
        detail = "placement-mix model (stock and flow)" if use_model else "open placements to their end dates"
        out[line] = LineForecast(line, method, "; ".join(x for x in (detail, note) if x), months, accrual)


def lumpy(values: list[int]) -> bool:
    """Months that come in lumps (quarterly invoices, one-off credits): any outlier by ``run_rate``'s
    robust rule over the last 12 months of history. Such a line keeps its run-rate rules."""
    recent = values[-12:]
    if len(recent) < 4:
        return False
    med = statistics.median(recent)
    mad = statistics.median(abs(v - med) for v in recent)
    limit = max(3 * 1.4826 * mad, 0.5 * abs(med))
    return any(abs(v - med) > limit for v in recent)


def _statistical(
    names: list[str],
    history: pd.DataFrame,
    fy: FinancialYear,
    period: int,
    months: list[date],
    monthly: pd.DataFrame,
    models: tuple[str, ...],
    n_jobs: int = 1,
    dask_address: str | None = None,
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
            pd.concat(frames), len(months), models=models, n_jobs=n_jobs, dask_address=dask_address
        )
        for kind, frames in panels.items()
        if frames
    }
    for name in names:
        if name in lumpy_lines:
            out[name] = _run_rate_line(
                name, months, monthly, period, "months come in lumps (quarterly or one-off): run-rate used"
            )
            continue
        found = {
            kind: r.forecasts[r.forecasts["unique_id"] == name].sort_values("ds")
            for kind, r in results.items()
            if (r.forecasts["unique_id"] == name).any()
        }
        if not found:
            out[name] = _run_rate_line(
                name, months, monthly, period, f"fewer than {MIN_HISTORY} months of history: run-rate used"
            )
            continue
        rows = [MonthForecast(m) for m in months]
        methods, mases = [], []
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


def placement_numbers_to_date(placements: pd.DataFrame, fy: FinancialYear, period: int) -> dict[str, float]:
    """Average placements per line over P1..period (placement-days / days)."""
    end = fy.month_end(period)
    cost = actual_cost_by_month(placements, fy.start, end)
    days = (end - fy.start + timedelta(days=1)).days
    totals = cost.groupby("line")["days"].sum()
    return {str(k): int(v) / days for k, v in zip(totals.index, totals.tolist(), strict=True)}
