"""Ring-fenced funds (grants for a purpose and a span of years) and the lines they pay for."""

from __future__ import annotations

from pathlib import Path

from ledgers.readers.columns import MONEY, TEXT, Col, Spec
from ledgers.readers.money import money_text
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede
from ledgers.store.schema import Store

FUNDING = Spec(
    "funding",
    (
        Col("fund", TEXT, True, ("fund_name", "grant", "grant_name")),
        Col("line", TEXT, True, ("budget_line",)),
        Col("total", MONEY, True, ("allocation", "total_allocation", "grant_total")),
        Col("start_year", TEXT, True, ("start", "from_year", "first_year")),
        Col("end_year", TEXT, True, ("end", "to_year", "last_year")),
        Col("spent_to_date", MONEY, False, ("spent", "spend_to_date", "drawn_to_date")),
    ),
)


def import_funding(store: Store, path: Path, fy: FinancialYear, sheet: str | None = None) -> ImportOutcome:
    """Import the ring-fenced funds (one row per fund and line it pays for); replaces the stored funds."""
    return run_import(store, path, FUNDING, fy, _validate, _save, sheet)


def fund_year(text: str) -> FinancialYear:
    """A fund's year: ``2019/20`` or the year it starts in, ``2019``."""
    t = str(text).strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]  # a year typed into a spreadsheet as a number
    if t.isdigit() and len(t) == 4:
        return FinancialYear(int(t))
    return FinancialYear.parse(t)


def _validate(ctx: ImportContext) -> list[Problem]:
    con, file = ctx.con, ctx.raw.file
    problems: list[Problem] = []
    budget = {
        r[0] for r in con.execute("SELECT line FROM budget WHERE fy = ?", [ctx.fy.start_year]).fetchall()
    }
    rows = con.execute(
        f"SELECT _row, trim(fund), trim(line), total_p, start_year, end_year, spent_to_date_p FROM {ctx.parsed} "
        "ORDER BY _row"
    ).fetchall()
    first: dict[str, tuple[int, int | None, int | None, int | None]] = {}  # fund -> (row, total, start, end)
    lines_of: dict[tuple[str, str], int] = {}
    drawn: dict[str, tuple[str, int]] = {}  # line -> (fund, row) of funds whose spend is drawn from the line
    for row, fund, line, total, start, end, spent in rows:
        years: list[int | None] = []
        for column, text in (("start_year", start), ("end_year", end)):
            if text is None:
                years.append(None)
                continue
            try:
                years.append(fund_year(text).start_year)
            except ValueError as exc:
                problems.append(Problem(file, row, column, str(exc), ERROR))
                years.append(None)
        s, e = years
        if s is not None and e is not None and e < s:
            problems.append(
                Problem(file, row, "end_year", f"end year {end} is before the start year {start}", ERROR)
            )
        if total is not None and total <= 0:
            problems.append(
                Problem(
                    file,
                    row,
                    "total",
                    f"the fund's total should be more than £0; got {money_text(total)}",
                    ERROR,
                )
            )
        if spent is not None and spent < 0:
            problems.append(
                Problem(file, row, "spent_to_date", "spent to date should not be negative", ERROR)
            )
        if line and budget and line not in budget:
            problems.append(
                Problem(file, row, "line", f"line '{line}' is not a line of the {ctx.fy.label} budget", ERROR)
            )
        if not fund:
            continue
        if (fund, line) in lines_of:
            problems.append(
                Problem(
                    file,
                    row,
                    "line",
                    f"fund '{fund}' names line '{line}' twice (first on row {lines_of[(fund, line)]})",
                    ERROR,
                )
            )
        lines_of.setdefault((fund, line), row)
        if fund in first:
            r0, t0, s0, e0 = first[fund]
            for column, mine, theirs in (("total", total, t0), ("start_year", s, s0), ("end_year", e, e0)):
                if mine is not None and theirs is not None and mine != theirs:
                    problems.append(
                        Problem(
                            file,
                            row,
                            column,
                            f"fund '{fund}' has a different {column} on row {r0}; a fund has one",
                            ERROR,
                        )
                    )
        else:
            first[fund] = (row, total, s, e)
        if spent is None and line:
            if line in drawn and drawn[line][0] != fund:
                other, r0 = drawn[line]
                problems.append(
                    Problem(
                        file,
                        row,
                        "spent_to_date",
                        f"line '{line}' also pays for fund '{other}' (row {r0}): give spent_to_date for each, "
                        "so the line's spending is not counted twice",
                        ERROR,
                    )
                )
            drawn.setdefault(line, (fund, row))
    return problems


def _save(ctx: ImportContext) -> None:
    con, out = ctx.con, ctx.outcome
    supersede(con, "funding", "funding")
    rows = con.execute(
        f"SELECT _row, trim(fund), trim(line), total_p, start_year, end_year, spent_to_date_p FROM {ctx.parsed} "
        "ORDER BY _row"
    ).fetchall()
    for row, fund, line, total, start, end, spent in rows:
        con.execute(
            "INSERT INTO funding VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fund,
                line,
                total,
                fund_year(start).start_year,
                fund_year(end).start_year,
                spent,
                row,
                ctx.import_id,
            ],
        )
    # the control total: each fund's allocation once (a fund over several lines repeats it on every row)
    funds = {fund: total for _, fund, _, total, *_ in rows}
    out.rows_read = len(rows)
    out.rows_stored = int(
        con.execute("SELECT count(*) FROM funding WHERE import_id = ?", [ctx.import_id]).fetchall()[0][0]
    )
    out.control_total_p = sum(funds.values())
    out.stored_total_p = int(
        con.execute(
            "SELECT COALESCE(sum(t), 0) FROM (SELECT fund, max(total_p) AS t FROM funding WHERE import_id = ? GROUP BY 1)",
            [ctx.import_id],
        ).fetchall()[0][0]
    )
    for fund, n, total in con.execute(
        "SELECT fund, count(*), max(total_p) FROM funding WHERE import_id = ? GROUP BY 1 ORDER BY min(source_row)",
        [ctx.import_id],
    ).fetchall():
        out.by_period.append((str(fund), int(n), int(total)))
