"""Declarative column specs per importer, and header matching (case/space/underscore/hyphen-insensitive)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TEXT = "text"
MONEY = "money"  # pounds as written in an export -> integer pence
DATE = "date"
PERIOD = "period"  # 2019/20-P09, P9, 9, 201912
NUMBER = "number"  # a plain decimal number (counts, fractions)
INTEGER = "integer"
BOOL = "bool"


def normalise(name: object) -> str:
    """Header text as a key: lower case, spaces/underscores/hyphens/dots folded to one underscore."""
    s = str(name or "").strip().lower().replace("\ufeff", "")
    s = re.sub(r"[\s_\-./]+", "_", s)
    return s.strip("_")


@dataclass(frozen=True)
class Col:
    """One input column: its canonical name, how to parse it, and the header spellings accepted."""

    name: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (normalise(self.name), *(normalise(a) for a in self.aliases))


@dataclass(frozen=True)
class Spec:
    """The columns of one kind of input file."""

    kind: str  # "ledger", "budget", ... (used in messages and the imports log)
    columns: tuple[Col, ...]
    # groups of which at least one must be present, e.g. (("date", "period"),) for the ledger
    one_of: tuple[tuple[str, ...], ...] = ()
    extra_text: bool = field(default=True)  # columns not named here are kept as text
    # any cell may hold a child reference (after a shift, in any column): messages never echo a cell
    personal: bool = False

    def col(self, name: str) -> Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def match(self, headers: list[str]) -> dict[str, int]:
        """Canonical column name -> index of the header that supplies it (first match wins)."""
        keys = [normalise(h) for h in headers]
        found: dict[str, int] = {}
        for c in self.columns:
            for k in c.keys:
                if k in keys:
                    found[c.name] = keys.index(k)
                    break
        return found

    def missing(self, found: dict[str, int]) -> list[str]:
        """Required columns (and one-of groups) not supplied by the header."""
        out = [c.name for c in self.columns if c.required and c.name not in found]
        for group in self.one_of:
            if not any(g in found for g in group):
                out.append(" or ".join(group))
        return out

    def score(self, headers: list[str]) -> int:
        """How many required columns this row supplies (to find the header below title rows)."""
        found = self.match(headers)
        return sum(1 for c in self.columns if c.required and c.name in found) + sum(
            1 for g in self.one_of if any(x in found for x in g)
        )

    @property
    def needed(self) -> int:
        return sum(1 for c in self.columns if c.required) + len(self.one_of)
