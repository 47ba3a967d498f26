"""Variance explanations that read like the seed report's ¶35: amount, direction, drivers with amounts, movement."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from budget.monthend.drivers import OTHER, Decomposition, Driver, DriverData, line_drivers
from budget.monthend.movement import LineMovement, MovementPart, line_movements, open_at, snapshot
from budget.monthend.report import HeadingResult, LineResult, direction
from ledgers.readers.money import words
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine, agency_to_date, income_placement_counts

MIN_PART_P = 50  # parts under 50p are left out of the words (they stay in the exact decomposition)
TOP_MOVEMENT_PARTS = 3
TIMING_LABELS = ("to date", "rest of year")


def amount_words(variance_p: int, sign: str) -> str:
    """'£306k underspend' (never a bare sign)."""
    return f"{words(variance_p)} {direction(variance_p, sign)}"


def driver_words(d: Driver, sign: str) -> str:
    """'volume: 150.2 average placements forecast against 163.3 budgeted, £535k underspend'."""
    if d.label in TIMING_LABELS:
        return f"{d.detail}: {amount_words(d.variance_p, sign)}"
    detail = f" ({d.detail})" if d.detail and d.label != OTHER else ""
    return f"{d.label}{detail}: {amount_words(d.variance_p, sign)}"


def movement_part_words(part: MovementPart, prev_label: str) -> str:
    """'3 new placements adding £40k', 'December actuals £12k below the P8 forecast'."""
    if part.label.endswith("forecast") and "actuals" in part.label:
        way = "above" if part.amount_p > 0 else "below"
        months = part.label.split(" actuals")[0]
        return f"{months} actuals {words(part.amount_p)} {way} the {prev_label} forecast"
    effect = "adding" if part.amount_p > 0 else "reducing it by"
    if part.count:
        return f"{part.count} {part.label} {effect} {words(part.amount_p)}"
    return f"{part.label} {effect} {words(part.amount_p)}"


def movement_sentence(movement_p: int | None, detail: LineMovement | None, prev_label: str | None) -> str:
    """'Forecast up £86k since P8: 4 new placements adding £40k; …' (the largest parts first)."""
    if movement_p is None or prev_label is None:
        return "No previous forecast to compare."
    if abs(movement_p) < 100:  # under £1: pennies of rounding, not a movement
        return f"Forecast unchanged since {prev_label}."
    way = "up" if movement_p > 0 else "down"
    text = f"Forecast {way} {words(movement_p)} since {prev_label}"
    if detail is None:
        return text + "."
    parts = sorted(
        (
            p
            for p in detail.parts
            if abs(p.amount_p) >= 100_000 or (p.count and abs(p.amount_p) >= MIN_PART_P)
        ),
        key=lambda p: -abs(p.amount_p),
    )[:TOP_MOVEMENT_PARTS]
    if not parts:
        return text + "."
    return text + ": " + "; ".join(movement_part_words(p, prev_label) for p in parts) + "."


@dataclass
class Explainer:
    """Writes the Variances sheet's explanations from each line's drivers and movement."""

    sign: str
    threshold_p: int
    prev_label: str | None
    drivers: dict[str, Decomposition] = field(default_factory=dict)
    movements: dict[str, LineMovement] = field(default_factory=dict)
    income_counts: dict[str, int] = field(default_factory=dict)
    savings_text: dict[str, str] = field(default_factory=dict)  # line -> what its savings schemes deliver

    def line(self, ln: LineResult) -> str:
        """'Independent Fostering Agencies £306k underspend. volume: …; price: …. Forecast up £86k since P8: …'"""
        v = ln.figures.variances(self.sign)[2]
        head = f"{ln.name} {amount_words(v, self.sign)}."
        dec = self.drivers.get(ln.name)
        body = ""
        if dec is not None:
            body = " " + (self.income_sentence(ln, v) + " " if dec.kind == "income" else "")
            shown = [d for d in dec.parts if abs(d.variance_p) >= MIN_PART_P]
            body += "; ".join(driver_words(d, self.sign) for d in shown) if shown else "no material drivers"
            body += "".join(f"; {m}" for m in dec.memo) + "."
        if ln.funded_by:
            body += f" Funded by {ln.funded_by}."
        if self.savings_text.get(ln.name):
            body += " " + self.savings_text[ln.name]
        return (
            head
            + body
            + " "
            + movement_sentence(ln.movement_net_p, self.movements.get(ln.name), self.prev_label)
        )

    def income_sentence(self, ln: LineResult, v: int) -> str:
        """'Income of £105k is forecast against a budget of £380k, a shortfall of £275k (2 placements funded).'"""
        f = ln.figures
        forecast, budget = -f.forecast_net_p, -f.budget_net_p
        word = "a shortfall" if forecast < budget else "an excess"
        count = self.income_counts.get(ln.name)
        funded = f" {count} placement(s) attract this funding." if count else ""
        return (
            f"Income of {words(forecast)} is forecast against a budget of {words(budget)}, "
            f"{word} of {words(v)}.{funded}"
        )

    def heading(self, h: HeadingResult, big: list[LineResult], small: list[LineResult]) -> str:
        """¶35: the heading's amount, its lines at or over the threshold, the rest grouped, and the movement."""
        v = h.figures.variances(self.sign)[2]
        text = f"{h.name} {amount_words(v, self.sign)}"
        if big:
            named = ", ".join(
                f"{ln.name} {amount_words(ln.figures.variances(self.sign)[2], self.sign)}" for ln in big
            )
            text += f": variances of {words(self.threshold_p)} or more on {named}"
        funded = [ln for ln in big if ln.funded_by]
        for ln in funded:
            text += (
                f"; of which {amount_words(ln.figures.variances(self.sign)[2], self.sign)} "
                f"is {ln.name} ({ln.funded_by})"
            )
        if small:
            total = sum(ln.figures.variances(self.sign)[2] for ln in small)
            names = ", ".join(ln.name for ln in small if ln.figures.variances(self.sign)[2] != 0)
            text += (
                f"; other variances under {words(self.threshold_p)} totalling {amount_words(total, self.sign)}"
                + (f" ({names})" if names else "")
            )
        text += ". " + movement_sentence(h.movement_net_p, None, self.prev_label)
        movers = sorted(
            (ln for ln in big + small if ln.movement_net_p), key=lambda ln: -abs(ln.movement_net_p or 0)
        )[:2]
        if movers and h.movement_net_p:
            text = (
                text[:-1]
                + ", mainly "
                + " and ".join(
                    f"{ln.name} ({'up' if (ln.movement_net_p or 0) > 0 else 'down'} {words(ln.movement_net_p or 0)})"
                    for ln in movers
                )
                + "."
            )
        return text


def explainer_for(
    con: duckdb.DuckDBPyConnection,
    fy: FinancialYear,
    period: int,
    sign: str,
    threshold_p: int,
    prev_period: int | None,
    budget: list[BudgetLine],
    results: list[LineResult],
    placements: pd.DataFrame,
    actual_monthly: pd.DataFrame,
    adjustments_p: dict[str, int],
) -> Explainer:
    """The run's explainer: every line's driver decomposition and, with a previous run, its movement."""
    open_costs: dict[str, tuple[int, ...]] = {}
    if len(placements):
        now_open = open_at(placements, fy.month_end(period))
        for line, costs in now_open.groupby("line")["weekly_cost_p"]:
            open_costs[str(line)] = tuple(int(c) for c in costs.tolist())
    data = DriverData(fy, period, open_costs, agency_to_date(con, fy.start_year, period))
    by_line = {b.line: b for b in budget}
    explainer = Explainer(
        sign,
        threshold_p,
        f"P{prev_period}" if prev_period else None,
        {ln.name: line_drivers(ln, by_line.get(ln.name), data, sign) for ln in results},
        income_counts=income_placement_counts(con, fy.start_year, period),
    )
    prev = snapshot(con, fy, prev_period) if prev_period else None
    if prev is not None:
        moved = {ln.name: ln.movement_net_p for ln in results if ln.movement_net_p is not None}
        explainer.movements = line_movements(
            prev, moved, actual_monthly, adjustments_p, placements, fy, period
        )
    return explainer
