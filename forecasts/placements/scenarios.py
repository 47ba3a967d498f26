"""MTFS scenarios on the placement model: mix moves between lines, demand and price changes, and the
weekly-cost multipliers (uplift each April, scenario price changes) the simulation's costs are scaled by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

PPM = 1_000_000


@dataclass(frozen=True)
class MixMove:
    """Children moved from one line to another: ``count_per_month`` every month from ``start`` (fractions
    accumulate: 2/3 a month moves 2 children a quarter) or a one-off ``count`` in ``start``'s month."""

    from_line: str
    to_line: str
    start: date
    count_per_month: float | None = None
    count: int | None = None
    weekly_cost_p: int | None = None


@dataclass
class Scenario:
    """MTFS what-if: mix moves, +x% starts per line, +y% weekly cost per line from ``price_change_from``."""

    mix_moves: list[MixMove] = field(default_factory=list)
    demand_change: dict[str, float] = field(default_factory=dict)
    price_change: dict[str, float] = field(default_factory=dict)
    price_change_from: date | None = None


def monthly_moves(mm: MixMove, months: list[pd.Timestamp]) -> list[int]:
    first = pd.Timestamp(mm.start).to_period("M").start_time
    out, done, k = [], 0, 0
    for m in months:
        if m < first:
            out.append(0)
            continue
        k += 1
        if mm.count_per_month is not None:
            total = int(np.floor(mm.count_per_month * k + 1e-9))
        else:
            total = int(mm.count or 0)
        out.append(total - done)
        done = total
    return out


def cost_factors_ppm(
    lines: list[str],
    months: list[pd.Timestamp],
    as_at: date,
    uplift: dict[str, float],
    uplift_month: int,
    scenario: Scenario,
) -> np.ndarray:
    """Weekly-cost multipliers in parts per million, shape (lines, months): the uplift compounds at every
    ``uplift_month`` (April) after as_at; a scenario price change applies from its date's month."""
    out = np.full((len(lines), len(months)), PPM, dtype=np.int64)
    change_from = pd.Timestamp(scenario.price_change_from or as_at).to_period("M").start_time
    for i, line in enumerate(lines):
        for j, m in enumerate(months):
            steps = sum(
                1
                for y in range(as_at.year, m.year + 1)
                if date(as_at.year, 1, 1) <= date(y, uplift_month, 1) <= m.date()
                and date(y, uplift_month, 1) > as_at
            )
            f = (Decimal(1) + Decimal(str(uplift.get(line, 0.0)))) ** steps
            if line in scenario.price_change and m >= change_from:
                f *= Decimal(1) + Decimal(str(scenario.price_change[line]))
            out[i, j] = int((f * PPM).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out
