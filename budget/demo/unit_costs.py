"""Weekly unit costs of the demo authority's placement lines, each traced to a published reference point.

The figures are set for 2019/20 from the reference points collected in
``../shared/data/reference_points/unit_costs_reference_points.csv`` (the source URL of each is kept here, so
the package never reads that file at run time). Allowances (SGO, child arrangement orders, adoption) follow
the DfE recommended minimum fostering allowance of 2019-20 for the rest of England, which is their usual basis.
"""

from __future__ import annotations

from dataclasses import dataclass

VALUING_CARE = "https://www.valuingcare.co.uk/localgov-the-scrutiny-of-foster-care-costs/"
THURROCK_FOI = "https://docsbay.net/please-provide-the-information-requested-below"
ROTHERHAM_PRESS = (
    "https://www.thestar.co.uk/news/council-faces-4m-overspend-as-more-vulnerable-children-moved-out-of-"
    "rotherham-1-6988800"
)
DFE_PQ_49075 = "https://www.parallelparliament.co.uk/question/49075/children-in-care"
LINCOLNSHIRE_FOI = "https://lincolnshire.gov.uk/directory-record/72906/children-placed-in-mainstream-foster-care-in-past-12-months"
PSSRU_2017 = "https://www.pssru.ac.uk/blog/whats-new-the-unit-costs-publication-and-childrens-services/"
MIN_ALLOWANCES_2019 = "github:grahamstark/staying_put_sim:report/main_results.md"


@dataclass(frozen=True)
class UnitCost:
    """Range of weekly cost (pounds) of a new placement on a line in 2019/20, and where it comes from."""

    line: str
    weekly_low: int
    weekly_high: int
    source: str
    basis: str

    @property
    def weekly_mid(self) -> float:
        return (self.weekly_low + self.weekly_high) / 2


UNIT_COSTS: dict[str, UnitCost] = {
    u.line: u
    for u in (
        UnitCost(
            "Out of Area Residential",
            4000,
            6000,
            ROTHERHAM_PRESS,
            "over £3,300/wk c.2014-15 (Rotherham); £3,460/wk independent residential (Thurrock FOI); uplifted",
        ),
        UnitCost(
            "In-house Residential",
            2800,
            3300,
            DFE_PQ_49075,
            "LA children's home around £3,000 per resident week (DfE answer to PQ 49075)",
        ),
        UnitCost(
            "Independent Fostering Agencies",
            720,
            900,
            VALUING_CARE,
            "IFA average weekly fee £759 (2018); £776 Thurrock FOI; £814 Lincolnshire FOI 2022-23",
        ),
        UnitCost(
            "In-house Fostering",
            350,
            450,
            VALUING_CARE,
            "council-registered foster carers average weekly fee £396 (2018)",
        ),
        UnitCost(
            "16+ Supported Accommodation",
            850,
            1150,
            THURROCK_FOI,
            "between IFA (£776) and residential (£3,460) rates of the Thurrock FOI; about £1,000/wk",
        ),
        UnitCost(
            "Asylum Seekers",
            500,
            800,
            PSSRU_2017,
            "foster care £646 per child per week incl. support (PSSRU 2017); mix of fostering and lodgings",
        ),
        UnitCost(
            "Special Guardianship Orders",
            140,
            165,
            MIN_ALLOWANCES_2019,
            "DfE minimum fostering allowance 2019-20 (rest of England £194 at 16-17; less for younger children)",
        ),
        UnitCost(
            "Child Arrangement Orders",
            110,
            130,
            MIN_ALLOWANCES_2019,
            "paid below the SGO rate; DfE minimum fostering allowance 2019-20 as the ceiling",
        ),
        UnitCost(
            "Adoption Allowances",
            125,
            155,
            MIN_ALLOWANCES_2019,
            "means-tested, up to the DfE minimum fostering allowance 2019-20",
        ),
    )
}
