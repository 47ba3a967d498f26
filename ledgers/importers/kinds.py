"""Expenditure or income for each (cost centre, account) combination: decided once, stored with its reason.

A mapping without a ``kind`` column is the common case: a cost centre maps to one line, and its account codes
say what is spend and what is income. Each combination is classified, in order, by:

1. the mapping's ``kind`` for the rule that maps it;
2. the setting ``income_accounts`` (account patterns, wildcards as in the mapping): a matching account is
   income, any other expenditure;
3. otherwise the sign of the combination's net postings when it is first seen (a net credit is income).

The decision is taken once, when the combination first reaches the store, and kept: later postings never
re-classify it (a P1 accrual reversal or a refund leaves an expenditure account expenditure), they are warned
about when they would flip it. A changed mapping or setting re-classifies the stored rows, and says which.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from ledgers.importers.codes import Resolver, Rule, matches, stored_rules
from ledgers.store.schema import SUSPENSE_HEADING, SUSPENSE_LINE, temp_table

EXPENDITURE = "expenditure"
INCOME = "income"
PATTERNS_KEY = "income_accounts"  # meta key: the setting the stored decisions were taken under
MAX_LISTED = 25  # combinations listed one by one in a message; the rest are counted


@dataclass(frozen=True)
class Decision:
    cost_centre: str
    account: str
    kind: str  # expenditure / income
    basis: str  # mapping / setting / sign
    reason: str
    first_net_p: int | None = None  # net postings when first seen (what a decision by sign goes by)

    def describe(self) -> str:
        return f"{self.cost_centre}/{self.account} {self.kind}: {self.reason}"


def money(pence: int) -> str:
    """£1,234.56 debit / £1,234.56 credit: the side a finance officer reads a net posting by."""
    side = "credit" if pence < 0 else "debit"
    return f"£{abs(pence) / 100:,.2f} {side}"


def by_rules(rule: Rule | None, cost_centre: str, account: str, patterns: tuple[str, ...]) -> Decision | None:
    """The decision the mapping's kind or the income_accounts setting gives; None when neither does."""
    if rule is not None and rule.kind:
        reason = f"mapping kind '{rule.kind}' (mapping row {rule.row})"
        return Decision(cost_centre, account, rule.kind, "mapping", reason)
    if patterns:
        hit = next((p for p in patterns if matches(p, account)), None)
        if hit is not None:
            return Decision(
                cost_centre, account, INCOME, "setting", f"account matches income_accounts '{hit}'"
            )
        listed = ", ".join(f"'{p}'" for p in patterns)
        reason = f"account matches no income_accounts pattern ({listed})"
        return Decision(cost_centre, account, EXPENDITURE, "setting", reason)
    return None


def by_sign(cost_centre: str, account: str, net_p: int, when: str) -> Decision:
    """A net credit is income, a net debit (or nothing) expenditure."""
    kind = INCOME if net_p < 0 else EXPENDITURE
    reason = f"sign of its net postings {when}: {money(net_p)}" if net_p else f"no net postings {when}"
    return Decision(cost_centre, account, kind, "sign", reason, net_p)


def stored_patterns(con: duckdb.DuckDBPyConnection) -> tuple[str, ...] | None:
    """The income_accounts setting the stored decisions were taken under (None: none taken yet)."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [PATTERNS_KEY]).fetchone()
    return None if row is None else tuple(json.loads(row[0]))


def setting_in_force(con: duckdb.DuckDBPyConnection, given: object) -> tuple[str, ...]:
    """The income_accounts patterns to classify by: those given (the workspace setting), or when a caller
    does not know the setting (None), the ones the stored decisions were taken under."""
    if given is None:
        return stored_patterns(con) or ()
    return tuple(str(p) for p in given)  # type: ignore[attr-defined]


def _save_patterns(con: duckdb.DuckDBPyConnection, patterns: tuple[str, ...]) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [PATTERNS_KEY, json.dumps(list(patterns))])


def stored_decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Decision]:
    rows = con.execute(
        "SELECT cost_centre, account, kind, basis, reason, first_net_p FROM account_kinds"
    ).fetchall()
    return {(r[0], r[1]): Decision(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows}


def _store(con: duckdb.DuckDBPyConnection, decisions: list[Decision], import_id: int | None) -> None:
    if not decisions:
        return
    keys = [(d.cost_centre, d.account) for d in decisions]
    temp_table(con, "_kind_keys", {"cost_centre": "VARCHAR", "account": "VARCHAR"}, list(keys))
    con.execute(
        "DELETE FROM account_kinds WHERE (cost_centre, account) IN (SELECT (cost_centre, account) FROM _kind_keys)"
    )
    con.execute("DROP TABLE _kind_keys")
    now = datetime.now()
    temp_table(
        con,
        "_kinds_in",
        {
            "cost_centre": "VARCHAR",
            "account": "VARCHAR",
            "kind": "VARCHAR",
            "basis": "VARCHAR",
            "reason": "VARCHAR",
            "first_net_p": "BIGINT",
            "import_id": "INTEGER",
            "decided_at": "TIMESTAMP",
        },
        [
            (d.cost_centre, d.account, d.kind, d.basis, d.reason, d.first_net_p, import_id, now)
            for d in decisions
        ],
    )
    con.execute("INSERT INTO account_kinds SELECT * FROM _kinds_in")
    con.execute("DROP TABLE _kinds_in")


COMBO_COLUMNS = {
    "cost_centre": "VARCHAR",
    "account": "VARCHAR",
    "line": "VARCHAR",
    "heading": "VARCHAR",
    "kind": "VARCHAR",
}


def _line_of(rule: Rule | None) -> tuple[str, str]:
    return (SUSPENSE_LINE, SUSPENSE_HEADING) if rule is None else (rule.line, rule.heading)


def classify_combos(
    con: duckdb.DuckDBPyConnection,
    combos: list[tuple[str, str, int]],
    patterns: tuple[str, ...],
    import_id: int,
    table: str = "_combo_lines",
) -> list[Decision]:
    """Temp table ``table``: line, heading and kind of each incoming (cost_centre, account, net pence).

    A combination already decided keeps its decision; a new one is decided now (its net postings in this
    file when neither the mapping nor the setting decides it) and stored. Returns the new decisions."""
    resolver = Resolver(stored_rules(con))
    known = stored_decisions(con)
    new: list[Decision] = []
    out: list[tuple[object, ...]] = []
    for cc, acct, net in combos:
        rule = resolver.resolve(cc, acct)
        d = known.get((cc, acct))
        if d is None:
            ruled = by_rules(rule, cc, acct, patterns)
            first_seen = by_sign(cc, acct, int(net), "when first seen")
            d = first_seen if ruled is None else replace(ruled, first_net_p=int(net))
            new.append(d)
        out.append((cc, acct, *_line_of(rule), d.kind))
    _store(con, new, import_id)
    temp_table(con, table, COMBO_COLUMNS, out)
    return new


def remap_ledger(con: duckdb.DuckDBPyConnection, fy: int) -> int:
    """Re-resolve the line and heading of every stored ledger row (the kinds stay as decided); returns the rows
    still in suspense. ``fy`` is kept for callers: lines do not depend on the year."""
    del fy
    resolver = Resolver(stored_rules(con))
    combos = [
        (str(a), str(b))
        for a, b in con.execute("SELECT DISTINCT cost_centre, account FROM ledger_codes").fetchall()
    ]
    rows: list[tuple[object, ...]] = [
        (cc, acct, *_line_of(resolver.resolve(cc, acct)), None) for cc, acct in combos
    ]
    temp_table(con, "_combo_lines", COMBO_COLUMNS, rows)
    con.execute(
        "UPDATE ledger_codes SET line = c.line, heading = c.heading FROM _combo_lines c "
        "WHERE ledger_codes.cost_centre = c.cost_centre AND ledger_codes.account = c.account"
    )
    con.execute("DROP TABLE _combo_lines")
    return int(con.execute("SELECT count(*) FROM ledger WHERE line = ?", [SUSPENSE_LINE]).fetchall()[0][0])


def reclassify(
    con: duckdb.DuckDBPyConnection, patterns: tuple[str, ...], cause: str, always: bool = False
) -> list[str]:
    """Re-decide every stored combination after ``cause`` (the mapping or the setting changed), update the
    stored ledger rows, and say what changed. Where neither the mapping nor the setting decides a combination,
    the sign of its net postings when first seen does (so a later refund still cannot flip it); one never
    decided before (a store from before decisions were kept) goes by its stored net postings. ``always``: say so even when no combination changed kind."""
    resolver = Resolver(stored_rules(con))
    known = stored_decisions(con)
    nets = {
        (str(r[0]), str(r[1])): int(r[2])
        for r in con.execute(
            "SELECT cost_centre, account, sum(amount_p) FROM ledger GROUP BY 1, 2"
        ).fetchall()
    }
    changed: list[tuple[Decision | None, Decision]] = []
    for key in sorted(set(known) | set(nets)):
        cc, acct = key
        old = known.get(key)
        first = None if old is None else old.first_net_p  # the net postings when first seen
        new = by_rules(resolver.resolve(cc, acct), cc, acct, patterns)
        if new is not None:
            new = replace(new, first_net_p=first)
        elif first is not None:
            new = by_sign(cc, acct, first, "when first seen")
        else:
            new = by_sign(cc, acct, nets.get(key, 0), "stored when re-classified")
        if old != new:
            changed.append((old, new))
    _store(con, [new for _, new in changed], None)
    _save_patterns(con, patterns)
    con.execute(
        "UPDATE ledger_codes SET kind = k.kind FROM account_kinds k WHERE ledger_codes.cost_centre = "
        "k.cost_centre AND ledger_codes.account = k.account AND ledger_codes.kind <> k.kind"
    )
    flipped = [(old, new) for old, new in changed if old is None or old.kind != new.kind]
    flipped = [(old, new) for old, new in flipped if (new.cost_centre, new.account) in nets]
    if not flipped:
        return (
            [f"{cause}: no stored code combination changed between expenditure and income"] if always else []
        )
    listed = [
        f"{new.cost_centre}/{new.account} {old.kind if old else 'unclassified'} -> {new.kind} ({new.reason})"
        for old, new in flipped[:MAX_LISTED]
    ]
    more = f"; and {len(flipped) - MAX_LISTED} more" if len(flipped) > MAX_LISTED else ""
    return [
        f"{cause}: re-classified {len(flipped)} stored code combination(s) as expenditure or income: "
        + "; ".join(listed)
        + more
    ]


def settings_reclassified(con: duckdb.DuckDBPyConnection, patterns: tuple[str, ...]) -> list[str]:
    """Re-classify the stored rows when the income_accounts setting is not the one they were decided under
    (or some stored rows were never decided: a store from before decisions were kept); messages say so."""
    before = stored_patterns(con)
    undecided = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT cost_centre, account FROM ledger) l "
        "ANTI JOIN account_kinds k ON l.cost_centre = k.cost_centre AND l.account = k.account"
    ).fetchall()[0][0]
    if before == patterns and not undecided:
        return []
    if before is None or before == patterns:
        return reclassify(con, patterns, "stored ledger rows classified for the first time")
    was = ", ".join(f"'{p}'" for p in before) or "not set"
    now = ", ".join(f"'{p}'" for p in patterns) or "not set"
    return reclassify(
        con, patterns, f"the setting income_accounts changed (was {was}, now {now})", always=True
    )


def flipped_by_postings(
    con: duckdb.DuckDBPyConnection, fy: int, import_id: int
) -> list[tuple[Decision, int, int]]:
    """Combinations of this import decided by sign whose stored postings for ``fy`` now net the other way:
    (decision, net pence now, first row of this import)."""
    rows = con.execute(
        """SELECT k.cost_centre, k.account, k.kind, k.basis, k.reason, k.first_net_p, n.net_p, n.first_row
           FROM account_kinds k JOIN (
               SELECT cost_centre, account, sum(amount_p) AS net_p,
                      min(source_row) FILTER (WHERE import_id = ?) AS first_row
               FROM ledger WHERE fy = ? GROUP BY ALL) n
             ON k.cost_centre = n.cost_centre AND k.account = n.account
           WHERE k.basis = 'sign' AND n.first_row IS NOT NULL
             AND ((k.kind = 'expenditure' AND n.net_p < 0) OR (k.kind = 'income' AND n.net_p > 0))
           ORDER BY n.first_row""",
        [import_id, fy],
    ).fetchall()
    return [(Decision(r[0], r[1], r[2], r[3], r[4], r[5]), int(r[6]), int(r[7])) for r in rows]
