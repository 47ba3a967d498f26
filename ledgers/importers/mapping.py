"""Mapping of (cost centre, account) codes to budget lines: exact codes, prefixes ending '*', and '*'."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ledgers.readers.columns import TEXT, Col, Spec
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, run_import, supersede
from ledgers.store.schema import SUSPENSE_HEADING, SUSPENSE_LINE, Store, temp_table

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


def specificity(pattern: str) -> tuple[int, int]:
    """Rank of a code pattern: exact (2, len) > longer prefix (1, len) > shorter prefix > '*' (0, 0)."""
    if pattern == "*":
        return (0, 0)
    if pattern.endswith("*"):
        return (1, len(pattern) - 1)
    return (2, len(pattern))


def matches(pattern: str, code: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return code.startswith(pattern[:-1])
    return code == pattern


@dataclass(frozen=True)
class Rule:
    cost_centre: str
    account: str
    line: str
    heading: str
    kind: str | None
    row: int

    @property
    def rank(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Cost centre specificity ranked before account specificity."""
        return (specificity(self.cost_centre), specificity(self.account))


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


class Resolver:
    """Most-specific-match lookup over a rule set."""

    def __init__(self, rules: list[Rule]):
        self.exact: dict[str, list[Rule]] = defaultdict(list)
        self.other: list[Rule] = []
        for r in rules:
            if r.cost_centre.endswith("*"):
                self.other.append(r)
            else:
                self.exact[r.cost_centre].append(r)

    def resolve(self, cost_centre: str, account: str) -> Rule | None:
        best: Rule | None = None
        for r in (*self.exact.get(cost_centre, ()), *self.other):
            if (
                matches(r.cost_centre, cost_centre)
                and matches(r.account, account)
                and (best is None or r.rank > best.rank)
            ):
                best = r
        return best


def stored_rules(con: duckdb.DuckDBPyConnection) -> list[Rule]:
    rows = con.execute(
        "SELECT cost_centre, account, line, heading, kind, source_row FROM mapping ORDER BY source_row"
    ).fetchall()
    return [Rule(*r) for r in rows]


def line_kinds(con: duckdb.DuckDBPyConnection, fy: int) -> dict[str, str]:
    """Lines whose budget is income only are 'income'; the default for an unmarked mapping."""
    rows = con.execute("SELECT line, gross_p, income_p FROM budget WHERE fy = ?", [fy]).fetchall()
    return {line: ("income" if gross == 0 and income != 0 else "expenditure") for line, gross, income in rows}


COMBO_COLUMNS = {
    "cost_centre": "VARCHAR",
    "account": "VARCHAR",
    "line": "VARCHAR",
    "heading": "VARCHAR",
    "kind": "VARCHAR",
}


def combo_lines(
    con: duckdb.DuckDBPyConnection, combos: list[tuple[str, str]], fy: int, table: str = "_combo_lines"
) -> None:
    """Temp table ``table``: line, heading and kind (expenditure/income) for each (cost_centre, account);
    the suspense line when a combination matches no rule."""
    resolver = Resolver(stored_rules(con))
    kinds = line_kinds(con, fy)
    out: list[tuple[object, ...]] = []
    for cc, acct in combos:
        rule = resolver.resolve(cc, acct)
        if rule is None:
            out.append((cc, acct, SUSPENSE_LINE, SUSPENSE_HEADING, "expenditure"))
        else:
            kind = (rule.kind or "").strip().lower() or kinds.get(rule.line, "expenditure")
            out.append((cc, acct, rule.line, rule.heading, kind))
    temp_table(con, table, COMBO_COLUMNS, out)


def remap_ledger(con: duckdb.DuckDBPyConnection, fy: int) -> int:
    """Re-resolve every stored ledger row after the mapping changed; returns rows still in suspense."""
    combos = [
        (str(a), str(b))
        for a, b in con.execute("SELECT DISTINCT cost_centre, account FROM ledger").fetchall()
    ]
    combo_lines(con, combos, fy)
    con.execute(
        "UPDATE ledger SET line = c.line, heading = c.heading, kind = c.kind FROM _combo_lines c "
        "WHERE ledger.cost_centre = c.cost_centre AND ledger.account = c.account"
    )
    con.execute("DROP TABLE _combo_lines")
    return int(con.execute("SELECT count(*) FROM ledger WHERE line = ?", [SUSPENSE_LINE]).fetchall()[0][0])


def import_mapping(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None, *, clear: bool = False
) -> ImportOutcome:
    """Import the code mapping; replaces the stored mapping and re-maps every stored ledger row (``clear``:
    a file of no rows may empty it; otherwise such a file is refused)."""
    return run_import(store, path, SPEC, fy, _validate, _save, sheet, {"clear": clear})


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
