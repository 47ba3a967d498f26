"""Driver decompositions worked out by hand, and exact to the penny over random cases."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from budget.monthend.drivers import (
    OTHER,
    PlacementBasis,
    high_cost_memo,
    income_drivers,
    placement_drivers,
    profile_drivers,
    staffing_drivers,
    weeks_in_year,
)
from budget.monthend.report import BUDGET_MINUS_FORECAST, FORECAST_MINUS_BUDGET
from ledgers.readers.periods import FinancialYear

WEEKS_2018 = Fraction(365, 7)  # 2018/19: 1 April 2018 to 31 March 2019, no 29 February: 52 1/7 weeks


def test_weeks_in_year_is_52_and_a_seventh_or_366_sevenths_in_a_leap_year() -> None:
    assert weeks_in_year(FinancialYear(2018)) == Fraction(365, 7) == 52 + Fraction(1, 7)
    assert weeks_in_year(FinancialYear(2019)) == Fraction(366, 7)  # 2019/20 holds 29 February 2020


def ifa_basis(**changes: object) -> PlacementBasis:
    """180 IFA placements budgeted at £780 a week; 168 forecast at an average of £790 a week, 2018/19."""
    # budget gross = 180 × £780 × 365/7 = £51,246,000/7 = £7,320,857.142857… → £7,320,857.14
    # forecast gross = 168 × £790 × 365/7 = 24 × 790 × 365 = £6,920,400 exactly
    values: dict[str, object] = dict(
        budget_gross_p=732_085_714,
        budget_income_p=0,
        budget_numbers=Fraction(180),
        budget_unit_cost_p=78_000,
        forecast_gross_p=692_040_000,
        forecast_income_p=0,
        adjustments_p=0,
        numbers=Fraction(168),
        weeks=WEEKS_2018,
    )
    values.update(changes)
    return PlacementBasis(**values)  # type: ignore[arg-type]


def test_ifa_volume_and_price_worked_by_hand() -> None:
    # volume = (168 − 180) × £780 × 365/7 = −£3,416,400/7 = −£488,057.142857… → £488,057.14 underspend
    volume_p = -12 * 78_000 * Fraction(365, 7)
    assert volume_p == Fraction(-341_640_000, 7)
    # price = (£790 − £780) × 168 × 365/7 = £10 × 24 × 365 = £87,600 overspend, exactly
    price_p = 1_000 * 168 * Fraction(365, 7)
    assert price_p == 8_760_000
    dec = placement_drivers(ifa_basis(), BUDGET_MINUS_FORECAST)
    parts = {d.label: d.variance_p for d in dec.parts}
    assert parts == {"volume": 48_805_714, "price": -8_760_000}  # other/rounding is 0 here and left out
    # net variance: £7,320,857.14 − £6,920,400.00 = £400,457.14 underspend
    assert dec.total_p == 40_045_714 == 732_085_714 - 692_040_000
    assert "168.0 average placements forecast against 180.0 budgeted" in dec.parts[0].detail
    assert "average weekly cost £790 against £780 budgeted" in dec.parts[1].detail


def test_forecast_minus_budget_flips_every_part() -> None:
    dec = placement_drivers(ifa_basis(), FORECAST_MINUS_BUDGET)
    assert {d.label: d.variance_p for d in dec.parts} == {"volume": -48_805_714, "price": 8_760_000}


def test_adjustments_and_income_are_named_and_rounding_residue_is_its_own_part() -> None:
    # an officer adds £20,000.00; the grant comes in £5,000.00 short; budget gross a penny above the fraction
    dec = placement_drivers(
        ifa_basis(
            budget_gross_p=732_085_715,
            forecast_gross_p=692_040_000 + 2_000_000,
            adjustments_p=2_000_000,
            budget_income_p=-10_000_000,
            forecast_income_p=-9_500_000,
        ),
        BUDGET_MINUS_FORECAST,
    )
    parts = {d.label: d.variance_p for d in dec.parts}
    assert parts["volume"] == 48_805_714 and parts["price"] == -8_760_000
    assert parts["adjustments"] == -2_000_000 and parts["income"] == -500_000
    # other = 180 × 78,000 × 365/7 − 732,085,715 = −0.714… of a penny: the cost side is 1p lower → +1p variance
    assert parts[OTHER] == 1
    assert dec.total_p == (732_085_715 - 10_000_000) - (694_040_000 - 9_500_000)


def test_high_cost_memo_counts_placements_never_names_them() -> None:
    # open at £1,000, £900, £800, £100, £100 a week: average £580; top three average £900,
    # (2,700 − 3 × 580) × 365/7 = 960 × 365/7 = £50,057.14 a year above average → "£50k"
    memo = high_cost_memo(ifa_basis(open_weekly_costs_p=(100_000, 10_000, 90_000, 10_000, 80_000)))
    assert memo == [
        "the 3 most expensive of 5 open placements average £900 a week against the line's average of £580, "
        "£50k a year above average"
    ]
    assert high_cost_memo(ifa_basis(open_weekly_costs_p=(1, 2, 3))) == []


def test_income_shortfall_by_timing() -> None:
    # CHC: budget −£380,000 profiled −£95,000 a quarter; £52,500 received by P9 against £285,000 profiled;
    # forecast −£105,000 in all: to date £232,500 short, rest of year £42,500 short → £275,000 overspend
    dec = income_drivers(-38_000_000, -10_500_000, -5_250_000, -28_500_000, 0, BUDGET_MINUS_FORECAST)
    assert {d.label: d.variance_p for d in dec.parts} == {"to date": -23_250_000, "rest of year": -4_250_000}
    assert dec.total_p == -27_500_000


def test_run_rate_against_profile_and_staffing_split() -> None:
    # legal: budget £120,000 (£10,000 a month), actuals £72,000 by P9 against £90,000 profiled,
    # forecast £100,000: to date £18,000 under, rest of year £28,000 − £30,000 = £2,000 under
    dec = profile_drivers(12_000_000, 10_000_000, 7_200_000, 9_000_000, 0, BUDGET_MINUS_FORECAST)
    assert {d.label: d.variance_p for d in dec.parts} == {"to date": 1_800_000, "rest of year": 200_000}
    # staff: budget £600,000, forecast £640,000 incl. a £10,000 adjustment; agency £45,000 by P9 → £60,000 a year;
    # establishment = 640,000 − 10,000 − 60,000 − 600,000 = −£30,000 (an underspend of £30,000)
    dec = staffing_drivers(60_000_000, 64_000_000, 4_500_000, 9, 1_000_000, BUDGET_MINUS_FORECAST)
    parts = {d.label: d.variance_p for d in dec.parts}
    assert parts == {"agency staff": -6_000_000, "establishment": 3_000_000, "adjustments": -1_000_000}
    assert dec.total_p == -4_000_000


pence = st.integers(min_value=-(10**11), max_value=10**11)
counts = st.fractions(min_value=Fraction(1, 10), max_value=400, max_denominator=10_000)


@settings(max_examples=200, deadline=None)
@given(
    bg=st.integers(0, 10**11),
    bi=st.integers(-(10**10), 0),
    fg=st.integers(1, 10**11),
    fi=st.integers(-(10**10), 0),
    adj=st.integers(-(10**8), 10**8),
    bn=counts,
    fn=counts,
    unit=st.integers(1, 2_000_000),
    leap=st.booleans(),
    sign=st.sampled_from([BUDGET_MINUS_FORECAST, FORECAST_MINUS_BUDGET]),
)
def test_placement_parts_sum_to_the_variance(
    bg: int, bi: int, fg: int, fi: int, adj: int, bn: Fraction, fn: Fraction, unit: int, leap: bool, sign: str
) -> None:
    basis = PlacementBasis(bg, bi, bn, unit, fg + adj, fi, adj, fn, Fraction(366 if leap else 365, 7))
    dec = placement_drivers(basis, sign)
    variance = (bg + bi) - (fg + adj + fi)
    assert dec.total_p == (variance if sign == BUDGET_MINUS_FORECAST else -variance)


@settings(max_examples=200, deadline=None)
@given(
    b=pence, f=pence, a=pence, prof=pence, adj=pence, agency=st.integers(0, 10**10), period=st.integers(1, 12)
)
def test_other_decompositions_sum_to_the_variance(
    b: int, f: int, a: int, prof: int, adj: int, agency: int, period: int
) -> None:
    for dec in (
        income_drivers(b, f, a, prof, adj, BUDGET_MINUS_FORECAST),
        profile_drivers(b, f, a, prof, adj, BUDGET_MINUS_FORECAST),
        staffing_drivers(b, f, agency, period, adj, BUDGET_MINUS_FORECAST),
    ):
        assert dec.total_p == b - f
