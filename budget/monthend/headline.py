"""The Summary's headline in words, as the seed report's paragraphs 29–30 put it."""

from __future__ import annotations

from dataclasses import dataclass

from budget.monthend.report import Movement, OutturnReport, direction
from ledgers.readers.money import words
from ledgers.readers.periods import FinancialYear

NEGLIGIBLE_P = 100_000  # under £1k of movement is "no change"


@dataclass(frozen=True)
class Headline:
    """The headline figures (pence) and the sentences that say them."""

    net_budget_p: int  # services' net budget: the grand total less the contract-value line
    forecast_net_p: int  # services' forecast net outturn
    contract_sum_p: int  # the revised contract sum (the contract line's forecast), or the setting
    variance_p: int  # grand-total net variance under the sign convention (includes a contract variation)
    sentences: list[str]

    @property
    def variance_share(self) -> float | None:
        return None if self.net_budget_p == 0 else abs(self.variance_p) / abs(self.net_budget_p)


def movement_words(variance_now_p: int, movement: Movement, sign: str) -> str:
    """'an increase of £0.1m since November 2019 (P8)': the change in the size of the under/overspend."""
    then = movement.variance_then_p
    now_dir, then_dir = direction(variance_now_p, sign), direction(then, sign)
    change = abs(variance_now_p) - abs(then)
    if abs(variance_now_p - then) < NEGLIGIBLE_P:
        return f"no change since {movement.since}"
    if now_dir != then_dir and then_dir != "on budget":
        return f"compared with a forecast {then_dir} of {words(then)} at {movement.since}"
    kind = "an increase" if change > 0 else "a decrease"
    return f"{kind} of {words(abs(change))} since {movement.since}"


def headline(report: OutturnReport) -> Headline:
    """Net budget, forecast net outturn, the variance in £ and %, and its movement since the last month end
    and the last quarter end, in words."""
    total = report.grand_total
    sign = report.variance_sign
    contract = next((ln for ln in report.lines if ln.name == report.contract_line), None)
    c_budget = contract.figures.budget_net_p if contract else 0
    c_forecast = contract.figures.forecast_net_p if contract else 0
    net_budget = total.budget_net_p - c_budget
    forecast = total.forecast_net_p - c_forecast
    variance = total.variances(sign)[2]
    fy = FinancialYear.parse(report.financial_year)
    month = fy.month(report.period_no).strftime("%B %Y")
    kind = direction(variance, sign)
    if kind == "on budget":
        first = f"The forecast outturn as at the end of {month} (P{report.period_no}) is on budget"
    else:
        first = (
            f"The forecast outturn as at the end of {month} (P{report.period_no}) is "
            f"a{'n' if kind[0] in 'aeiou' else ''} {kind} of {words(variance)}"
        )
        if net_budget:
            first += f" ({abs(variance) / abs(net_budget):.1%} of the net budget of {words(net_budget)})"
    changes = [
        movement_words(variance, m, sign) for m in (report.month_movement, report.quarter_movement) if m
    ]
    if changes:
        first += ", " + " and ".join(changes)
    sentences = [first + "."]
    if contract is not None:
        sentences.append(
            f"The {report.financial_year} contract sum is {words(-c_forecast)}"
            + (
                f" after contract variations of {words(c_budget - c_forecast)}"
                if abs(c_budget - c_forecast) >= NEGLIGIBLE_P
                else ""
            )
            + f"; the services' net budget is {words(net_budget)} and their forecast net outturn "
            f"{words(forecast)}."
        )
    if report.month_movement is None:
        sentences.append("No earlier run is stored for this year, so no movement is shown.")
    return Headline(net_budget, forecast, report.surplus.contract_value_p, variance, sentences)
