"""Variance explanations that read like the seed report's ¶35: amount, direction, drivers with amounts, movement.

Written as an accountant would: sentence case, one bullet per driver with a last line showing the parts adding
up to the total, income lines in income words ("additional income", "income shortfall"; the Direction column
and the JSON keep the contract's underspend/overspend), and nothing said about movements under £1k."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from budget.monthend.drivers import OTHER, Decomposition, Driver, DriverData, line_drivers
from budget.monthend.movement import LineMovement, MovementPart, line_movements, open_at, snapshot
from budget.monthend.report import HeadingResult, LineResult, direction, is_adverse
from ledgers.readers.money import words
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine, agency_to_date, income_placement_counts

NEGLIGIBLE_P = 100_000  # under £1k: not a movement worth a word, nor a driver worth a bullet
TOP_MOVEMENT_PARTS = 3
TIMING_LABELS = ("to date", "rest of year")
BULLET = "\n- "


def sentence(text: str) -> str:
    """Sentence case: the first letter capitalised, the rest as written (names keep their capitals)."""
    return text[:1].upper() + text[1:]


def is_income_line(ln: LineResult) -> bool:
    """A line budgeted as income only (grants, contributions, the contract sum)."""
    return ln.figures.budget_gross_p == 0 and ln.figures.budget_income_p != 0


def amount_words(variance_p: int, sign: str, income: bool = False) -> str:
    """'£306k underspend'; on an income line '£393k additional income' or '£275k income shortfall'."""
    if income and variance_p:
        return f"{words(variance_p)} {'income shortfall' if is_adverse(variance_p, sign) else 'additional income'}"
    return f"{words(variance_p)} {direction(variance_p, sign)}"


def part_words(variance_p: int, sign: str, income: bool, k: int | None = None) -> str:
    """A driver's amount in whole £k: '£825k overspend', '£296k above budget' (income parts); ``k`` the £k to
    show when rounding has been balanced so the parts add up."""
    if k is not None:
        variance_p = k * 100_000  # the balanced £k decides the direction word too
    k = thousands(abs(variance_p))
    if income:
        return f"£{k:,}k {'below budget' if is_adverse(variance_p, sign) else 'above budget'}"
    return f"£{k:,}k {direction(variance_p, sign)}"


def thousands(pence: int) -> int:
    """Whole £k, half up."""
    return int((Decimal(pence) / 100_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shown_thousands(parts_p: list[int], total_p: int) -> list[int]:
    """Each part in whole £k (signed), adjusted by largest remainder so the shown parts add up to the total
    shown: an officer checking the bullets by hand gets the stated figure."""
    target = thousands(abs(total_p)) * (1 if total_p >= 0 else -1)
    exact = [Decimal(p) / 100_000 for p in parts_p]
    shown = [int(x.to_integral_value(rounding=ROUND_HALF_UP)) for x in exact]
    gap = target - sum(shown)
    order = sorted(range(len(exact)), key=lambda i: -(abs(exact[i] - shown[i])))
    step = 1 if gap > 0 else -1
    i = 0
    while gap and order:
        j = order[i % len(order)]
        shown[j] += step
        gap -= step
        i += 1
    return shown


def adding_up(shown: list[int], total_p: int, sign: str, income: bool) -> str:
    """'Together: £825k − £18k + £34k = £840k overspend' in the total's direction (parts under £1k left out)."""
    way = 1 if total_p >= 0 else -1
    terms = [k * way for k in shown if k]
    if len(terms) < 2:
        return ""
    text = ("−" if terms[0] < 0 else "") + f"£{abs(terms[0]):,}k"
    for t in terms[1:]:
        text += f" {'+' if t > 0 else '−'} £{abs(t):,}k"
    return f"Together: {text} = {part_words(total_p, sign, income)}"


def driver_words(d: Driver, sign: str, income: bool, k: int | None = None) -> str:
    """'Volume (150.2 average placements forecast against 163.3 budgeted): £291k underspend'."""
    amount = part_words(d.variance_p, sign, income or d.label == "income", k)
    if d.label in TIMING_LABELS:
        return f"{sentence(d.detail)}: {amount}"
    if d.label == OTHER:
        return f"Other (timing and items outside these drivers): {amount}"
    if d.label == "income":
        return f"Income: {amount}"
    detail = (f" ({d.detail})" if "(" not in d.detail else f", {d.detail}") if d.detail else ""
    return f"{sentence(d.label)}{detail}: {amount}"


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
    if abs(movement_p) < NEGLIGIBLE_P:
        return f"Forecast unchanged since {prev_label}."
    way = "up" if movement_p > 0 else "down"
    text = f"Forecast {way} {words(movement_p)} since {prev_label}"
    if detail is None:
        return text + "."
    parts = sorted(
        (p for p in detail.parts if abs(p.amount_p) >= NEGLIGIBLE_P),
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
        """'Independent Fostering Agencies: £306k underspend.' then a bullet per driver, the parts adding up,
        the facts behind them, the funder, the savings the line was to deliver and the movement."""
        v = ln.figures.variances(self.sign)[2]
        income = is_income_line(ln)
        text = f"{ln.name}: {amount_words(v, self.sign, income)}."
        dec = self.drivers.get(ln.name)
        if dec is not None:
            if dec.kind == "income":
                text += " " + self.income_sentence(ln, v)
            shown = shown_thousands([d.variance_p for d in dec.parts], v)
            text += "".join(
                BULLET + driver_words(d, self.sign, income, k)
                for d, k in zip(dec.parts, shown, strict=True)
                if k
            )
            total = adding_up(shown, v, self.sign, income)
            if total:
                text += BULLET + total
            text += "".join(f"\n{sentence(m)}." for m in dec.memo)
        after = []
        if ln.funded_by:
            after.append(f"Funded by {ln.funded_by}.")
        if self.savings_text.get(ln.name):
            after.append(self.savings_text[ln.name])
        after.append(movement_sentence(ln.movement_net_p, self.movements.get(ln.name), self.prev_label))
        return text + "\n" + " ".join(after)

    def income_sentence(self, ln: LineResult, v: int) -> str:
        """'Income of £105k is forecast against a budget of £380k, a shortfall of £275k.'"""
        f = ln.figures
        forecast, budget = -f.forecast_net_p, -f.budget_net_p
        word = "a shortfall" if forecast < budget else "income above budget"
        count = self.income_counts.get(ln.name)
        funded = f" {count} placement{'s' if count != 1 else ''} attract this funding." if count else ""
        return (
            f"Income of {words(forecast)} is forecast against a budget of {words(budget)}, "
            f"{word} of {words(v)}.{funded}"
        )

    def named(self, ln: LineResult) -> str:
        """'Out of Area Residential: £840k overspend' (income words on an income line), with its funder."""
        v = ln.figures.variances(self.sign)[2]
        text = f"{ln.name}: {amount_words(v, self.sign, is_income_line(ln))}"
        return text + (f", funded by {ln.funded_by}" if ln.funded_by else "")

    def heading(self, h: HeadingResult, big: list[LineResult], small: list[LineResult]) -> str:
        """¶35 as short lines: the heading's amount, a bullet per line at or over the threshold, the rest
        grouped, and the movement with the lines that moved it most."""
        v = h.figures.variances(self.sign)[2]
        lines = big + small
        income = bool(lines) and all(is_income_line(ln) for ln in lines)
        text = f"{h.name}: {amount_words(v, self.sign, income)}."
        if len(big) == 1 and not small and big[0].name == h.name:
            text += " The line is explained below."
        elif big:
            text += f"\nVariances of {words(self.threshold_p)} or more:"
            text += "".join(BULLET + self.named(ln) for ln in big)
        if small:
            total = sum(ln.figures.variances(self.sign)[2] for ln in small)
            names = [ln.name for ln in small if abs(ln.figures.variances(self.sign)[2]) >= NEGLIGIBLE_P]
            text += (
                f"\nOther variances under {words(self.threshold_p)}: "
                f"{amount_words(total, self.sign, income)}"
                + (f" ({', '.join(names)})" if names else "")
                + "."
            )
        text += "\n" + movement_sentence(h.movement_net_p, None, self.prev_label)
        movers = sorted(
            (ln for ln in lines if abs(ln.movement_net_p or 0) >= NEGLIGIBLE_P),
            key=lambda ln: -abs(ln.movement_net_p or 0),
        )[:2]
        if movers and h.movement_net_p is not None and abs(h.movement_net_p) >= NEGLIGIBLE_P:
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
