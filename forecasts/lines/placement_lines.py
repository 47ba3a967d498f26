"""Placement lines: commitments (open placements to their end), accruals for days not yet invoiced, and
the placement-mix model's range (and central forecast when the line is forecast statistically).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from forecasts.lines.line_forecast import LineForecast, MonthForecast
from forecasts.lines.run_rate import actual_months, run_rate
from forecasts.placements.commitments import actual_cost_by_month, commitments_by_month
from forecasts.placements.model import placement_forecast
from ledgers.readers.periods import FinancialYear


def placement_parts(
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
    monthly: pd.DataFrame,
) -> None:
    """Commitments, accruals and the placement-model range (and central forecast) for placement lines.

    Placements give the gross; the line's income (e.g. health contributions to placements) is carried at its
    own run rate beside it, so future income is forecast, never dropped."""
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
        if lf is not None:
            income = {m.month: m.income_p for m in lf.months}
            income_note = ""
        else:
            rate, income_note = run_rate(actual_months(monthly, line, "income", period))
            income = {m: rate for m in month_dates(c.index)}
            income_note = f"income at its run rate ({income_note})" if rate and income_note else ""
        months: list[MonthForecast] = []
        for m in lf.months if lf else [MonthForecast(x) for x in month_dates(c.index)]:
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
        notes = "; ".join(x for x in (detail, note, income_note) if x)
        out[line] = LineForecast(line, method, notes, months, accrual)


def month_dates(index: pd.Index) -> list[date]:
    return [pd.Timestamp(x).date() for x in index]


def placement_numbers_to_date(placements: pd.DataFrame, fy: FinancialYear, period: int) -> dict[str, float]:
    """Average placements per line over P1..period (placement-days / days)."""
    end = fy.month_end(period)
    cost = actual_cost_by_month(placements, fy.start, end)
    days = (end - fy.start + timedelta(days=1)).days
    totals = cost.groupby("line")["days"].sum()
    return {str(k): int(v) / days for k, v in zip(totals.index, totals.tolist(), strict=True)}
