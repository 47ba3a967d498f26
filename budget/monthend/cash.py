"""The cash position to the year end: opening balance, the council's contract payments, other income and
expenditure as paid, month by month.

Each line's spend of a month (the ledger's actuals to the period, the forecast after it, officer adjustments
spread evenly over the forecast months, placement days not yet invoiced counted in the period) is paid
``lag`` months later: placement lines monthly in arrears (1) by default, other lines in the month (0), any
line set in ``[cash.payment_lag]``. Income is received ``[cash.income_lag]`` months later (0 by default).
Spend of a month before April is the previous year's ledger. The contract sum comes from the council on the
``[cash.contract_schedule]`` (``"YYYY-MM" = pounds``), by default twelve monthly instalments (one twelfth
rounded down to the penny, the pennies left over in March); the line carrying the contract income is left
out of "other income" so it is not counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from forecasts.lines import LineForecast
from ledgers.readers.money import money_text, pence_from_pounds, pounds_float
from ledgers.readers.periods import FinancialYear, parse_month
from ledgers.readers.problems import WorkspaceError
from ledgers.store.queries import adjustments_for, budget_lines
from ledgers.store.workspace import Settings


@dataclass
class CashLine:
    """One line's cash by month of the projection: paid (expenditure, positive) or received (income)."""

    line: str
    kind: str  # "expenditure" or "income"
    lag: int  # months between spend (or income) and cash
    amounts_p: list[int]  # per projection month: payments positive (expenditure) / receipts positive (income)


@dataclass
class CashMonth:
    month: date  # first day of the month
    contract_p: int
    other_income_p: int
    expenditure_p: int
    closing_p: int

    @property
    def net_p(self) -> int:
        return self.contract_p + self.other_income_p - self.expenditure_p


@dataclass
class CashPosition:
    authority: str
    financial_year: str
    period: str
    period_no: int
    opening_p: int
    opening_at: date  # the month end (or 31 March before the year) the opening balance stands at
    opening_source: str
    months: list[CashMonth]
    lines: list[CashLine]
    contract_line: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def lowest(self) -> CashMonth | None:
        """The month with the lowest month-end balance (the earliest, if two are equal)."""
        return min(self.months, key=lambda m: m.closing_p) if self.months else None

    def as_json(self) -> dict[str, Any]:
        low = self.lowest
        return {
            "period": self.period,
            "financial_year": self.financial_year,
            "opening_balance": pounds_float(self.opening_p),
            "opening_at": self.opening_at.isoformat(),
            "opening_source": self.opening_source,
            "contract_line": self.contract_line,
            "months": [
                {
                    "month": m.month.strftime("%Y-%m"),
                    "contract": pounds_float(m.contract_p),
                    "other_income": pounds_float(m.other_income_p),
                    "expenditure": pounds_float(m.expenditure_p),
                    "net": pounds_float(m.net_p),
                    "closing_balance": pounds_float(m.closing_p),
                }
                for m in self.months
            ],
            "lowest": None
            if low is None
            else {"month": low.month.strftime("%Y-%m"), "closing_balance": pounds_float(low.closing_p)},
            "lines": [
                {
                    "line": c.line,
                    "kind": c.kind,
                    "lag": c.lag,
                    "amounts": [pounds_float(a) for a in c.amounts_p],
                }
                for c in self.lines
            ],
            "notes": self.notes,
        }


def _lag(table: dict[str, Any], line: str, default: int, name: str) -> int:
    value = table.get(line, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 12:
        raise WorkspaceError(
            f"careladder.toml: [cash.{name}] '{line}' should be whole months 0–12; got {value!r}"
        )
    return value


def contract_schedule(settings: Settings, fy: FinancialYear) -> list[int]:
    """The contract payments expected from the council in P1..P12, in pence."""
    table = settings.section("cash").get("contract_schedule")
    if table is None:
        value = settings.contract_value_p
        out = [value // 12] * 12
        out[11] += value - sum(out)
        return out
    if not isinstance(table, dict):
        raise WorkspaceError(
            'careladder.toml: [cash] contract_schedule should be a table of "YYYY-MM" = pounds'
        )
    out = [0] * 12
    for month, amount in table.items():
        try:
            year, p = parse_month(str(month))
            pence = pence_from_pounds(amount)
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise WorkspaceError(f"careladder.toml: [cash.contract_schedule] {month}: {exc}") from None
        if year != fy:
            raise WorkspaceError(
                f"careladder.toml: [cash.contract_schedule] {month} is not in the workspace year {fy.label}"
            )
        out[p - 1] += pence
    return out


def contract_line_of(settings: Settings, con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> str | None:
    """The budget line carrying the council's contract income: set in [cash] or [mtfs] contract_line, else the
    line whose budget income is exactly the contract sum."""
    for section in ("cash", "mtfs"):
        named = settings.section(section).get("contract_line")
        if named:
            return str(named)
    if settings.contract_value_p == 0:
        return None
    found = [b.line for b in budget_lines(con, fy.start_year) if b.income_p == -settings.contract_value_p]
    return found[0] if found else None


def opening_balance(
    con: duckdb.DuckDBPyConnection, settings: Settings, fy: FinancialYear, period: int
) -> tuple[int, int, str]:
    """(pence, months of the year already behind it (0 = 1 April), where it came from): the latest bank
    balance imported at a month end up to the period, else the [cash] opening_balance setting."""
    ends = {fy.month_end(k): k for k in range(1, period + 1)}
    start = date(fy.start_year, 3, 31)
    rows = con.execute(
        "SELECT balance_date, balance_p, import_id FROM cash_balances WHERE balance_date BETWEEN ? AND ? "
        "ORDER BY balance_date DESC LIMIT 1",
        [start, fy.month_end(period)],
    ).fetchall()
    if rows:
        when, pence, import_id = rows[0]
        return int(pence), ends.get(when, 0), f"bank balance at {when:%d/%m/%Y} (import #{import_id})"
    cash = settings.section("cash")
    if "opening_balance" not in cash:
        return 0, 0, "no opening balance set ([cash] opening_balance or 'careladder cash import'): £0 taken"
    try:
        pence = pence_from_pounds(cash["opening_balance"])
    except (ValueError, ArithmeticError, TypeError) as exc:
        raise WorkspaceError(f"careladder.toml: [cash] opening_balance: {exc}") from None
    month = cash.get("opening_month")
    k = 0
    if month:
        try:
            year, k = parse_month(str(month))
        except ValueError as exc:
            raise WorkspaceError(f"careladder.toml: [cash] opening_month: {exc}") from None
        if year != fy or k > period:
            raise WorkspaceError(
                f"careladder.toml: [cash] opening_month {month} should be a month of {fy.label} up to the period"
            )
    at = fy.month_end(k) if k else start
    return pence, k, f"setting [cash] opening_balance, at {at:%d/%m/%Y}"


def spend_by_month(
    con: duckdb.DuckDBPyConnection,
    fy: FinancialYear,
    period: int,
    forecasts: dict[str, LineForecast],
) -> dict[tuple[str, str], dict[int, int]]:
    """(line, kind) → month index → pence: -11..0 the previous year's ledger, 1..period actuals, then the
    forecast with adjustments spread evenly over its months and not-yet-invoiced placement days in the period."""
    out: dict[tuple[str, str], dict[int, int]] = {}
    for line, kind, year, p, amount in con.execute(
        "SELECT line, kind, fy, period, sum(amount_p) FROM ledger WHERE (fy = ? AND period <= ?) OR fy = ? "
        "GROUP BY ALL",
        [fy.start_year, period, fy.start_year - 1],
    ).fetchall():
        k = int(p) if year == fy.start_year else int(p) - 12
        out.setdefault((str(line), "income" if kind == "income" else "expenditure"), {})[k] = int(amount)
    ahead = list(range(period + 1, 13))
    adjustments: dict[str, int] = {}
    for line, amount, _, _ in adjustments_for(con, fy.start_year, period) if period < 12 else []:
        adjustments[line] = adjustments.get(line, 0) + amount
    for name, lf in forecasts.items():
        gross, income = out.setdefault((name, "expenditure"), {}), out.setdefault((name, "income"), {})
        for m in lf.months:
            k = (m.month.month - 4) % 12 + 1
            if m.month <= fy.end and k > period:
                gross[k] = gross.get(k, 0) + m.gross_p
                income[k] = income.get(k, 0) + m.income_p
        if lf.accrual_p and period < 12:
            gross[period] = gross.get(period, 0) + lf.accrual_p
    for name, amount in adjustments.items():
        if not ahead or not amount:
            continue
        is_income = (name, "income") in out and not any(out.get((name, "expenditure"), {}).values())
        target = out.setdefault((name, "income" if is_income else "expenditure"), {})
        share = [amount // len(ahead)] * len(ahead)
        share[-1] += amount - sum(share)
        for k, part in zip(ahead, share, strict=True):
            target[k] = target.get(k, 0) + part
    return out


def cash_position(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    forecasts: dict[str, LineForecast],
    placement_lines: set[str],
) -> CashPosition:
    """The month-end cash balances from the opening balance to the year end."""
    fy, p = parse_month(period)
    cash = settings.section("cash")
    lags, income_lags = cash.get("payment_lag", {}), cash.get("income_lag", {})
    if not isinstance(lags, dict) or not isinstance(income_lags, dict):
        raise WorkspaceError("careladder.toml: [cash.payment_lag] and [cash.income_lag] should be tables")
    placement_lag = _lag(cash, "placement_lag", 1, "placement_lag") if "placement_lag" in cash else 1
    opening_p, k0, source = opening_balance(con, settings, fy, p)
    months = list(range(k0 + 1, 13))
    schedule = contract_schedule(settings, fy)
    contract_line = contract_line_of(settings, con, fy)
    spend = spend_by_month(con, fy, p, forecasts)
    notes: list[str] = []
    prior = any(k <= 0 for by_month in spend.values() for k in by_month)
    cash_lines: list[CashLine] = []
    for (line, kind), by_month in sorted(spend.items()):
        if kind == "income" and line == contract_line:
            continue
        if kind == "expenditure":
            lag = _lag(lags, line, placement_lag if line in placement_lines else 0, "payment_lag")
            amounts = [by_month.get(k - lag, 0) for k in months]
        else:
            lag = _lag(income_lags, line, 0, "income_lag")
            amounts = [-by_month.get(k - lag, 0) for k in months]
        if any(amounts):
            cash_lines.append(CashLine(line, kind, lag, amounts))
    if not prior and any(c.lag >= k for c in cash_lines for k in months[:1]):
        notes.append(
            f"No {FinancialYear(fy.start_year - 1).label} ledger is stored: what lines paid in arrears spent before "
            "April is not counted in this year's payments."
        )
    accrued = sum(lf.accrual_p for lf in forecasts.values()) if p < 12 else 0
    if accrued:
        notes.append(
            f"Placement days to {fy.month_end(p):%d/%m/%Y} not yet invoiced ({money_text(accrued)}) are counted as "
            f"{fy.month(p):%B}'s spend and paid after the line's lag."
        )
    if contract_line:
        notes.append(
            f"Contract income is the schedule; the line '{contract_line}' is left out of other income."
        )
    elif settings.contract_value_p:
        notes.append("No budget line carries the contract sum: set [cash] contract_line if one does.")
    if sum(schedule) != settings.contract_value_p:
        notes.append(
            f"The contract schedule adds up to {money_text(sum(schedule))}, not the contract sum "
            f"{money_text(settings.contract_value_p)}."
        )
    balance = opening_p
    rows: list[CashMonth] = []
    for i, k in enumerate(months):
        income = sum(c.amounts_p[i] for c in cash_lines if c.kind == "income")
        paid = sum(c.amounts_p[i] for c in cash_lines if c.kind == "expenditure")
        balance += schedule[k - 1] + income - paid
        rows.append(CashMonth(fy.month(k), schedule[k - 1], income, paid, balance))
    return CashPosition(
        settings.authority,
        fy.label,
        period,
        p,
        opening_p,
        fy.month_end(k0) if k0 else date(fy.start_year, 3, 31),
        source,
        rows,
        cash_lines,
        contract_line,
        notes,
    )
