"""Which financial years of the store are closed: a closed year's ledger, budget and adjustments are final."""

from __future__ import annotations

import duckdb

from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import WorkspaceError

CLOSED, REOPENED = "closed", "reopened"


def closed_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Start years of the closed financial years."""
    return {int(r[0]) for r in con.execute("SELECT fy FROM years WHERE status = ?", [CLOSED]).fetchall()}


def is_closed(con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> bool:
    return fy.start_year in closed_years(con)


def closed_message(fy: FinancialYear) -> str:
    return (
        f"{fy.label} is closed (its final outturn is stored): reopen it with "
        f"'careladder year reopen {fy.label}' before changing it"
    )


def refuse_if_closed(con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> None:
    """WorkspaceError when ``fy`` is closed."""
    if is_closed(con, fy):
        raise WorkspaceError(closed_message(fy))
