"""Ring-fenced funds at the month end: allocation, spent to date, forecast spend to the year end, the balance
left at the year end and the years the fund still runs.

Spent to date is the file's ``spent_to_date`` where given, else the expenditure (gross) the ledger holds on the
lines the fund names from the fund's start year to the period end. The forecast spend is those lines'
forecast expenditure after the period end (the outturn's forecast gross less actuals to date).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from budget.monthend.report import LineResult
from ledgers.readers.money import pounds_float
from ledgers.readers.periods import FinancialYear


@dataclass
class FundPosition:
    fund: str
    lines: list[str]
    allocation_p: int
    start_year: str  # "2018/19"
    end_year: str
    spent_to_date_p: int
    forecast_to_year_end_p: int
    years_left: int  # financial years the fund runs after this one
    spent_source: str  # "file" or "ledger 2018/19–2019/20 P9"
    notes: list[str] = field(default_factory=list)

    @property
    def balance_at_year_end_p(self) -> int:
        return self.allocation_p - self.spent_to_date_p - self.forecast_to_year_end_p

    def as_json(self) -> dict[str, object]:
        return {
            "fund": self.fund,
            "lines": self.lines,
            "allocation": pounds_float(self.allocation_p),
            "start_year": self.start_year,
            "end_year": self.end_year,
            "spent_to_date": pounds_float(self.spent_to_date_p),
            "forecast_to_year_end": pounds_float(self.forecast_to_year_end_p),
            "balance_at_year_end": pounds_float(self.balance_at_year_end_p),
            "years_left": self.years_left,
            "spent_source": self.spent_source,
        }


def fund_positions(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, lines: list[LineResult]
) -> list[FundPosition]:
    """Every stored fund's position at ``period`` of ``fy`` (funds in the order of the file)."""
    rows = con.execute(
        "SELECT fund, line, total_p, start_year, end_year, spent_p FROM funding ORDER BY source_row"
    ).fetchall()
    by_line = {ln.name: ln for ln in lines}
    funds: dict[str, list[tuple[str, int, int, int, int | None]]] = {}
    for fund, line, total, start, end, spent in rows:
        funds.setdefault(str(fund), []).append((str(line), int(total), int(start), int(end), spent))
    out: list[FundPosition] = []
    for fund, parts in funds.items():
        _, total, start, end, _ = parts[0]
        names = [p[0] for p in parts]
        spent = 0
        from_ledger: list[str] = []
        notes: list[str] = []
        for line, _, _, _, given in parts:
            if given is not None:
                spent += int(given)
                continue
            from_ledger.append(line)
            spent += _ledger_spend(con, line, start, end, fy, period)
        forecast = 0
        if start <= fy.start_year <= end:
            for line in names:
                r = by_line.get(line)
                if r is None:
                    notes.append(f"line '{line}' is not in this month's outturn")
                    continue
                forecast += r.figures.forecast_gross_p - r.actual_gross_p
        first, last = FinancialYear(start), FinancialYear(end)
        span = first.label if start == fy.start_year else f"{first.label}–{fy.label}"
        source = (
            "file"
            if not from_ledger
            else f"ledger {span} to P{period}" + ("" if len(from_ledger) == len(names) else " and file")
        )
        if _ledger_years_missing(con, from_ledger, start, fy):
            notes.append(f"no ledger stored for some years from {first.label}: spent to date may be short")
        out.append(
            FundPosition(
                fund,
                names,
                total,
                first.label,
                last.label,
                spent,
                forecast,
                max(0, end - fy.start_year),
                source,
                notes,
            )
        )
    return out


def _ledger_spend(
    con: duckdb.DuckDBPyConnection, line: str, start: int, end: int, fy: FinancialYear, period: int
) -> int:
    """Expenditure on ``line`` in the fund's years up to the period end."""
    now = fy.start_year
    row = con.execute(
        "SELECT COALESCE(sum(amount_p), 0) FROM ledger WHERE line = ? AND kind = 'expenditure' "
        "AND ((fy >= ? AND fy < ? AND fy <= ?) OR (fy = ? AND period <= ? AND ? BETWEEN ? AND ?))",
        [line, start, now, end, now, period, now, start, end],
    ).fetchone()
    return int(row[0]) if row else 0


def _ledger_years_missing(
    con: duckdb.DuckDBPyConnection, lines: list[str], start: int, fy: FinancialYear
) -> bool:
    if not lines or start >= fy.start_year:
        return False
    stored = {int(r[0]) for r in con.execute("SELECT DISTINCT fy FROM ledger").fetchall()}
    return any(y not in stored for y in range(start, fy.start_year))
