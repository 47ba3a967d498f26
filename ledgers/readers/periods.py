"""UK financial years (April to March, written 2019/20) and periods P1 (April) to P12 (March)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_FY = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A financial year, identified by the calendar year in which it starts (2019 for 2019/20)."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        m = _FY.match(text.strip())
        if not m:
            raise ValueError(f"financial year '{text}' should be written like 2019/20")
        start = int(m.group(1))
        end = m.group(2)
        end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if end_year != start + 1 and not (len(end) == 2 and int(end) == (start + 1) % 100):
            raise ValueError(f"financial year '{text}' should span two consecutive years, like 2019/20")
        return cls(start)

    @classmethod
    def of(cls, d: date) -> FinancialYear:
        return cls(d.year if d.month >= 4 else d.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def month(self, period: int) -> date:
        """First day of the calendar month of period ``period`` (1..12)."""
        check_period(period)
        m = (period + 2) % 12 + 1
        return date(self.start_year + (1 if m <= 3 else 0), m, 1)

    def month_end(self, period: int) -> date:
        first = self.month(period)
        return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])

    def __str__(self) -> str:
        return self.label


def check_period(period: int) -> int:
    if not 1 <= int(period) <= 12:
        raise ValueError(f"period {period} is not between 1 (April) and 12 (March)")
    return int(period)


def period_of(d: date) -> tuple[FinancialYear, int]:
    """(financial year, period) of a date: April is P1, March is P12."""
    return FinancialYear.of(d), (d.month - 4) % 12 + 1


PERIOD_FORMS = "2019-12, Dec-19, December 2019 or P9 (a period of the workspace's financial year)"
_MONTH_NAMES = (
    {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_NAMED = re.compile(r"^([A-Za-z]+)[\s\-/.']*(\d{2}|\d{4})$")
_PERIOD_NO = re.compile(r"^[Pp](?:eriod)?\s*(\d{1,2})$")


def parse_month(text: str, fy: FinancialYear | None = None) -> tuple[FinancialYear, int]:
    """A command's ``--period`` as (financial year, period): 2019-12, Dec-19 and December 2019 are P9 of
    2019/20; P9 is period 9 of ``fy`` (the workspace's year)."""
    t = text.strip()
    m = _MONTH.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        return period_of(date(int(m.group(1)), int(m.group(2)), 1))
    named = _NAMED.match(t)
    if named and named.group(1).lower() in _MONTH_NAMES:
        year = int(named.group(2))
        return period_of(date(year + 2000 if year < 100 else year, _MONTH_NAMES[named.group(1).lower()], 1))
    number = _PERIOD_NO.match(t)
    if number and 1 <= int(number.group(1)) <= 12:
        if fy is None:
            raise ValueError(f"--period '{text}' names a period number: give the month instead, e.g. 2019-12")
        return fy, int(number.group(1))
    raise ValueError(f"--period '{text}' is not a month: write it as {PERIOD_FORMS}")


def month_label(fy: FinancialYear, period: int) -> str:
    """Period as the calendar month ``YYYY-MM``."""
    return fy.month(period).strftime("%Y-%m")


def days_in_month(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]
