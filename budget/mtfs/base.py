"""Year 0 of the MTFS: the current year's forecast outturn by line, from the stored run (or computed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from budget.monthend.contract import contract_line_of
from budget.monthend.outturn import outturn_report
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import PERIOD_FORMS, FinancialYear, month_label, parse_month
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Settings


@dataclass(frozen=True)
class BaseLine:
    """A line's forecast outturn in the current year (pence)."""

    line: str
    heading: str
    gross_p: int
    income_p: int


@dataclass
class MtfsBase:
    authority: str
    fy: FinancialYear
    period_no: int
    source: str  # where year 0 came from, for the Notes
    lines: list[BaseLine]
    contract_value_p: int
    contract_line: str | None
    contract_year0_p: int = 0  # year 0's contract income: the contract line's forecast (else the value)
    placement_lines: set[str] = field(default_factory=set)

    @property
    def as_at(self) -> date:
        return self.fy.month_end(self.period_no)

    @property
    def period(self) -> str:
        return month_label(self.fy, self.period_no)


def mtfs_base(con: duckdb.DuckDBPyConnection, settings: Settings, period: str | None = None) -> MtfsBase:
    """Year 0: the latest stored outturn run of the workspace year (or of ``period``); computed without
    storing when none is stored."""
    fy = settings.financial_year
    if period is not None:
        pfy, p = parse_month(period, fy) if _is_month(period, fy) else (None, 0)
        if pfy != fy:
            raise WorkspaceError(
                f"--period {period} should be a month of {fy.label}: write it as {PERIOD_FORMS}"
            )
    else:
        row = con.execute("SELECT max(period) FROM outturn_lines WHERE fy = ?", [fy.start_year]).fetchone()
        p = int(row[0]) if row and row[0] is not None else 0
    stored = con.execute(
        "SELECT line, heading, forecast_gross_p, forecast_income_p, budget_gross_p, budget_income_p "
        "FROM outturn_lines WHERE fy = ? AND period = ? ORDER BY rowid",
        [fy.start_year, p],
    ).fetchall()
    if stored:
        lines = [BaseLine(r[0], r[1], int(r[2]), int(r[3])) for r in stored]
        budget_income = {r[0]: int(r[5] or 0) for r in stored}
        source = f"stored outturn run of P{p} ({month_label(fy, p)})"
    else:
        if p == 0:
            raise WorkspaceError(
                f"no outturn stored for {fy.label}: run 'careladder outturn --period YYYY-MM' first "
                "or give --period"
            )
        report = outturn_report(con, settings, month_label(fy, p), save=False)
        lines = [
            BaseLine(x.name, x.heading, x.figures.forecast_gross_p, x.figures.forecast_income_p)
            for x in report.lines
        ]
        budget_income = {x.name: x.figures.budget_income_p for x in report.lines}
        source = f"outturn computed for P{p} ({month_label(fy, p)}), not stored"
    contract_line = contract_line_of(settings, budget_income)
    placements = stored_placements(con)
    year0 = [-b.income_p - b.gross_p for b in lines if b.line == contract_line]
    return MtfsBase(
        settings.authority, fy, p, source, lines, settings.contract_value_p, contract_line,
        year0[0] if year0 else settings.contract_value_p,
        set(placements["line"]) if len(placements) else set(),
    )  # fmt: skip


def _is_month(text: str, fy: FinancialYear) -> bool:
    try:
        parse_month(text, fy)
    except ValueError:
        return False
    return True
