"""Code patterns (exact codes, prefixes ending '*', and '*') and the mapping rules resolved over them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb


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
