"""Officer plans: MTFS savings schemes and forecast adjustments (known pressures and savings not in the data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ledgers.readers.columns import BOOL, DATE, INTEGER, MONEY, NUMBER, PERIOD, TEXT, Col, Spec
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede
from ledgers.store.schema import Store
from ledgers.store.years import refuse_if_closed

SAVINGS = Spec(
    "savings",
    (
        Col("scheme", TEXT, True, ("scheme_name", "saving", "proposal")),
        Col("line", TEXT, True, ("budget_line",)),
        Col("year", TEXT, True, ("financial_year", "fy")),
        Col("target", MONEY, True, ("saving_target", "target_saving")),
        Col("delivered", MONEY, False, ("delivered_to_date", "achieved")),
        Col("forecast", MONEY, False, ("forecast_delivery", "forecast_saving")),
        Col("rag", TEXT, False, ("status", "rag_status")),
        Col("owner", TEXT, False, ("lead", "responsible_officer")),
        Col("recurrent", BOOL, False, ("recurring",)),
        Col("model_from_line", TEXT, False, ()),
        Col("model_to_line", TEXT, False, ()),
        Col("model_start", DATE, False, ()),
        Col("model_count", NUMBER, False, ()),
        Col("model_every_months", INTEGER, False, ()),
        Col("model_weekly_cost", MONEY, False, ()),
        Col("model_annual_running_cost", MONEY, False, ()),
        Col("mitigation", TEXT, False, ("mitigations", "comment")),
    ),
)

ADJUSTMENTS = Spec(
    "adjustments",
    (
        Col("line", TEXT, True, ("budget_line",)),
        Col("amount", MONEY, True, ("value", "adjustment")),
        Col("reason", TEXT, True, ("description", "narrative", "explanation")),
        Col("period", PERIOD, False, ("from_period",)),
        Col("one_off", BOOL, False, ("oneoff", "one_off_item")),
    ),
)


def import_savings(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None, *, clear: bool = False
) -> ImportOutcome:
    """Import the MTFS savings plan; replaces the stored plan (``clear``: a file of no rows may empty it;
    otherwise such a file is refused)."""
    return run_import(store, path, SAVINGS, fy, _validate_savings, _save_savings, sheet, {"clear": clear})


def import_adjustments(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None, *, clear: bool = False
) -> ImportOutcome:
    """Import the year's forecast adjustments; replaces the stored adjustments of that year (refused when the
    year is closed; ``clear``: a file of no rows may empty them; otherwise such a file is refused)."""
    refuse_if_closed(store.con, fy)
    return run_import(
        store, path, ADJUSTMENTS, fy, _validate_adjustments, _save_adjustments, sheet, {"clear": clear}
    )


def _unknown_lines(ctx: ImportContext) -> list[Problem]:
    lines = {
        r[0] for r in ctx.con.execute("SELECT line FROM budget WHERE fy = ?", [ctx.fy.start_year]).fetchall()
    }
    if not lines:
        return []
    return [
        Problem(
            ctx.raw.file, int(row), "line", f"line '{line}' is not a line of the {ctx.fy.label} budget", ERROR
        )
        for row, line in ctx.con.execute(
            f"SELECT _row, trim(line) FROM {ctx.parsed} WHERE line IS NOT NULL ORDER BY _row"
        ).fetchall()
        if line not in lines
    ]


def _validate_savings(ctx: ImportContext) -> list[Problem]:
    problems = _unknown_lines(ctx)
    for row, year in ctx.con.execute(
        f"SELECT _row, year FROM {ctx.parsed} WHERE year IS NOT NULL ORDER BY _row"
    ).fetchall():
        try:
            FinancialYear.parse(year)
        except ValueError as exc:
            problems.append(Problem(ctx.raw.file, int(row), "year", str(exc), ERROR))
    return problems


def _save_savings(ctx: ImportContext) -> None:
    con, out = ctx.con, ctx.outcome
    supersede(con, "savings", "savings")
    years = {
        str(y): FinancialYear.parse(str(y)).label
        for (y,) in con.execute(f"SELECT DISTINCT year FROM {ctx.parsed}").fetchall()
    }
    con.register("_years", pd.DataFrame({"year": list(years), "label": list(years.values())}, dtype=object))
    con.execute(
        f"""INSERT INTO savings SELECT trim(scheme), trim(line), y.label, target_p, delivered_p, forecast_p,
            NULLIF(trim(rag), ''), NULLIF(trim(owner), ''), recurrent, NULLIF(trim(model_from_line), ''),
            NULLIF(trim(model_to_line), ''), model_start, model_count, model_every_months, model_weekly_cost_p,
            model_annual_running_cost_p, NULLIF(trim(mitigation), ''), _row, {ctx.import_id}
        FROM {ctx.parsed} p JOIN _years y ON p.year = y.year ORDER BY _row"""
    )
    con.unregister("_years")
    rows = con.execute(f"SELECT target_p FROM {ctx.parsed}").df()
    out.rows_stored = len(rows)
    out.control_total_p = int(rows["target_p"].sum()) if len(rows) else 0
    out.stored_total_p = int(
        con.execute(
            "SELECT COALESCE(sum(target_p), 0) FROM savings WHERE import_id = ?", [ctx.import_id]
        ).fetchall()[0][0]
    )
    for year, n, total in con.execute(
        "SELECT year, count(*), sum(target_p) FROM savings WHERE import_id = ? GROUP BY 1 ORDER BY 1",
        [ctx.import_id],
    ).fetchall():
        out.by_period.append((str(year), int(n), int(total)))


def _validate_adjustments(ctx: ImportContext) -> list[Problem]:
    problems = _unknown_lines(ctx)
    for row, p in ctx.con.execute(
        f"SELECT _row, period FROM {ctx.parsed} WHERE period IS NOT NULL"
    ).fetchall():
        if p["fy"] != ctx.fy.start_year:
            problems.append(
                Problem(
                    ctx.raw.file,
                    int(row),
                    "period",
                    f"period is not in the workspace year {ctx.fy.label}",
                    ERROR,
                )
            )
    return problems


def _save_adjustments(ctx: ImportContext) -> None:
    con, out = ctx.con, ctx.outcome
    supersede(con, "adjustments", "adjustments", "fy = ?", [ctx.fy.start_year])
    con.execute(
        f"INSERT INTO adjustments SELECT {ctx.fy.start_year}, trim(line), amount_p, trim(reason), period.p, "
        f"COALESCE(one_off, true), _row, {ctx.import_id} FROM {ctx.parsed}"
    )
    n, total = con.execute(
        "SELECT count(*), COALESCE(sum(amount_p), 0) FROM adjustments WHERE import_id = ?", [ctx.import_id]
    ).fetchall()[0]
    out.rows_stored, out.stored_total_p = int(n), int(total)
    out.control_total_p = int(
        con.execute(f"SELECT COALESCE(sum(amount_p), 0) FROM {ctx.parsed}").fetchall()[0][0]
    )
    out.by_period.append((ctx.fy.label, int(n), int(total)))
