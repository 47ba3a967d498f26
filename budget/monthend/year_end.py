"""Closing a financial year and starting the next in the same workspace.

`close` runs the final outturn at P12 (the ledger's period 13 of year-end adjustments included where the
finance system has one), stores it with the final surplus share and marks the year closed: later imports into
it are refused until it is reopened. `start` moves the workspace to the next year: the new budget is imported
as usual, the savings plan (recurrent schemes slip on by themselves), the officers' commentary keys and the
named scenarios carry forward, and last year's ledger stays as history for the forecasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from budget.monthend.history import month_end_history
from budget.monthend.outturn import outturn_report
from budget.monthend.report import OutturnReport
from budget.monthend.story import latest_track_record, settings_for_year
from budget.monthend.trajectory import trajectory_for
from ledgers.readers.periods import FinancialYear, month_label
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Settings, Workspace, set_financial_year
from ledgers.store.years import CLOSED, REOPENED, is_closed


@dataclass(frozen=True)
class YearStart:
    previous: FinancialYear
    year: FinancialYear
    previous_closed: bool
    commentary_keys: int  # officers' commentary keys carried into the new year
    workspace: Workspace


def close_year(con: duckdb.DuckDBPyConnection, settings: Settings, fy: FinancialYear) -> OutturnReport:
    """The final outturn of ``fy`` at P12, stored with its surplus share; the year is then closed."""
    if is_closed(con, fy):
        raise WorkspaceError(f"{fy.label} is already closed; 'careladder year reopen {fy.label}' reopens it")
    march = con.execute(
        "SELECT count(*) FROM ledger WHERE fy = ? AND period >= 12", [fy.start_year]
    ).fetchall()
    if not march[0][0]:
        raise WorkspaceError(
            f"no March (P12) ledger rows are stored for {fy.label}: import the year-end ledger before closing"
        )
    report = outturn_report(con, settings_for_year(settings, fy), month_label(fy, 12))
    s = report.surplus
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM final_outturn WHERE fy = ?", [fy.start_year])
    con.executemany(
        "INSERT INTO final_outturn VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                fy.start_year,
                ln.name,
                ln.heading,
                i,
                ln.figures.budget_net_p,
                ln.figures.forecast_gross_p,
                ln.figures.forecast_income_p,
                ln.numbers,
            ]
            for i, ln in enumerate(report.lines)
        ],
    )
    con.execute("DELETE FROM years WHERE fy = ?", [fy.start_year])
    con.execute(
        "INSERT INTO years VALUES (?, ?, 12, ?, ?, ?, ?, ?)",
        [
            fy.start_year,
            CLOSED,
            s.net_position_p,
            s.council_share_p,
            s.retained_share_p,
            s.final_contract_sum_p,
            datetime.now(),
        ],
    )
    con.execute("COMMIT")
    # the report again as the closed year reads: its trajectory now ends in the final outturn
    report.trajectory = trajectory_for(month_end_history(con, fy), report)
    report.track_record = latest_track_record(con, settings, fy)
    return report


def reopen_year(con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> None:
    """Reopen a closed year: imports into it are accepted again and its final outturn is withdrawn."""
    if not is_closed(con, fy):
        raise WorkspaceError(f"{fy.label} is not closed")
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM final_outturn WHERE fy = ?", [fy.start_year])
    con.execute(
        "UPDATE years SET status = ?, changed_at = ? WHERE fy = ?", [REOPENED, datetime.now(), fy.start_year]
    )
    con.execute("COMMIT")


def start_year(
    con: duckdb.DuckDBPyConnection, path: Path, settings: Settings, year: FinancialYear
) -> YearStart:
    """Move the workspace at ``path`` on to ``year`` (the year after its current one)."""
    current = settings.financial_year
    if year.start_year != current.start_year + 1:
        raise WorkspaceError(
            f"the workspace is for {current.label}: the next year to start is "
            f"{FinancialYear(current.start_year + 1).label}, not {year.label}"
        )
    budget = con.execute("SELECT count(*) FROM budget WHERE fy = ?", [current.start_year]).fetchall()[0][0]
    if not budget:
        raise WorkspaceError(f"no budget is stored for {current.label}: there is no year to move on from")
    keys = _carry_commentary(con, current, year)
    ws = set_financial_year(path, year)
    return YearStart(current, year, is_closed(con, current), keys, ws)


def _carry_commentary(con: duckdb.DuckDBPyConnection, previous: FinancialYear, year: FinancialYear) -> int:
    """Each commentary key's latest words of ``previous`` become ``year``'s words at period 0 (shown as carried
    forward from last year until an officer writes new ones); returns how many keys."""
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM commentary WHERE fy = ? AND period = 0", [year.start_year])
    con.execute(
        """INSERT INTO commentary
           SELECT ?, 0, key, text, author, variance_p, entered_at FROM (
               SELECT *, row_number() OVER (PARTITION BY key ORDER BY period DESC, entered_at DESC) AS n
               FROM commentary WHERE fy = ?) WHERE n = 1""",
        [year.start_year, previous.start_year],
    )
    n = con.execute(
        "SELECT count(*) FROM commentary WHERE fy = ? AND period = 0", [year.start_year]
    ).fetchall()
    con.execute("COMMIT")
    return int(n[0][0])
