"""The run-rate rules: a line's monthly rate from the year's actuals, one-off months left out, lumpy lines."""

from __future__ import annotations

import statistics
from datetime import date

import pandas as pd

from forecasts.lines.line_forecast import LineForecast, MonthForecast


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


def actual_months(monthly: pd.DataFrame, line: str, kind: str, period: int) -> list[int]:
    sel = monthly[(monthly["line"] == line) & (monthly["kind"] == kind)]
    by_p = {int(p): int(a) for p, a in zip(sel["period"], sel["amount_p"], strict=True)}
    return [by_p.get(p, 0) for p in range(1, period + 1)]


def run_rate_line(
    name: str, months: list[date], monthly: pd.DataFrame, period: int, note: str
) -> LineForecast:
    g_rate, g_note = run_rate(actual_months(monthly, name, "expenditure", period))
    i_rate, i_note = run_rate(actual_months(monthly, name, "income", period))
    notes = "; ".join(n for n in (note, g_note, i_note) if n and not n.startswith("no actuals"))
    return LineForecast(name, "run-rate", notes, [MonthForecast(m, g_rate, i_rate) for m in months])
