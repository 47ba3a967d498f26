"""General-ledger export import: rows by period, mapped to lines, unmapped rows kept in suspense."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ledgers.importers.kinds import (
    classify_combos,
    flipped_by_postings,
    money,
    setting_in_force,
    settings_reclassified,
)
from ledgers.readers.columns import DATE, MONEY, PERIOD, TEXT, Col, Spec
from ledgers.readers.money import money_text
from ledgers.readers.parse import cell_empty, extra_json
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, WARNING, ImportFailed, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede, warn
from ledgers.store.schema import SUSPENSE_LINE, Store
from ledgers.store.years import closed_message, closed_years

SPEC = Spec(
    "ledger",
    (
        Col(
            "date",
            DATE,
            False,
            (
                "transaction_date",
                "posting_date",
                "trans_date",
                "gl_date",
                "document_date",
                "invoice_date",
                "txn_date",
            ),
        ),
        Col(
            "period",
            PERIOD,
            False,
            ("accounting_period", "fin_period", "financial_period", "gl_period", "prd"),
        ),
        Col(
            "cost_centre",
            TEXT,
            True,
            (
                "cost_center",
                "cost_centre_code",
                "cc",
                "resp",
                "responsibility",
                "responsibility_centre",
                "cost_code",
            ),
        ),
        Col(
            "account",
            TEXT,
            True,
            (
                "subjective",
                "subjective_code",
                "account_code",
                "nominal",
                "gl_account",
                "expense_type",
                "natural_account",
            ),
        ),
        Col(
            "amount",
            MONEY,
            False,
            ("value", "net_amount", "amount_gbp", "actual", "actuals", "net", "amount_£"),
        ),
        Col("debit", MONEY, False, ("dr", "debit_amount")),
        Col("credit", MONEY, False, ("cr", "credit_amount")),
        Col(
            "description",
            TEXT,
            False,
            ("narrative", "details", "desc", "line_description", "transaction_description"),
        ),
        Col("supplier", TEXT, False, ("supplier_name", "vendor", "vendor_name", "payee", "creditor")),
        Col(
            "reference",
            TEXT,
            False,
            (
                "ref",
                "document_number",
                "invoice_number",
                "transaction_reference",
                "doc_no",
                "journal",
                "voucher",
            ),
        ),
        Col("placement_id", TEXT, False, ("placement", "placement_ref")),
    ),
    one_of=(("date", "period"), ("amount", "debit", "credit")),
)

_AMOUNT = "COALESCE(amount_p, COALESCE(debit_p, 0) - COALESCE(credit_p, 0))"


def import_ledger(
    store: Store,
    path: Path,
    fy: FinancialYear,
    *,
    append: bool = False,
    history: bool = False,
    sheet: str | None = None,
    income_accounts: tuple[str, ...] | None = None,
) -> ImportOutcome:
    """Import a GL export. Periods it holds replace the stored ones unless ``append``. A file identical to
    one whose rows are still stored is a no-op either way (appending it again would double count).

    ``history``: rows of earlier financial years are expected (prior-year history), not warned about.
    ``income_accounts``: the workspace setting of income account patterns (None: the
    one the stored decisions were taken under) (see ``ledgers.importers.kinds``).
    """
    options: dict[str, object] = {
        "mode": "append" if append else "replace",
        "history": history,
        "income_accounts": None if income_accounts is None else tuple(income_accounts),
    }
    return run_import(store, path, SPEC, fy, _validate, _save, sheet, options)


def _validate(ctx: ImportContext) -> list[Problem]:
    """Rows with no amount, or with neither a date nor a period (cells that failed to parse are reported
    already, so these look at the raw text)."""
    con, t, file = ctx.con, ctx.parsed, ctx.raw.file
    present = set(ctx.raw.present)

    def empty(col: str) -> str:
        return cell_empty(SPEC, col) if col in present else "true"

    problems: list[Problem] = []
    if "amount" in present:
        cond, col, msg = empty("amount"), "amount", "is empty but required"
    else:
        cond, col, msg = (
            f"{empty('debit')} AND {empty('credit')}",
            "debit",
            "no amount: debit and credit are both empty",
        )
    for (r,) in con.execute(f"SELECT _row FROM {t} WHERE {cond} ORDER BY _row LIMIT 1000").fetchall():
        problems.append(Problem(file, int(r), col, msg, ERROR))
    when = "period" if "period" in present else "date"
    for (r,) in con.execute(
        f"SELECT _row FROM {t} WHERE {empty('period')} AND {empty('date')} ORDER BY _row LIMIT 1000"
    ).fetchall():
        problems.append(Problem(file, int(r), when, "is empty: a ledger row needs a date or a period", ERROR))
    return problems


_FY = "COALESCE(period.fy, CAST(year(date) - CASE WHEN month(date) < 4 THEN 1 ELSE 0 END AS INTEGER))"
_PERIOD = "COALESCE(period.p, CAST((month(date) + 8) % 12 + 1 AS INTEGER))"


def _save(ctx: ImportContext) -> None:
    con, t, fy, out = ctx.con, ctx.parsed, ctx.fy, ctx.outcome
    file = ctx.raw.file
    patterns = setting_in_force(con, ctx.options.get("income_accounts"))
    out.messages += settings_reclassified(con, patterns)
    # text columns are parsed trimmed, so the codes join to the mapping as they stand
    combos = [
        (str(a), str(b), int(n))
        for a, b, n in con.execute(
            f"SELECT cost_centre, account, COALESCE(sum({_AMOUNT}), 0) FROM {t} GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    ]
    decided = classify_combos(con, combos, patterns, ctx.import_id)
    # financial year and period: the period column when given, else from the date (April = P1)
    insert = f"""INSERT INTO ledger SELECT {ctx.import_id}, ?, i._row, {_FY}, {_PERIOD}, i.date, i.cost_centre,
            i.account, {_AMOUNT}, i.description, i.supplier, i.reference, i.placement_id, c.line, c.heading,
            c.kind, {extra_json(ctx.raw, SPEC, "i")}
        FROM {t} i JOIN _combo_lines c ON i.cost_centre = c.cost_centre AND i.account = c.account"""
    with any_order(con):
        con.execute(insert, [file])
    con.execute("DROP TABLE _combo_lines")
    _refuse_closed_years(ctx)
    by_period = con.execute(
        "SELECT fy, period, count(*), sum(amount_p) FROM ledger WHERE import_id = ? GROUP BY 1, 2 ORDER BY 1, 2",
        [ctx.import_id],
    ).fetchall()
    replaced: list[int] = []
    if ctx.options.get("mode") != "append":
        # the periods this file holds replace what was stored for them
        replaced = supersede(
            con,
            "ledger",
            "ledger",
            "import_id <> ? AND (fy, period) IN (SELECT (fy, period) FROM ledger WHERE import_id = ?)",
            [ctx.import_id, ctx.import_id],
        )
    # the file's own total: every row is in one combination
    out.control_total_p = sum(n for _, _, n in combos)
    out.rows_stored = sum(int(r[2]) for r in by_period)
    out.stored_total_p = sum(int(r[3]) for r in by_period)
    labels = [f"{FinancialYear(int(pfy)).label}-P{int(p):02d}" for pfy, p, _, _ in by_period]
    for label, (_, _, n, total) in zip(labels, by_period, strict=True):
        out.by_period.append((label, int(n), int(total)))
    if replaced:
        out.messages.append(
            f"replaced stored periods {', '.join(labels)} (previously from import(s) #"
            + ", #".join(str(i) for i in replaced)
            + ")"
        )
    if decided:
        listed = "; ".join(d.describe() for d in decided[:25])
        more = f"; and {len(decided) - 25} more" if len(decided) > 25 else ""
        out.messages.append(
            f"classified {len(decided)} new code combination(s) as expenditure or income: {listed}{more}"
        )
    for d, net, row in flipped_by_postings(con, fy.start_year, ctx.import_id):
        out.warnings.append(
            Problem(
                file,
                row,
                "account",
                f"cost centre {d.cost_centre} account {d.account} was classified {d.kind} ({d.reason}), but its "
                f"{fy.label} postings now net to {money(net)}: kept as {d.kind} (a refund or reversal does not "
                "re-classify it; give the mapping a kind, or set income_accounts, if it has changed)",
                WARNING,
            )
        )
    _doubtful(ctx)


@contextmanager
def any_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Statements inside may store rows in any order. Each ledger row carries its source row, and nothing
    reads the ledger by its physical order; an insert through a join keeps the file's order only by running
    on one thread, so it runs on every core instead."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def _refuse_closed_years(ctx: ImportContext) -> None:
    """Rows dated in a closed year are refused (the whole file), naming the first rows of each such year."""
    closed = closed_years(ctx.con)
    if not closed:
        return
    found = ctx.con.execute(
        f"SELECT fy, list(source_row ORDER BY source_row)[1:5] FROM ledger WHERE import_id = {ctx.import_id} "
        f"AND fy IN ({', '.join(str(y) for y in sorted(closed))}) GROUP BY fy ORDER BY fy"
    ).fetchall()
    problems = [
        Problem(ctx.raw.file, int(row), "date", f"is in {closed_message(FinancialYear(int(fy)))}", ERROR)
        for fy, rows in found
        for row in rows
    ]
    if problems:
        raise ImportFailed(problems)


def _doubtful(ctx: ImportContext) -> None:
    """Readable but doubtful rows, already stored: counted and listed by their first rows (one scan of this
    import's rows for the dates and suspense, one for duplicate references)."""
    con, out, fy, file = ctx.con, ctx.outcome, ctx.fy, ctx.raw.file
    conds = {
        "future": f"fy > {fy.start_year}",
        "earlier": f"fy < {fy.start_year}",
        "suspense": f"line = '{SUSPENSE_LINE}'",
    }
    found = con.execute(
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE {c}), list(source_row ORDER BY source_row) FILTER (WHERE {c})[1:10]"
            for c in conds.values()
        )
        + f" FROM ledger WHERE import_id = {ctx.import_id}"
    ).fetchall()[0]
    seen = {key: ([int(r) for r in found[2 * i + 1] or []], int(found[2 * i])) for i, key in enumerate(conds)}
    rows, n = seen["future"]
    warn(out, file, rows, n, "date", f"dates after the workspace year {fy.label} (future periods)")
    if not ctx.options.get("history"):
        rows, n = seen["earlier"]
        warn(out, file, rows, n, "date", f"dates before the workspace year {fy.label} (stored as history)")
    # the references used more than once (one aggregate over the file's own rows); their rows only if any
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dup_refs AS SELECT reference FROM {ctx.parsed} WHERE reference IS NOT NULL "
        "GROUP BY reference HAVING count(*) > 1"
    )
    if con.execute("SELECT count(*) FROM _dup_refs").fetchall()[0][0]:
        n, first = con.execute(
            f"SELECT count(*), list(source_row ORDER BY source_row)[1:10] FROM ledger WHERE import_id = "
            f"{ctx.import_id} AND reference IN (SELECT reference FROM _dup_refs)"
        ).fetchall()[0]
        warn(out, file, [int(r) for r in first or []], int(n), "reference", "duplicate references")
    con.execute("DROP TABLE _dup_refs")
    rows, n = seen["suspense"]
    if n:
        combos, total = con.execute(
            "SELECT count(DISTINCT (cost_centre, account)), COALESCE(sum(amount_p), 0) FROM ledger "
            "WHERE import_id = ? AND line = ?",
            [ctx.import_id, SUSPENSE_LINE],
        ).fetchall()[0]
        warn(
            out,
            file,
            rows,
            n,
            "cost_centre",
            f"unmapped code combinations ({combos}) held on the line '{SUSPENSE_LINE}', total {money_text(int(total))}",
        )
