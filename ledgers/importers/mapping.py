"""Mapping of (cost centre, account) codes to budget lines: exact codes, prefixes ending '*', and '*'."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ledgers.importers.codes import Resolver, Rule, matches, specificity, stored_rules
from ledgers.importers.kinds import (
    COMBO_COLUMNS,
    reclassify,
    remap_ledger,
    setting_in_force,
    settings_reclassified,
)
from ledgers.readers.columns import TEXT, Col, Spec
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede
from ledgers.store.schema import Store, temp_table

__all__ = [
    "SPEC",
    "Resolver",
    "Rule",
    "import_mapping",
    "matches",
    "remap_ledger",
    "specificity",
    "stored_rules",
]

SPEC = Spec(
    "mapping",
    (
        Col("cost_centre", TEXT, True, ("cost_center", "cc", "resp", "responsibility", "cost_code")),
        Col("account", TEXT, True, ("subjective", "account_code", "subjective_code", "nominal")),
        Col("line", TEXT, True, ("budget_line", "care_ladder_line")),
        Col("heading", TEXT, True, ("budget_heading", "overall_heading")),
        Col("kind", TEXT, False, ("type",)),
    ),
)


def ambiguous_rules(rules: list[Rule], file: str) -> list[Problem]:
    """Two rules of equal rank that can match the same codes are a tie: only identical patterns can."""
    by_key: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for r in rules:
        by_key[(r.cost_centre, r.account)].append(r)
    problems = []
    for (cc, acct), group in by_key.items():
        if len(group) > 1 and len({(r.line, r.heading) for r in group}) > 1:
            rows = ", ".join(str(r.row) for r in group)
            targets = "; ".join(f"row {r.row} -> {r.line}" for r in group)
            problems.append(
                Problem(
                    file,
                    group[1].row,
                    "cost_centre",
                    f"cost centre '{cc}' with account '{acct}' is mapped more than once (rows {rows}): "
                    f"{targets}; keep one",
                    ERROR,
                )
            )
    return problems


def import_mapping(
    store: Store,
    path: Path,
    fy: FinancialYear,
    sheet: str | None = None,
    *,
    income_accounts: tuple[str, ...] | None = None,
    clear: bool = False,
) -> ImportOutcome:
    """Import the code mapping; replaces the stored mapping and re-maps every stored ledger row (its line, and
    whether it is expenditure or income, saying which combinations that re-classifies).

    ``income_accounts``: the workspace setting of income account patterns (None: the
    one the stored decisions were taken under)."""
    options: dict[str, object] = {
        "income_accounts": None if income_accounts is None else tuple(income_accounts),
        "clear": clear,
    }
    return run_import(store, path, SPEC, fy, _validate, _save, sheet, options)


def _rules(ctx: ImportContext) -> list[Rule]:
    rows = ctx.con.execute(
        f"SELECT trim(cost_centre), trim(account), trim(line), trim(heading), lower(trim(kind)), _row "
        f"FROM {ctx.parsed} ORDER BY _row"
    ).fetchall()
    return [Rule(*r) for r in rows]


def _validate(ctx: ImportContext) -> list[Problem]:
    file = ctx.raw.file
    complete = [r for r in _rules(ctx) if r.cost_centre and r.account and r.line and r.heading]
    problems = ambiguous_rules(complete, file)
    for r in _rules(ctx):
        if r.kind and r.kind not in ("expenditure", "income"):
            problems.append(
                Problem(file, r.row, "kind", f"'{r.kind}' should be expenditure or income", ERROR)
            )
        for col, pat in (("cost_centre", r.cost_centre), ("account", r.account)):
            if pat and "*" in pat[:-1]:
                problems.append(
                    Problem(
                        file,
                        r.row,
                        col,
                        f"'{pat}': '*' may only end a prefix (e.g. 51*) or stand alone",
                        ERROR,
                    )
                )
    return problems


def _save(ctx: ImportContext) -> None:
    con, out = ctx.con, ctx.outcome
    replaced = supersede(con, "mapping", "mapping")
    rules = _rules(ctx)
    columns = {**COMBO_COLUMNS, "source_row": "INTEGER", "import_id": "INTEGER"}
    temp_table(
        con,
        "_mapping_in",
        columns,
        [(r.cost_centre, r.account, r.line, r.heading, r.kind or None, r.row, ctx.import_id) for r in rules],
    )
    con.execute("INSERT INTO mapping SELECT * FROM _mapping_in")
    con.execute("DROP TABLE _mapping_in")
    out.rows_stored = len(rules)
    out.by_period.append(("mapping", len(rules), 0))
    if replaced:
        out.messages.append(f"replaced the stored mapping (import #{', #'.join(map(str, replaced))})")
    left = remap_ledger(con, ctx.fy.start_year)
    out.messages.append(f"stored ledger rows re-mapped; {left} row(s) remain in suspense")
    patterns = setting_in_force(con, ctx.options.get("income_accounts"))
    out.messages += settings_reclassified(con, patterns)
    out.messages += reclassify(con, patterns, "the mapping changed")
