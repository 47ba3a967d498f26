"""A line's forecast: its months (gross, income, ranges, numbers) and the months a forecast covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ledgers.readers.periods import FinancialYear


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
