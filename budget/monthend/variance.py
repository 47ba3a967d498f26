"""Variances at or over the threshold, in the hierarchy of the seed report's ¶35."""

from __future__ import annotations

from collections.abc import Callable

from budget.monthend.explain import BULLET, NEGLIGIBLE_P, amount_words, is_income_line
from budget.monthend.report import HeadingResult, LineResult, VarianceRow, direction
from ledgers.readers.money import words

OTHER = "Other variances under {threshold}"


def movement_words(movement_p: int | None, prev_label: str | None, sign: str) -> str:
    if movement_p is None or prev_label is None:
        return "no previous forecast to compare"
    if movement_p == 0:
        return f"forecast unchanged since {prev_label}"
    way = "up" if movement_p > 0 else "down"
    return f"forecast {way} {words(movement_p)} since {prev_label}"


def factual_sentence(
    name: str,
    budget_net_p: int,
    forecast_net_p: int,
    variance_p: int,
    sign: str,
    movement_p: int | None,
    prev_label: str | None,
) -> str:
    """'Budget £1.2m, forecast £1.5m: £306k overspend; forecast up £20k since P8.'"""
    d = direction(variance_p, sign)
    return (
        f"{name}: budget {_signed(budget_net_p)}, forecast outturn {_signed(forecast_net_p)}: "
        f"{words(variance_p)} {d}; {movement_words(movement_p, prev_label, sign)}."
    )


def _signed(p: int) -> str:
    return f"-{words(p)}" if p < 0 else words(p)


def variance_rows(
    headings: list[HeadingResult],
    lines: list[LineResult],
    sign: str,
    threshold_p: int,
    prev_label: str | None,
    explain_line: Callable[[LineResult], str] | None = None,
    explain_heading: Callable[[HeadingResult, list[LineResult], list[LineResult]], str] | None = None,
) -> list[VarianceRow]:
    """Every heading and line whose |net variance| ≥ threshold; under an explained heading the lines below
    the threshold are summed into one 'other variances under £100k' row."""
    rows: list[VarianceRow] = []
    by_heading: dict[str, list[LineResult]] = {}
    for ln in lines:
        by_heading.setdefault(ln.heading, []).append(ln)
    for h in headings:
        hv = h.figures.variances(sign)[2]
        members = by_heading.get(h.name, [])
        big = [ln for ln in members if abs(ln.figures.variances(sign)[2]) >= threshold_p]
        small = [ln for ln in members if abs(ln.figures.variances(sign)[2]) < threshold_p]
        explained = abs(hv) >= threshold_p
        if explained:
            text = (
                explain_heading(h, big, small)
                if explain_heading
                else factual_sentence(
                    h.name,
                    h.figures.budget_net_p,
                    h.figures.forecast_net_p,
                    hv,
                    sign,
                    h.movement_net_p,
                    prev_label,
                )
            )
            rows.append(VarianceRow("heading", h.name, h.name, hv, direction(hv, sign), text))
        for ln in big:
            lv = ln.figures.variances(sign)[2]
            text = (
                explain_line(ln)
                if explain_line
                else factual_sentence(
                    ln.name,
                    ln.figures.budget_net_p,
                    ln.figures.forecast_net_p,
                    lv,
                    sign,
                    ln.movement_net_p,
                    prev_label,
                )
            )
            rows.append(VarianceRow("line", ln.name, h.name, lv, direction(lv, sign), text))
        total = sum(ln.figures.variances(sign)[2] for ln in small)
        if explained and small and total != 0:  # a nil row says nothing an officer needs
            label = OTHER.format(threshold=words(threshold_p))
            named = [
                f"{ln.name}: {amount_words(v, sign, is_income_line(ln))}"
                for ln in small
                if abs(v := ln.figures.variances(sign)[2]) >= NEGLIGIBLE_P
            ]
            income = all(is_income_line(ln) for ln in small)
            text = f"Other variances under {words(threshold_p)}: {amount_words(total, sign, income)}." + (
                "".join(BULLET + n for n in named)
            )
            rows.append(VarianceRow("other", label, h.name, total, direction(total, sign), text))
    return rows
