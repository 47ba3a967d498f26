"""The forecast's trajectory: each line's and heading's forecast year-end net outturn at every stored month end."""

from __future__ import annotations

from dataclasses import dataclass, field

from budget.monthend.history import MonthEndHistory
from budget.monthend.report import OutturnReport

LINE, HEADING, TOTAL = "line", "heading", "total"


@dataclass
class TrajectoryRow:
    """One line, heading or the grand total: its forecast at each month end run (pence; a month end never run
    is absent, not zero), its budget and, once the year is closed, its final outturn."""

    level: str
    name: str
    heading: str
    budget_net_p: int
    forecast_p: dict[int, int] = field(default_factory=dict)  # period → forecast year-end net
    final_net_p: int | None = None
    numbers: dict[int, float] = field(default_factory=dict)  # period → forecast average placements
    budget_numbers: float | None = None

    @property
    def moved_p(self) -> int:
        """How far the forecast moved over the year: highest less lowest forecast of the month ends run."""
        values = list(self.forecast_p.values())
        return max(values) - min(values) if len(values) > 1 else 0


@dataclass
class Trajectory:
    financial_year: str
    period_no: int
    periods: list[int]  # the month ends run, P1 … now
    closed: bool
    rows: list[TrajectoryRow]  # per heading: its lines, then the heading; the grand total last

    @property
    def lines(self) -> list[TrajectoryRow]:
        return [r for r in self.rows if r.level == LINE]

    @property
    def total(self) -> TrajectoryRow:
        return next(r for r in self.rows if r.level == TOTAL)

    def movers(self, n: int = 5) -> list[TrajectoryRow]:
        """The ``n`` lines whose forecast moved most (those that moved at all), largest first."""
        moved = [r for r in self.lines if r.moved_p > 0]
        return sorted(moved, key=lambda r: -r.moved_p)[:n]


def trajectory_for(history: MonthEndHistory, report: OutturnReport) -> Trajectory:
    """The trajectory to ``report``'s month end: the stored month ends up to it, the report's own figures at its
    period (so the sheet agrees with the report even when the run is not stored), the final when closed."""
    p = report.period_no
    stored = {(ln.period, ln.line): ln for ln in history.lines if ln.period < p}
    periods = sorted({q for q, _ in stored} | {p})
    final = {f.line: f for f in history.final}
    rows: list[TrajectoryRow] = []
    by_heading: dict[str, list[TrajectoryRow]] = {}
    for ln in report.lines:
        row = TrajectoryRow(
            LINE, ln.name, ln.heading, ln.figures.budget_net_p, budget_numbers=ln.budget_numbers
        )
        for q in periods[:-1]:
            old = stored.get((q, ln.name))
            if old is not None:
                row.forecast_p[q] = old.forecast_net_p
                if old.numbers is not None:
                    row.numbers[q] = float(old.numbers)
        row.forecast_p[p] = ln.figures.forecast_net_p
        if ln.numbers is not None:
            row.numbers[p] = float(ln.numbers)
        if history.closed:
            row.final_net_p = final[ln.name].final_net_p if ln.name in final else 0
        by_heading.setdefault(ln.heading, []).append(row)
    headings = []
    for name, members in by_heading.items():
        headings.append(_sum_row(HEADING, name, members, history.closed))
        rows += [*members, headings[-1]]
    total = _sum_row(TOTAL, "Grand Total", headings, history.closed)
    rows.append(total)
    return Trajectory(report.financial_year, p, periods, history.closed, rows)


def _sum_row(level: str, name: str, members: list[TrajectoryRow], closed: bool) -> TrajectoryRow:
    """The sum of ``members``: at each month end the sum of those run then (a gap when none was)."""
    row = TrajectoryRow(level, name, name if level == HEADING else "", sum(m.budget_net_p for m in members))
    for m in members:
        for q, v in m.forecast_p.items():
            row.forecast_p[q] = row.forecast_p.get(q, 0) + v
    if closed:
        row.final_net_p = sum(m.final_net_p or 0 for m in members)
    row.forecast_p = dict(sorted(row.forecast_p.items()))
    return row
