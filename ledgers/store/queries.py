"""Reading the store back: budget lines, actuals by line and month, adjustments, previous outturn runs."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ledgers.store.schema import SUSPENSE_LINE


@dataclass
class BudgetLine:
    line: str
    heading: str
    order: int
    gross_p: int
    income_p: int
    profile_p: list[int]  # net, P1..P12
    method: str | None
    budget_numbers: float | None
    budget_unit_cost_p: int | None
    funded_by: str | None

    @property
    def net_p(self) -> int:
        return self.gross_p + self.income_p

    @property
    def is_income(self) -> bool:
        return self.gross_p == 0 and self.income_p != 0


@dataclass
class Actuals:
    """Actuals of the year to a period, by line: gross (expenditure) and income, and per month."""

    gross_p: dict[str, int] = field(default_factory=dict)
    income_p: dict[str, int] = field(default_factory=dict)
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)  # line, kind, period, amount_p


YEAR_END_PERIOD = 13  # a ledger's period 13: the year-end adjustments, part of P12 (March) in every report


def _upto(period: int) -> int:
    """The last ledger period a report at ``period`` includes: P12 includes the year-end adjustments (P13)."""
    return YEAR_END_PERIOD if period >= 12 else period


def budget_lines(con: duckdb.DuckDBPyConnection, fy: int) -> list[BudgetLine]:
    rows = con.execute(
        "SELECT line, heading, line_order, gross_p, income_p, profile_p, method, budget_numbers, "
        "budget_unit_cost_p, funded_by FROM budget WHERE fy = ? ORDER BY line_order",
        [fy],
    ).fetchall()
    return [
        BudgetLine(
            r[0],
            r[1],
            int(r[2]),
            int(r[3]),
            int(r[4]),
            [int(x) for x in (r[5] or [0] * 12)],
            r[6],
            r[7],
            None if r[8] is None else int(r[8]),
            r[9],
        )
        for r in rows
    ]


def actuals_to(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> Actuals:
    """Ledger actuals of ``fy`` for P1..``period``, gross and income by line, and by month."""
    monthly = con.execute(
        "SELECT line, kind, LEAST(period, 12) AS period, sum(amount_p) AS amount_p FROM ledger "
        "WHERE fy = ? AND period <= ? GROUP BY ALL ORDER BY line, kind, period",
        [fy, _upto(period)],
    ).df()
    out = Actuals(monthly=monthly)
    for line, kind, amount in zip(
        monthly["line"], monthly["kind"], monthly["amount_p"].tolist(), strict=True
    ):
        target = out.income_p if kind == "income" else out.gross_p
        target[str(line)] = target.get(str(line), 0) + int(amount)
    return out


def monthly_history(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> pd.DataFrame:
    """Every stored month up to ``period`` of ``fy``: line, kind, fy, period, amount_p (zeros filled)."""
    return con.execute(
        """WITH months AS (SELECT DISTINCT fy, LEAST(period, 12) AS period FROM ledger
                           WHERE fy < ? OR (fy = ? AND period <= ?)),
                keys AS (SELECT DISTINCT line, kind FROM ledger)
           SELECT k.line, k.kind, m.fy, m.period, COALESCE(sum(l.amount_p), 0) AS amount_p
           FROM keys k CROSS JOIN months m
           LEFT JOIN ledger l ON l.line = k.line AND l.kind = k.kind AND l.fy = m.fy
                AND LEAST(l.period, 12) = m.period
           GROUP BY ALL ORDER BY k.line, k.kind, m.fy, m.period""",
        [fy, fy, _upto(period)],
    ).df()


def placement_invoiced(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> pd.DataFrame:
    """Ledger expenditure to date that carries a placement id, by line and placement id (income carrying a
    placement id, e.g. a health contribution to a placement, is not an invoice for it)."""
    return con.execute(
        "SELECT line, placement_id, sum(amount_p) AS amount_p FROM ledger WHERE fy = ? AND period <= ? "
        "AND placement_id IS NOT NULL AND kind = 'expenditure' GROUP BY ALL",
        [fy, _upto(period)],
    ).df()


def adjustments_for(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> list[tuple[str, int, str, bool]]:
    """(line, pence, reason, one_off) of the adjustments in force at ``period``."""
    rows = con.execute(
        "SELECT line, amount_p, reason, COALESCE(one_off, true) FROM adjustments WHERE fy = ? "
        "AND (period IS NULL OR period <= ?) ORDER BY source_row",
        [fy, period],
    ).fetchall()
    return [(r[0], int(r[1]), r[2], bool(r[3])) for r in rows]


def suspense_rows(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> list[tuple[str, str, int, int]]:
    """Unmapped code combinations to date: (cost_centre, account, rows, pence)."""
    rows = con.execute(
        "SELECT cost_centre, account, count(*), sum(amount_p) FROM ledger WHERE fy = ? AND period <= ? "
        "AND line = ? GROUP BY ALL ORDER BY 1, 2",
        [fy, _upto(period), SUSPENSE_LINE],
    ).fetchall()
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def imports_used(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, int, str]]:
    """(import id, kind, file, rows, when) of the imports whose rows are still stored."""
    rows = con.execute(
        "SELECT import_id, kind, file_name, rows, strftime(imported_at, '%Y-%m-%d %H:%M') FROM imports "
        "WHERE mode <> 'superseded' ORDER BY import_id"
    ).fetchall()
    return [(int(r[0]), r[1], r[2], int(r[3]), r[4]) for r in rows]


def agency_to_date(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> dict[str, int]:
    """Agency staff spend to date by line: ledger rows whose description or mapped line mentions agency."""
    rows = con.execute(
        "SELECT line, sum(amount_p) FROM ledger WHERE fy = ? AND period <= ? AND kind = 'expenditure' "
        "AND (description ILIKE '%agency%' AND description NOT ILIKE '%fostering agenc%' "
        "OR line ILIKE '%agency staff%') GROUP BY line",
        [fy, _upto(period)],
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def income_placement_counts(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> dict[str, int]:
    """Distinct placements carrying income to date by line (e.g. children attracting health funding)."""
    rows = con.execute(
        "SELECT line, count(DISTINCT placement_id) FROM ledger WHERE fy = ? AND period <= ? AND kind = 'income' "
        "AND placement_id IS NOT NULL GROUP BY line",
        [fy, _upto(period)],
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def ledger_rows_to(con: duckdb.DuckDBPyConnection, fy: int, period: int) -> int:
    """How many ledger rows are stored for ``fy`` up to ``period``."""
    return int(
        con.execute(
            "SELECT count(*) FROM ledger WHERE fy = ? AND period <= ?", [fy, _upto(period)]
        ).fetchall()[0][0]
    )


def last_ledger_period(con: duckdb.DuckDBPyConnection, fy: int) -> int | None:
    """The last period of ``fy`` the stored ledger holds postings for (None: no rows for the year)."""
    row = con.execute("SELECT max(period) FROM ledger WHERE fy = ?", [fy]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def ledger_periods(con: duckdb.DuckDBPyConnection, fy: int) -> set[int]:
    """The periods of ``fy`` the stored ledger holds postings for."""
    return {
        int(r[0]) for r in con.execute("SELECT DISTINCT period FROM ledger WHERE fy = ?", [fy]).fetchall()
    }


def kind_decisions(
    con: duckdb.DuckDBPyConnection, fy: int, period: int
) -> list[tuple[str, str, str, str, str]]:
    """(cost_centre, account, line, kind, reason) of every code combination posted in ``fy`` to ``period``:
    whether it is expenditure or income and why. A decision taken by sign that the postings to date would
    now reverse says so (it is kept, never silently re-classified)."""
    rows = con.execute(
        """SELECT l.cost_centre, l.account, any_value(l.line), any_value(l.kind), k.reason, k.basis,
                  sum(l.amount_p)
           FROM ledger l LEFT JOIN account_kinds k ON l.cost_centre = k.cost_centre AND l.account = k.account
           WHERE l.fy = ? AND l.period <= ? GROUP BY l.cost_centre, l.account, k.reason, k.basis
           ORDER BY 3, 1, 2""",
        [fy, period],
    ).fetchall()
    out = []
    for cc, acct, line, kind, reason, basis, net in rows:
        text = reason or "not recorded"
        net = int(net)
        if basis == "sign" and ((kind == "expenditure" and net < 0) or (kind == "income" and net > 0)):
            side = "credit" if net < 0 else "debit"
            text += f"; postings to date net £{abs(net) / 100:,.2f} {side}: kept as {kind}"
        out.append((str(cc), str(acct), str(line), str(kind), text))
    return out
