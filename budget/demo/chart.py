"""The demo authority's chart of lines: each budget line's heading, codes, budget and what actually happens.

The budget of the seed report's table (paragraph 33): £57,281k gross and income, nil net. ``variance_k`` is
the gross variance the ledger is built to show at P9 (budget − forecast, positive = underspend); placement
lines get their budget from the placement forecast plus that variance, and the Fostering Team balances
Children Looked After to the seed's gross.
"""

from __future__ import annotations

from dataclasses import dataclass

YEARS = (2016, 2017, 2018, 2019)
PROFILE_WEIGHTS = (7, 9, 8, 6, 7, 9, 9, 8, 7, 9, 10, 11)  # seasonal profile P1..P12 of "profile" lines
PROFILE_FLAT = (1,) * 12


@dataclass(frozen=True)
class LineSpec:
    """A budget line of the demo: where it is coded and how its 2019/20 budget compares with what happens."""

    line: str
    heading: str
    cost_centre: str
    kind: str  # placement / staff / running / income
    account: str = ""  # main expenditure account
    gross_k: int | None = None  # budget gross £000; None: placement line (set from the forecast) or balancing
    variance_k: int = 0  # intended gross variance, budget − forecast (positive = underspend)
    income_k: int = 0  # budget income £000 (negative)
    income_actual_k: int = 0  # 2019/20 income actually running (negative), before one-offs
    income_account: str = ""
    quarterly: bool = False  # income received at quarter ends
    exact_monthly: bool = False  # income received as exactly a twelfth a month (a contract sum)
    agency_share: float = 0.03
    supplier: str = ""
    method: str = ""
    funded_by: str = ""
    history: tuple[float, float, float] = (0.93, 0.955, 0.98)  # 2016/17..2018/19 level as a share of 2019/20


CLA = "Children Looked After"
OCF = "Other Children and Family Services"
FSS = "Family Support Services"
YJS = "Youth Justice"
SAF = "Safeguarding Children and Young People's Services"
SYP = "Services for Young People"
CON = "Contract Value"
SSM = "Support Services and Management Costs"
HEADINGS = (CLA, OCF, FSS, YJS, SAF, SYP, CON, SSM)
FOSTERING_TEAM = "Fostering Team"  # the balancing line: its gross makes the budget net exactly zero

CHART: tuple[LineSpec, ...] = (
    LineSpec("Out of Area Residential", CLA, "CLA11", "placement", "5610", variance_k=-840),
    LineSpec("In-house Residential", CLA, "CLA13", "placement", "5640", variance_k=-152),
    LineSpec("Satellite Homes", CLA, "CLA14", "staff", "5010", 300, 246),
    LineSpec("Independent Fostering Agencies", CLA, "CLA10", "placement", "5620", variance_k=306),
    LineSpec("In-house Fostering", CLA, "CLA12", "placement", "5630", variance_k=98),
    LineSpec(FOSTERING_TEAM, CLA, "CLA50", "staff", "5010", None, 98),
    LineSpec("Special Guardianship Orders", CLA, "CLA21", "placement", "5710", variance_k=125),
    LineSpec("Child Arrangement Orders", CLA, "CLA22", "placement", "5720", variance_k=140),
    LineSpec("Adoption Allowances", CLA, "CLA23", "placement", "5730", variance_k=96),
    LineSpec(
        "Independent Adoption Agencies",
        CLA,
        "CLA54",
        "running",
        "5740",
        180,
        96,
        supplier="Yorkshire Adoption Alliance",
    ),
    LineSpec("Staying Put", CLA, "CLA53", "running", "5750", 260, 96),
    LineSpec("Oaklands", CLA, "CLA52", "staff", "5010", 620, 98),
    LineSpec(
        "Asylum Seekers",
        CLA,
        "CLA30",
        "placement",
        "5660",
        variance_k=250,
        income_k=-373,
        income_actual_k=-197,
        income_account="9010",
        quarterly=True,
        funded_by="Home Office UASC grant",
        history=(2.6, 2.85, 2.4),
    ),
    LineSpec("16+ Supported Accommodation", CLA, "CLA40", "placement", "5650", variance_k=95),
    LineSpec(
        "DSG High Needs Contribution",
        CLA,
        "CLA90",
        "income",
        income_k=-2705,
        income_actual_k=-3100,
        income_account="9030",
        funded_by="DSG High Needs Block",
        history=(0.79, 0.82, 0.855),
    ),
    LineSpec(
        "Continuing Healthcare Contributions",
        CLA,
        "CLA91",
        "income",
        income_k=-380,
        income_actual_k=-105,
        income_account="9020",
        quarterly=True,
        funded_by="Health (CHC)",
        history=(4.95, 4.48, 3.9),
    ),
    LineSpec(
        "Legal Services",
        OCF,
        "OCF10",
        "running",
        "5510",
        1250,
        112,
        supplier="Borough Legal Services",
        method="profile",
    ),
    LineSpec("Adoption Team", OCF, "OCF20", "staff", "5010", 626, 21),
    LineSpec("Beechfield Family Time", FSS, "FSS10", "staff", "5010", 1104, 60),
    LineSpec(
        "Parenting and Family Support",
        FSS,
        "FSS20",
        "staff",
        "5010",
        1880,
        71,
        income_actual_k=-3,
        income_account="9200",
    ),
    LineSpec("Youth Offending Service", YJS, "YJS10", "staff", "5010", 1520, 70),
    LineSpec(
        "Remand and Youth Justice Programmes",
        YJS,
        "YJS20",
        "running",
        "5410",
        270,
        22,
        supplier="Secure Estate Placements",
        method="profile",
    ),
    LineSpec("Locality Social Work Teams", SAF, "SAF10", "staff", "5010", 7210, 35, agency_share=0.18),
    LineSpec("Children with Disabilities", SAF, "SAF20", "staff", "5010", 2450, 12, agency_share=0.05),
    LineSpec("Locality Early Help", SAF, "SAF30", "staff", "5010", 2140, 22, agency_share=0.05),
    LineSpec(
        "Child Protection and Reviewing",
        SAF,
        "SAF40",
        "staff",
        "5010",
        1041,
        0,
        income_k=-115,
        income_actual_k=-100,
        income_account="9200",
        history=(1.12, 1.1, 1.08),
    ),
    LineSpec("EPIC Leaving Care Team", SYP, "SYP10", "staff", "5010", 420, 131),
    LineSpec("Participation and Voice", SYP, "SYP20", "staff", "5010", 140, 0),
    LineSpec(
        "Contract Value",
        CON,
        "CON10",
        "income",
        income_k=-51642,
        income_actual_k=-51642,
        income_account="9110",
        supplier="Metropolitan Borough Council",
        method="profile",  # actuals to date plus the budget profile for the months ahead
        exact_monthly=True,
        history=(0.968, 0.978, 0.989),
    ),
    LineSpec("Business Support", SSM, "SSM10", "staff", "5010", 1650, 40),
    LineSpec(
        "ICT",
        SSM,
        "SSM20",
        "running",
        "5410",
        900,
        0,
        supplier="Dales Digital Services Ltd",
        method="forecast",
    ),
    LineSpec("Finance and HR", SSM, "SSM30", "staff", "5010", 1047, 30),
    LineSpec(
        "Premises and Accommodation",
        SSM,
        "SSM40",
        "running",
        "5210",
        1150,
        30,
        supplier="Civic Estates Ltd",
        method="forecast",  # panel engine, stored by `careladder forecast`
    ),
    LineSpec(
        "Traded Services and Recharges",
        SSM,
        "SSM50",
        "income",
        income_k=-2066,
        income_actual_k=-1946,
        income_account="9200",
        history=(1.03, 1.045, 1.06),
    ),
)
SPECS = {s.line: s for s in CHART}
