"""The computed month-end report: plain values (integer pence) that the workbook and JSON both render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledgers.readers.money import pounds_float

if TYPE_CHECKING:
    from budget.monthend.cash import CashPosition
    from budget.monthend.funding import FundPosition
    from budget.plans.savings import SavingsTracker

BUDGET_MINUS_FORECAST = "budget-minus-forecast"
FORECAST_MINUS_BUDGET = "forecast-minus-budget"


def variance_pence(budget_p: int, forecast_p: int, sign: str) -> int:
    """Variance under the workspace's sign convention (default budget − forecast: positive = underspend)."""
    if sign == BUDGET_MINUS_FORECAST:
        return budget_p - forecast_p
    if sign == FORECAST_MINUS_BUDGET:
        return forecast_p - budget_p
    raise ValueError(
        f"variance_sign '{sign}' should be '{BUDGET_MINUS_FORECAST}' or '{FORECAST_MINUS_BUDGET}'"
    )


def direction(variance_p: int, sign: str) -> str:
    """'underspend' or 'overspend' for a net variance under the sign convention ('on budget' at zero)."""
    if variance_p == 0:
        return "on budget"
    under = variance_p > 0 if sign == BUDGET_MINUS_FORECAST else variance_p < 0
    return "underspend" if under else "overspend"


def sign_statement(sign: str) -> str:
    """The sentence every sheet carries about the sign convention."""
    if sign == BUDGET_MINUS_FORECAST:
        return "Variance = budget minus forecast outturn: a positive variance is an underspend, (brackets) an overspend."
    return "Variance = forecast outturn minus budget: a positive variance is an overspend, (brackets) an underspend."


@dataclass
class Figures:
    """Budget and forecast outturn of a line or heading, gross and income (income negative), in pence."""

    budget_gross_p: int = 0
    budget_income_p: int = 0
    forecast_gross_p: int = 0
    forecast_income_p: int = 0

    @property
    def budget_net_p(self) -> int:
        return self.budget_gross_p + self.budget_income_p

    @property
    def forecast_net_p(self) -> int:
        return self.forecast_gross_p + self.forecast_income_p

    def variances(self, sign: str) -> tuple[int, int, int]:
        """(gross, income, net) variance in pence."""
        return (
            variance_pence(self.budget_gross_p, self.forecast_gross_p, sign),
            variance_pence(self.budget_income_p, self.forecast_income_p, sign),
            variance_pence(self.budget_net_p, self.forecast_net_p, sign),
        )

    def add(self, other: Figures) -> None:
        self.budget_gross_p += other.budget_gross_p
        self.budget_income_p += other.budget_income_p
        self.forecast_gross_p += other.forecast_gross_p
        self.forecast_income_p += other.forecast_income_p


@dataclass
class LineResult:
    """One budget line's forecast outturn."""

    name: str
    heading: str
    figures: Figures
    actual_gross_p: int = 0  # actuals to date (the period), expenditure
    actual_income_p: int = 0  # actuals to date, income (negative)
    method: str = "run-rate"
    method_note: str = ""  # e.g. "statistical forecast not yet available: run-rate used"
    adjustments_p: int = 0  # sum of officer adjustments included in the forecast
    movement_net_p: int | None = None  # change in forecast net since the previous stored run; None = n/a
    best_net_p: int | None = None  # best case forecast net (statistical / placement range)
    worst_net_p: int | None = None
    funded_by: str | None = None  # e.g. "DSG High Needs Block", "Health (CHC)", "Home Office UASC grant"
    numbers: float | None = None  # forecast average placements for the year (placement lines)
    budget_numbers: float | None = None
    rag: str = "green"  # green / amber / red by |net variance| as a share of budget net
    is_suspense: bool = False


@dataclass
class HeadingResult:
    name: str
    figures: Figures
    movement_net_p: int | None = None


@dataclass
class VarianceRow:
    """A row of the Variances sheet."""

    level: str  # "heading" or "line" (or "other" for the grouped under-threshold row)
    name: str
    heading: str
    amount_p: int  # net variance under the sign convention
    direction: str  # "underspend" / "overspend"
    explanation: str
    commentary: str = ""  # officer's words, carried forward


@dataclass
class SurplusShare:
    contract_value_p: int
    net_position_p: int  # net outturn position: positive = underspend (surplus), negative = overspend
    council_share_p: int  # returned to the council (underspend) or borne by it (overspend)
    retained_share_p: int  # kept (or borne) by the trust
    final_contract_sum_p: int
    surplus_share_to_council: str  # fraction as written in settings, e.g. "0.90"
    overspend_share_to_council: str
    bands: list[tuple[str, int]] = field(default_factory=list)  # (description, council share in band)
    funded_lines: list[tuple[str, str, int]] = field(default_factory=list)  # (line, funder, variance net)

    def as_json(self) -> dict[str, object]:
        return {
            "contract_value": pounds_float(self.contract_value_p),
            "net_position": pounds_float(self.net_position_p),
            "council_share": pounds_float(self.council_share_p),
            "retained_share": pounds_float(self.retained_share_p),
            "final_contract_sum": pounds_float(self.final_contract_sum_p),
        }


@dataclass
class OutturnReport:
    authority: str
    financial_year: str  # "2019/20"
    period: str  # "2019-12"
    period_no: int  # 9
    variance_sign: str
    threshold_p: int
    rag_amber: float
    rag_red: float
    headings: list[HeadingResult]  # budget order
    lines: list[LineResult]  # grouped by heading, budget order
    variances: list[VarianceRow]
    surplus: SurplusShare
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, text) for the Notes sheet
    adjustments: list[tuple[str, int, str]] = field(default_factory=list)  # (line, pence, reason)
    suspense: list[tuple[str, str, int, int]] = field(
        default_factory=list
    )  # (cost_centre, account, rows, pence)
    data_as_at: str = ""
    savings: SavingsTracker | None = None  # the MTFS savings tracker at the period (None: no plan stored)
    funding: list[FundPosition] = field(default_factory=list)  # ring-fenced funds (empty: none stored)
    cash: CashPosition | None = None  # the cash position, when asked for (outturn --cash)

    @property
    def grand_total(self) -> Figures:
        total = Figures()
        for h in self.headings:
            total.add(h.figures)
        return total


def variance_key(level: str, name: str, heading: str) -> str:
    """The hidden key that lets commentary typed into the Variances sheet be read back: ``line|<name>``."""
    return f"other|{heading}" if level == "other" else f"{level}|{name}"
