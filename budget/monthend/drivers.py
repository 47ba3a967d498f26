"""Exact driver decomposition of a line's net variance: volume / price / adjustments / other, to the penny."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from budget.monthend.report import LineResult, variance_pence
from ledgers.readers.money import words
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine

OTHER = "other (timing and items outside these drivers)"
AGENCY_SHARE = Fraction(1, 10)  # agency spend at least 10% of gross to date makes a line a staffing line


@dataclass(frozen=True)
class Driver:
    """One additive part of a variance, in pence under the sign convention, with the facts behind it."""

    label: str
    variance_p: int
    detail: str = ""


@dataclass
class Decomposition:
    """Parts that sum exactly to the net variance; ``memo`` holds 'of which' facts that are not added."""

    kind: str  # "placement", "income", "staffing" or "profile"
    parts: list[Driver]
    memo: list[str] = field(default_factory=list)

    @property
    def total_p(self) -> int:
        return sum(d.variance_p for d in self.parts)


@dataclass(frozen=True)
class PlacementBasis:
    """What a placement line's volume / price split needs (pence; numbers as average placements)."""

    budget_gross_p: int
    budget_income_p: int
    budget_numbers: Fraction
    budget_unit_cost_p: int
    forecast_gross_p: int  # including adjustments
    forecast_income_p: int
    adjustments_p: int
    numbers: Fraction  # forecast average placements over the year
    weeks: Fraction
    open_weekly_costs_p: tuple[int, ...] = ()


def weeks_in_year(fy: FinancialYear) -> Fraction:
    """Weeks in the financial year as an exact fraction: 365/7 (52 1/7), or 366/7 when it holds 29 February."""
    return Fraction((fy.end - fy.start).days + 1, 7)


def fraction_of(value: float | int | Fraction) -> Fraction:
    """A count as an exact fraction (floats via their shortest decimal repr, so 168.0 is exactly 168)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def pence_rounded(amount: Fraction) -> int:
    """A fraction of a penny rounded half away from zero."""
    whole = abs(amount.numerator) * 2 + amount.denominator
    magnitude = whole // (2 * amount.denominator)
    return magnitude if amount >= 0 else -magnitude


def exact_parts(cost_parts: list[tuple[str, Fraction, str]], total_cost_p: int, sign: str) -> list[Driver]:
    """Round each cost part (forecast minus budget) to pence, put the residue into the 'other' part, and turn
    each into a variance under ``sign``; zero parts other than those named are dropped."""
    rounded = [(label, pence_rounded(amount), detail) for label, amount, detail in cost_parts]
    residue = total_cost_p - sum(p for _, p, _ in rounded)
    out: list[tuple[str, int, str]] = []
    merged = False
    for label, p, detail in rounded:
        if label == OTHER:
            p += residue
            merged = True
        out.append((label, p, detail))
    if not merged and residue:
        out.append((OTHER, residue, "rounding"))
    return [
        Driver(label, variance_pence(0, p, sign), detail) for label, p, detail in out if p or label != OTHER
    ]


def placement_drivers(b: PlacementBasis, sign: str) -> Decomposition:
    """Volume = (forecast − budgeted placements) × budgeted unit cost × weeks; price = (forecast average weekly
    cost − budgeted unit cost) × forecast placements × weeks (forecast gross excluding adjustments); then
    adjustments, income against budget and other (budget not at numbers × unit cost, non-placement spend)."""
    unit = Fraction(b.budget_unit_cost_p)
    gross_ex_adj = b.forecast_gross_p - b.adjustments_p
    volume = (b.numbers - b.budget_numbers) * unit * b.weeks
    price = Fraction(gross_ex_adj) - b.numbers * unit * b.weeks
    avg_weekly = Fraction(gross_ex_adj) / (b.numbers * b.weeks)
    other = b.budget_numbers * unit * b.weeks - b.budget_gross_p
    cost_parts = [
        (
            "volume",
            volume,
            f"{_count(b.numbers)} average placements forecast against {_count(b.budget_numbers)} budgeted",
        ),
        (
            "price",
            price,
            f"average weekly cost £{_pounds(avg_weekly)} against £{_pounds(unit)} budgeted",
        ),
    ]
    if b.adjustments_p:
        cost_parts.append(("adjustments", Fraction(b.adjustments_p), "officer adjustments"))
    if b.budget_income_p or b.forecast_income_p:
        cost_parts.append(
            ("income", Fraction(b.forecast_income_p - b.budget_income_p), "income against budget")
        )
    cost_parts.append((OTHER, other, "budget not at numbers × unit cost, non-placement spend, timing"))
    total = b.forecast_gross_p + b.forecast_income_p - b.budget_gross_p - b.budget_income_p
    return Decomposition("placement", exact_parts(cost_parts, total, sign), high_cost_memo(b))


def high_cost_memo(b: PlacementBasis) -> list[str]:
    """'The 3 most expensive placements average £X a week against the line's £Y (£Zk a year above)'."""
    costs = sorted(b.open_weekly_costs_p, reverse=True)
    if len(costs) < 4:
        return []
    avg = Fraction(sum(costs), len(costs))
    top = costs[:3]
    premium = pence_rounded((sum(top) - 3 * avg) * b.weeks)
    if premium < 100_000:  # under £1k a year: the costs are alike, nothing to say
        return []
    return [
        f"the 3 most expensive of {len(costs)} open placements average £{_pounds(Fraction(sum(top), 3))} a week "
        f"against the line's average of £{_pounds(avg)}, {_words_abs(premium)} a year above average"
    ]


def income_drivers(
    budget_income_p: int,
    forecast_income_p: int,
    actual_income_p: int,
    profile_to_date_p: int,
    adjustments_p: int,
    sign: str,
) -> Decomposition:
    """Income received to date against the profile to date, and the rest of the year against the rest of the
    budget (income negative)."""
    to_date = actual_income_p - profile_to_date_p
    rest = (forecast_income_p - actual_income_p - adjustments_p) - (budget_income_p - profile_to_date_p)
    parts = [
        ("to date", Fraction(to_date), "income to date against the budget profile to date"),
        ("rest of year", Fraction(rest), "income forecast for the rest of the year against its budget"),
    ]
    if adjustments_p:
        parts.append(("adjustments", Fraction(adjustments_p), "officer adjustments"))
    return Decomposition("income", exact_parts(parts, forecast_income_p - budget_income_p, sign))


def profile_drivers(
    budget_net_p: int,
    forecast_net_p: int,
    actual_net_p: int,
    profile_to_date_p: int,
    adjustments_p: int,
    sign: str,
) -> Decomposition:
    """Actuals to date against the budget profile to date (run rate against profile), the rest of the year's
    forecast against the rest of the budget, and adjustments."""
    to_date = actual_net_p - profile_to_date_p
    rest = (forecast_net_p - actual_net_p - adjustments_p) - (budget_net_p - profile_to_date_p)
    parts = [
        ("to date", Fraction(to_date), "actuals to date against the budget profile to date"),
        ("rest of year", Fraction(rest), "forecast for the remaining months against their budget"),
    ]
    if adjustments_p:
        parts.append(("adjustments", Fraction(adjustments_p), "officer adjustments"))
    return Decomposition("profile", exact_parts(parts, forecast_net_p - budget_net_p, sign))


def staffing_drivers(
    budget_net_p: int,
    forecast_net_p: int,
    agency_to_date_p: int,
    period: int,
    adjustments_p: int,
    sign: str,
) -> Decomposition:
    """Agency staff (at the year-to-date rate for the whole year, outside the establishment budget) against the
    establishment: the rest of the forecast, net of adjustments, against the budget."""
    agency_year = Fraction(agency_to_date_p * 12, period)
    establishment = Fraction(forecast_net_p - adjustments_p - budget_net_p) - agency_year
    parts = [
        (
            "agency staff",
            agency_year,
            f"agency spend {_words_abs(agency_to_date_p)} to date, "
            f"{_words_abs(pence_rounded(agency_year))} for the year at that rate",
        ),
        ("establishment", establishment, "employees and running costs other than agency against budget"),
    ]
    if adjustments_p:
        parts.append(("adjustments", Fraction(adjustments_p), "officer adjustments"))
    return Decomposition("staffing", exact_parts(parts, forecast_net_p - budget_net_p, sign))


def is_staffing(agency_to_date_p: int, actual_gross_p: int) -> bool:
    """A line whose agency spend to date is at least a tenth of its gross spend to date."""
    return (
        agency_to_date_p > 0
        and actual_gross_p > 0
        and Fraction(agency_to_date_p, actual_gross_p) >= AGENCY_SHARE
    )


def _count(n: Fraction) -> str:
    return f"{float(n):,.1f}"


def _pounds(p: Fraction) -> str:
    return f"{pence_rounded(p / 100):,}"


def _words_abs(p: int) -> str:
    return words(p)


@dataclass
class DriverData:
    """The run's facts the drivers need beyond the line results: period, open placements, agency spend."""

    fy: FinancialYear
    period: int
    open_weekly_costs_p: dict[str, tuple[int, ...]] = field(default_factory=dict)
    agency_to_date_p: dict[str, int] = field(default_factory=dict)


def line_drivers(line: LineResult, budget: BudgetLine | None, data: DriverData, sign: str) -> Decomposition:
    """The decomposition that fits the line: placement (numbers and unit cost budgeted and forecast numbers),
    income (no gross budget), staffing (material agency spend) or actuals against profile."""
    f = line.figures
    profile_to_date = sum(budget.profile_p[: data.period]) if budget else 0
    if (
        budget is not None
        and budget.budget_numbers
        and budget.budget_unit_cost_p
        and line.numbers
        and f.forecast_gross_p - line.adjustments_p > 0
    ):
        basis = PlacementBasis(
            budget_gross_p=f.budget_gross_p,
            budget_income_p=f.budget_income_p,
            budget_numbers=fraction_of(budget.budget_numbers),
            budget_unit_cost_p=budget.budget_unit_cost_p,
            forecast_gross_p=f.forecast_gross_p,
            forecast_income_p=f.forecast_income_p,
            adjustments_p=line.adjustments_p,
            numbers=fraction_of(line.numbers),
            weeks=weeks_in_year(data.fy),
            open_weekly_costs_p=data.open_weekly_costs_p.get(line.name, ()),
        )
        return placement_drivers(basis, sign)
    if f.budget_gross_p == 0 and f.budget_income_p != 0:
        return income_drivers(
            f.budget_income_p,
            f.forecast_income_p + f.forecast_gross_p,
            line.actual_income_p + line.actual_gross_p,
            profile_to_date,
            line.adjustments_p,
            sign,
        )
    agency = data.agency_to_date_p.get(line.name, 0)
    if is_staffing(agency, line.actual_gross_p):
        return staffing_drivers(
            f.budget_net_p, f.forecast_net_p, agency, data.period, line.adjustments_p, sign
        )
    return profile_drivers(
        f.budget_net_p,
        f.forecast_net_p,
        line.actual_gross_p + line.actual_income_p,
        profile_to_date,
        line.adjustments_p,
        sign,
    )
