"""The month-by-month view: each line's actual net by month to date, its forecast for each month after, and
its budget profile, so the run rate is visible."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from budget.monthend.report import OutturnReport
from forecasts.lines import LineForecast
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine


@dataclass
class MonthlyLine:
    """One line's twelve months (pence): actual to the period, forecast after it, and its budget profile."""

    name: str
    heading: str
    months_p: list[int]  # P1..P12: actual net to the period, forecast net after
    other_p: int  # in the forecast outturn but in no month: accruals to date and officer adjustments
    profile_p: list[int]  # P1..P12 budget profile (net)

    @property
    def year_p(self) -> int:
        return sum(self.months_p) + self.other_p


@dataclass
class MonthlyView:
    financial_year: str
    period_no: int
    month_labels: list[str]  # "Apr-19" … "Mar-20"
    lines: list[MonthlyLine]


def monthly_view(
    report: OutturnReport,
    fy: FinancialYear,
    budget: list[BudgetLine],
    actual_monthly: pd.DataFrame,
    forecasts: dict[str, LineForecast],
) -> MonthlyView:
    """Every report line by month; each line's months and other amounts sum exactly to its forecast net."""
    p = report.period_no
    actual: dict[tuple[str, int], int] = {}
    if len(actual_monthly):
        for line, q, amount in zip(
            actual_monthly["line"], actual_monthly["period"], actual_monthly["amount_p"].tolist(), strict=True
        ):
            key = (str(line), int(q))
            actual[key] = actual.get(key, 0) + int(amount)
    profiles = {b.line: b.profile_p for b in budget}
    out: list[MonthlyLine] = []
    for ln in report.lines:
        months = [actual.get((ln.name, q), 0) for q in range(1, p + 1)]
        lf = forecasts.get(ln.name)
        ahead = {m.month: m.net_p for m in lf.months} if lf else {}
        months += [ahead.get(fy.month(q), 0) for q in range(p + 1, 13)]
        other = ln.figures.forecast_net_p - sum(months)
        out.append(MonthlyLine(ln.name, ln.heading, months, other, list(profiles.get(ln.name, [0] * 12))))
    labels = [fy.month(q).strftime("%b-%y") for q in range(1, 13)]
    return MonthlyView(report.financial_year, p, labels, out)
