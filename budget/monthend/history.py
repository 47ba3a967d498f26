"""The month-end history: every stored month end of a year, read by one query that every consumer uses.

Each `careladder outturn` run stores its lines (`outturn_lines`: budget, forecast year-end outturn, actuals to
date, forecast average placements) and its month-by-month forecast (`run_line_months`); `careladder year
close` stores the final outturn (`final_outturn`). The movement since the last month end, the movement since
the last quarter end, the trajectory and the accuracy against the final outturn all read them from here, so
they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from ledgers.readers.periods import FinancialYear

QUARTER_ENDS = (3, 6, 9, 12)


@dataclass(frozen=True)
class MonthEndLine:
    """One line as a stored month end saw it (pence)."""

    period: int
    line: str
    heading: str
    budget_net_p: int
    forecast_net_p: int  # forecast year-end net outturn
    actual_net_p: int  # net actuals to date at that month end
    numbers: float | None  # forecast average number of placements over the year (placement lines)
    method: str | None


@dataclass(frozen=True)
class FinalLine:
    """One line's final outturn, stored when the year was closed."""

    line: str
    heading: str
    order: int
    budget_net_p: int
    final_net_p: int
    numbers: float | None


@dataclass
class MonthEndHistory:
    """Every stored month end of one year, in the order the runs stored their lines."""

    fy: FinancialYear
    lines: list[MonthEndLine] = field(default_factory=list)
    month_net_p: dict[int, dict[tuple[str, date], int]] = field(default_factory=dict)  # period → forecast
    final: list[FinalLine] = field(default_factory=list)  # empty until the year is closed

    @property
    def periods(self) -> list[int]:
        return sorted({ln.period for ln in self.lines})

    @property
    def closed(self) -> bool:
        return bool(self.final)

    def at(self, period: int) -> list[MonthEndLine]:
        return [ln for ln in self.lines if ln.period == period]

    def forecast_nets(self, period: int) -> dict[str, int]:
        """Forecast year-end net by line at ``period`` (empty when that month end was never run)."""
        return {ln.line: ln.forecast_net_p for ln in self.at(period)}

    def previous(self, period: int) -> tuple[int | None, dict[str, int]]:
        """The latest stored month end before ``period``: (its period, forecast net by line)."""
        before = [p for p in self.periods if p < period]
        return (before[-1], self.forecast_nets(before[-1])) if before else (None, {})

    def previous_quarter_end(self, period: int) -> tuple[int | None, dict[str, int]]:
        """The latest stored quarter-end month end (P3, P6, P9, P12) before ``period``."""
        before = [p for p in self.periods if p < period and p in QUARTER_ENDS]
        return (before[-1], self.forecast_nets(before[-1])) if before else (None, {})

    def line_order(self) -> list[tuple[str, str]]:
        """(line, heading) of every line ever stored: the final outturn's order, then first appearance."""
        seen: dict[str, str] = {f.line: f.heading for f in sorted(self.final, key=lambda f: f.order)}
        for ln in self.lines:
            seen.setdefault(ln.line, ln.heading)
        return list(seen.items())


def month_end_history(con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> MonthEndHistory:
    """The month-end history of ``fy`` as stored."""
    history = MonthEndHistory(fy)
    columns = {r[0] for r in con.execute("DESCRIBE outturn_lines").fetchall()}
    numbers_col = "numbers" if "numbers" in columns else "NULL"  # a store not yet written by this version
    for period, line, heading, budget, forecast, actual, numbers, method in con.execute(
        "SELECT period, line, heading, COALESCE(budget_gross_p, 0) + COALESCE(budget_income_p, 0), "
        "forecast_gross_p + forecast_income_p, COALESCE(actual_gross_p, 0) + COALESCE(actual_income_p, 0), "
        f"{numbers_col}, method FROM outturn_lines WHERE fy = ? ORDER BY period, rowid",
        [fy.start_year],
    ).fetchall():
        history.lines.append(
            MonthEndLine(int(period), line, heading, int(budget), int(forecast), int(actual), numbers, method)
        )
    for period, line, month, net in con.execute(
        "SELECT period, line, month, sum(net_p) FROM run_line_months WHERE fy = ? GROUP BY ALL",
        [fy.start_year],
    ).fetchall():
        history.month_net_p.setdefault(int(period), {})[(line, month)] = int(net)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "final_outturn" not in tables:  # a store last opened for writing by an older careladder
        return history
    history.final = [
        FinalLine(r[0], r[1], int(r[2]), int(r[3]), int(r[4]) + int(r[5]), r[6])
        for r in con.execute(
            "SELECT line, heading, line_order, budget_net_p, final_gross_p, final_income_p, numbers "
            "FROM final_outturn WHERE fy = ? ORDER BY line_order",
            [fy.start_year],
        ).fetchall()
    ]
    return history
