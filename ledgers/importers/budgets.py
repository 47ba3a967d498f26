"""Budget import: one row per line with gross, income (negative), an optional monthly profile and activity."""

from __future__ import annotations

from pathlib import Path

from ledgers.importers.mapping import remap_ledger
from ledgers.readers.columns import MONEY, NUMBER, TEXT, Col, Spec
from ledgers.readers.money import money_text
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede, warn
from ledgers.store.schema import Store
from ledgers.store.years import refuse_if_closed

METHODS = ("actuals", "run-rate", "profile", "commitments", "forecast")

SPEC = Spec(
    "budget",
    (
        Col("line", TEXT, True, ("budget_line", "service_line", "description")),
        Col("heading", TEXT, True, ("budget_heading", "overall_heading", "service")),
        Col("gross", MONEY, True, ("gross_budget", "expenditure", "budget_gross")),
        Col("income", MONEY, True, ("income_budget", "budget_income")),
        *(Col(f"p{i}", MONEY, False, (f"p{i:02d}", f"period_{i}", f"month_{i}")) for i in range(1, 13)),
        Col("method", TEXT, False, ("forecast_method",)),
        Col("budget_numbers", NUMBER, False, ("numbers", "budgeted_numbers", "budget_placements")),
        Col("budget_unit_cost", MONEY, False, ("unit_cost", "weekly_unit_cost", "budget_weekly_cost")),
        Col("funded_by", TEXT, False, ("funder", "funding_source")),
    ),
)


_METHOD = "regexp_replace(lower(trim(method)), '[\\s_]+', '-', 'g')"  # "Run Rate" is run-rate


def flat_profile(net_p: int) -> list[int]:
    """Twelve equal monthly amounts, the pennies left over in P12, summing exactly to ``net_p``."""
    base = int(net_p / 12)
    return [base] * 11 + [net_p - base * 11]


def import_budget(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None, *, clear: bool = False
) -> ImportOutcome:
    """Import the year's budget; replaces the stored budget of that year (refused when the year is closed;
    ``clear``: a file of no rows may empty it; otherwise such a file is refused)."""
    refuse_if_closed(store.con, fy)
    return run_import(store, path, SPEC, fy, _validate, _save, sheet, {"clear": clear})


def _validate(ctx: ImportContext) -> list[Problem]:
    con, t, file = ctx.con, ctx.parsed, ctx.raw.file
    problems: list[Problem] = []
    for row, line, rows in con.execute(
        f"SELECT min(_row), line, list(_row ORDER BY _row) FROM {t} WHERE line IS NOT NULL GROUP BY line "
        "HAVING count(*) > 1 ORDER BY 1"
    ).fetchall():
        listed = ", ".join(str(r) for r in rows)
        problems.append(
            Problem(
                file,
                int(row),
                "line",
                f"line '{line}' appears {len(rows)} times (rows {listed}); one row per line",
                ERROR,
            )
        )
    for row, inc in con.execute(
        f"SELECT _row, income_p FROM {t} WHERE income_p > 0 ORDER BY _row"
    ).fetchall():
        problems.append(
            Problem(
                file,
                int(row),
                "income",
                f"income {inc / 100:,.2f} is positive: write income as a negative amount",
                ERROR,
            )
        )
    for row, m, normal in con.execute(
        f"SELECT _row, method, {_METHOD} FROM {t} WHERE method IS NOT NULL ORDER BY _row"
    ).fetchall():
        if normal not in METHODS:
            problems.append(
                Problem(
                    file,
                    int(row),
                    "method",
                    f"'{m}' is not a forecast method (use one of: {', '.join(METHODS)})",
                    ERROR,
                )
            )
    present = [f"p{i}" for i in range(1, 13) if f"p{i}" in ctx.raw.present]
    if present and len(present) < 12:
        problems.append(
            Problem(file, ctx.raw.header_row, "p1", "a monthly profile needs all of p1 … p12", ERROR)
        )
    elif present:
        total = " + ".join(f"COALESCE(p{i}_p, 0)" for i in range(1, 13))
        for row, s, net in con.execute(
            f"SELECT _row, {total}, gross_p + income_p FROM {t} WHERE ({total}) <> gross_p + income_p "
            f"AND NOT ({' AND '.join(f'p{i}_p IS NULL' for i in range(1, 13))}) ORDER BY _row"
        ).fetchall():
            problems.append(
                Problem(
                    file,
                    int(row),
                    "p12",
                    f"the profile p1 … p12 sums to {s / 100:,.2f} but the net budget is {net / 100:,.2f}",
                    ERROR,
                )
            )
    return problems


def _save(ctx: ImportContext) -> None:
    con, t, out = ctx.con, ctx.parsed, ctx.outcome
    replaced = supersede(con, "budget", "budget", "fy = ?", [ctx.fy.start_year])
    rows = con.execute(
        f"SELECT _row, line, heading, gross_p, income_p, [{', '.join(f'p{i}_p' for i in range(1, 13))}], "
        f"{_METHOD}, budget_numbers, budget_unit_cost_p, funded_by FROM {t} ORDER BY _row"
    ).fetchall()
    for order, (row, line, heading, gross, income, prof, method, numbers, unit, funded) in enumerate(rows):
        profile = prof if any(p is not None for p in prof) else flat_profile(gross + income)
        profile = [int(p or 0) for p in profile]
        con.execute(
            "INSERT INTO budget VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ctx.fy.start_year,
                line.strip(),
                heading.strip(),
                order,
                gross,
                income,
                profile,
                method,
                numbers,
                unit,
                funded,
                row,
                ctx.import_id,
            ],
        )
    out.rows_stored = len(rows)
    out.control_total_p = sum(int(r[3]) + int(r[4]) for r in rows)
    out.stored_total_p = int(
        con.execute(
            "SELECT COALESCE(sum(gross_p + income_p), 0) FROM budget WHERE import_id = ?", [ctx.import_id]
        ).fetchall()[0][0]
    )
    gross = sum(int(r[3]) for r in rows)
    income = sum(int(r[4]) for r in rows)
    out.by_period.append((ctx.fy.label, len(rows), gross + income))
    out.messages.append(
        f"budget {ctx.fy.label}: gross {money_text(gross)}, income {money_text(income)}, "
        f"net {money_text(gross + income)}"
    )
    if replaced:
        out.messages.append(
            f"replaced the stored {ctx.fy.label} budget (import #{', #'.join(map(str, replaced))})"
        )
    mapped = {r[0] for r in con.execute("SELECT DISTINCT line FROM mapping").fetchall()}
    if mapped:
        lines = {r[1].strip() for r in rows}
        missing = sorted(mapped - lines)
        if missing:
            warn(
                out,
                ctx.raw.file,
                [],
                len(missing),
                "line",
                "lines in the mapping with no budget (budget 0): " + ", ".join(missing[:8]),
            )
    remap_ledger(con, ctx.fy.start_year)
