"""The profile method: the remaining budget profile, split between gross and income to the penny."""

from __future__ import annotations

from datetime import date

from forecasts.lines.line_forecast import LineForecast, MonthForecast
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine


def split_net(net_p: int, gross_p: int, income_p: int) -> tuple[int, int]:
    """Split a net amount between gross and income in the budget's proportion (exact to the penny)."""
    if income_p == 0 or gross_p + income_p == 0:
        return (0, net_p) if gross_p == 0 and income_p != 0 else (net_p, 0)
    g = int(round(net_p * gross_p / (gross_p + income_p)))
    return g, net_p - g


def profile_line(b: BudgetLine, months: list[date], fy: FinancialYear) -> LineForecast:
    out = []
    for m in months:
        p = (m.month - 4) % 12 + 1
        g, i = split_net(b.profile_p[p - 1], b.gross_p, b.income_p)
        out.append(MonthForecast(m, g, i))
    return LineForecast(b.line, "profile", "", out)
