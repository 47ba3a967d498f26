"""Bank balances at month ends: the opening balance of the cash position."""

from __future__ import annotations

import calendar
from pathlib import Path

from ledgers.readers.columns import DATE, MONEY, Col, Spec
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede
from ledgers.store.schema import Store

CASH_BALANCES = Spec(
    "cash",
    (
        Col("date", DATE, True, ("balance_date", "as_at", "month_end")),
        Col("balance", MONEY, True, ("cash_balance", "bank_balance", "closing_balance")),
    ),
)


def import_cash_balances(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None
) -> ImportOutcome:
    """Import month-end bank balances (date, balance); replaces the stored balances."""
    return run_import(store, path, CASH_BALANCES, fy, _validate, _save, sheet)


def _validate(ctx: ImportContext) -> list[Problem]:
    problems = []
    seen: dict[object, int] = {}
    for row, when in ctx.con.execute(
        f"SELECT _row, date FROM {ctx.parsed} WHERE date IS NOT NULL ORDER BY _row"
    ).fetchall():
        if when.day != calendar.monthrange(when.year, when.month)[1]:
            problems.append(
                Problem(
                    ctx.raw.file,
                    row,
                    "date",
                    f"{when:%d/%m/%Y} is not a month end (a balance is at one)",
                    ERROR,
                )
            )
        if when in seen:
            problems.append(
                Problem(
                    ctx.raw.file,
                    row,
                    "date",
                    f"a balance at {when:%d/%m/%Y} is already on row {seen[when]}",
                    ERROR,
                )
            )
        seen.setdefault(when, row)
    return problems


def _save(ctx: ImportContext) -> None:
    con, out = ctx.con, ctx.outcome
    supersede(con, "cash", "cash_balances")
    con.execute(f"INSERT INTO cash_balances SELECT date, balance_p, _row, {ctx.import_id} FROM {ctx.parsed}")
    n, total = con.execute(
        "SELECT count(*), COALESCE(sum(balance_p), 0) FROM cash_balances WHERE import_id = ?", [ctx.import_id]
    ).fetchall()[0]
    out.rows_stored, out.stored_total_p = int(n), int(total)
    out.control_total_p = int(
        con.execute(f"SELECT COALESCE(sum(balance_p), 0) FROM {ctx.parsed}").fetchall()[0][0]
    )
