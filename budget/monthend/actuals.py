"""Whether the stored ledger holds the actuals a month end needs, and the period a run's actuals reach."""

from __future__ import annotations

import duckdb

from ledgers.importers.kinds import settings_reclassified
from ledgers.readers.periods import FinancialYear, month_label, parse_month
from ledgers.readers.problems import WorkspaceError
from ledgers.store.queries import ledger_periods
from ledgers.store.workspace import Settings


def checked_period(settings: Settings, period: str) -> tuple[FinancialYear, int]:
    try:
        fy, p = parse_month(period, settings.financial_year)
    except ValueError as exc:
        raise WorkspaceError(str(exc)) from None
    if fy != settings.financial_year:
        raise WorkspaceError(
            f"--period {period} is in {fy.label}, but the workspace is for {settings.financial_year.label}"
        )
    return fy, p


def actuals_gap(con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int) -> str | None:
    """Why the stored ledger does not hold the actuals to ``period`` (None when it does): it stops short of
    the period, or months before it hold no postings at all."""
    held = ledger_periods(con, fy.start_year)
    if not held:
        return f"no ledger rows are stored for {fy.label}"
    last = max(held)
    if last < period:
        return (
            f"the ledger holds {fy.label} postings to P{last} ({month_label(fy, last)}) only, "
            f"not to P{period} ({month_label(fy, period)})"
        )
    missing = [p for p in range(1, period + 1) if p not in held]
    if missing:
        listed = ", ".join(f"P{p} ({month_label(fy, p)})" for p in missing)
        return f"the ledger holds no {fy.label} postings for {listed}"
    return None


def checked_actuals(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, allow_missing: bool
) -> str | None:
    """Refuse a month end the ledger does not reach unless ``allow_missing``; returns the gap (or None)."""
    if not con.execute("SELECT count(*) FROM budget WHERE fy = ?", [fy.start_year]).fetchall()[0][0]:
        raise WorkspaceError(f"no budget stored for {fy.label}: run 'careladder budget import FILE' first")
    gap = actuals_gap(con, fy, period)
    if gap is not None and not allow_missing:
        raise WorkspaceError(
            f"{gap}: import the ledger to {month_label(fy, period)} first ('careladder ledger import FILE' with "
            f"the year to date to P{period}), or run with --allow-missing-actuals to forecast without them"
        )
    return gap


def actuals_period(con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int) -> int:
    """The month end the actuals run to: ``period``, or the ledger's last period when it stops short (the
    months after it are then forecast, not left out)."""
    held = ledger_periods(con, fy.start_year)
    return min(period, max(held)) if held else period


def missing_actuals_text(gap: str | None, fy: FinancialYear, period: int, actuals_to: int) -> str | None:
    """The sentence every sheet's title block carries when run with --allow-missing-actuals."""
    if gap is None:
        return None
    if actuals_to < period:
        months = f"P{actuals_to + 1}" + (f"–P{period}" if period > actuals_to + 1 else "")
        how = f"{months} forecast, not actuals"
    else:
        how = "months without postings counted as nil"
    return f"ACTUALS MISSING: {gap} (run with --allow-missing-actuals: {how})"


def reclassified(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """Re-classify stored ledger rows as expenditure or income if the income_accounts setting changed."""
    con.execute("BEGIN TRANSACTION")
    try:
        messages = settings_reclassified(con, settings.income_accounts)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return messages
