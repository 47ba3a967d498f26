"""The demo authority's chart of lines and its general ledger, April 2016 to December 2019.

Placement lines are invoiced 4-weekly in arrears per placement (invoice dated the last day of the 4 weeks,
amount = weekly cost × days open / 7 to the penny), with a month-end accrual of the days not yet invoiced that
is reversed the next day — so the ledger to any month end holds the cost of every placement day to that date.
Staffing lines are paid monthly (payroll, agency staff and supplies on separate accounts); income lines are
received monthly or quarterly as negative amounts.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from budget.demo_placements import AS_AT, FIRST_MONTH, month_starts

INVOICE_WEEKS = 4
LEDGER_COLUMNS = ["date", "cost_centre", "account", "amount_p", "description", "supplier", "reference", "placement_id"]
YEARS = (2016, 2017, 2018, 2019)


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
        "Independent Adoption Agencies", CLA, "CLA54", "running", "5740", 180, 96, supplier="Yorkshire Adoption Alliance"
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
    LineSpec("Legal Services", OCF, "OCF10", "running", "5510", 1250, 112, supplier="Borough Legal Services", method="profile"),
    LineSpec("Adoption Team", OCF, "OCF20", "staff", "5010", 626, 21),
    LineSpec("Beechfield Family Time", FSS, "FSS10", "staff", "5010", 1104, 60),
    LineSpec(
        "Parenting and Family Support", FSS, "FSS20", "staff", "5010", 1880, 71, income_actual_k=-3, income_account="9200"
    ),
    LineSpec("Youth Offending Service", YJS, "YJS10", "staff", "5010", 1520, 70),
    LineSpec(
        "Remand and Youth Justice Programmes", YJS, "YJS20", "running", "5410", 270, 22, supplier="Secure Estate Placements", method="profile"
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
        method="actuals",
        history=(0.968, 0.978, 0.989),
    ),
    LineSpec("Business Support", SSM, "SSM10", "staff", "5010", 1650, 40),
    LineSpec("ICT", SSM, "SSM20", "running", "5410", 900, 0, supplier="Dales Digital Services Ltd"),
    LineSpec("Finance and HR", SSM, "SSM30", "staff", "5010", 1047, 30),
    LineSpec("Premises and Accommodation", SSM, "SSM40", "running", "5210", 1150, 30, supplier="Civic Estates Ltd"),
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

# One-off rows of 2019/20: (date, cost centre, account, pence, description, supplier)
ONE_OFFS = (
    (date(2019, 7, 31), "CLA30", "9010", -6_900_000, "UASC grant: final claim 2018/19", "Home Office"),
    (date(2019, 11, 29), "CON10", "9110", -12_300_000, "Contract variation: ICT", "Metropolitan Borough Council"),
)
# Codes with no mapping (they go to suspense): (cost centre, account, description)
UNMAPPED = (
    ("CLA99", "5410", "Staying Close pilot: set-up costs"),
    ("CLA10", "4100", "VAT coded to a balance sheet account"),
    ("ZZ100", "5410", "Purchase card spend not yet allocated"),
)
AGENCIES = ("Pinnacle Social Work Recruitment Ltd", "Northern Locum Services Ltd")


def half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """Non-negative integer division rounded half up."""
    return (2 * numerator + denominator) // (2 * denominator)


def _ordinals(series: pd.Series, missing: int) -> np.ndarray:
    return np.array([missing if pd.isna(d) else d.toordinal() for d in series], dtype="int64")


def placement_rows(placements: pd.DataFrame) -> pd.DataFrame:
    """4-weekly invoices per placement and month-end accruals (reversed the next day), to AS_AT."""
    specs = [SPECS[line] for line in placements["line"]]
    start = np.maximum(_ordinals(placements["start_date"], 0), FIRST_MONTH.toordinal())
    end = _ordinals(placements["end_date"], AS_AT.toordinal() + 10_000)
    weekly = placements["weekly_cost_p"].to_numpy(dtype="int64")
    frames = []
    anchor, step = FIRST_MONTH.toordinal(), 7 * INVOICE_WEEKS
    for k in range((AS_AT.toordinal() - anchor + 1) // step):
        first, last = anchor + k * step, anchor + k * step + step - 1
        days = np.clip(np.minimum(end, last) - np.maximum(start, first) + 1, 0, None)
        hit = np.flatnonzero(days > 0)
        to = date.fromordinal(last)
        frames.append(
            pd.DataFrame(
                {
                    "date": to,
                    "cost_centre": [specs[i].cost_centre for i in hit],
                    "account": [specs[i].account for i in hit],
                    "amount_p": half_up(weekly[hit] * days[hit], 7),
                    "description": f"Placement 4 weeks to {to:%d/%m/%Y}",
                    "supplier": placements["provider"].to_numpy()[hit],
                    "reference": [f"INV{k + 1:03d}-{pid}" for pid in placements["placement_id"].to_numpy()[hit]],
                    "placement_id": placements["placement_id"].to_numpy()[hit],
                }
            )
        )
    codes = np.array([f"{s.cost_centre}|{s.account}" for s in specs])
    for first_of_month in month_starts():
        month_end = date(first_of_month.year, first_of_month.month, calendar.monthrange(first_of_month.year, first_of_month.month)[1])
        m = month_end.toordinal()
        period_first = anchor + ((m - anchor) // step) * step
        if period_first + step - 1 == m:
            continue
        days = np.clip(np.minimum(end, m) - np.maximum(start, period_first) + 1, 0, None)
        accrued = pd.Series(half_up(weekly * days, 7)).groupby(codes).sum()
        for code, pence in accrued.items():
            if pence == 0:
                continue
            cc, account = str(code).split("|")
            rows = [(month_end, cc, account, int(pence), "Accrual: placement days not yet invoiced", "", f"ACR-{month_end:%Y-%m}", "")]
            if month_end < AS_AT:
                reverse = month_end + timedelta(days=1)
                rows.append((reverse, cc, account, -int(pence), "Reversal of accrual", "", f"ACR-{month_end:%Y-%m}", ""))
            frames.append(pd.DataFrame(rows, columns=LEDGER_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _periods(year: int) -> list[date]:
    """First days of the months of a financial year that are in the ledger (to AS_AT)."""
    return [d for d in month_starts(date(year, 4, 1), date(year + 1, 3, 31)) if d <= AS_AT]


def _monthly_amounts(rng: np.random.Generator, annual_p: int, months: int, exact_run_rate: bool) -> list[int]:
    """Monthly amounts around annual/12 (±2%); with ``exact_run_rate`` the noise sums to zero over the months."""
    noise = rng.normal(0.0, 0.02, size=months)
    if exact_run_rate:
        noise -= noise.mean()
    return [int(round(annual_p / 12 * (1 + n))) for n in noise]


def running_rows(rng: np.random.Generator, gross_budget_p: dict[str, int]) -> pd.DataFrame:
    """Monthly payroll, agency and supplies (staff and running lines), and income receipts, by year."""
    rows: list[tuple[object, ...]] = []
    for year in YEARS:
        months = _periods(year)
        for spec in CHART:
            level = 1.0 if year == 2019 else spec.history[year - 2016]
            if spec.kind in ("staff", "running"):
                annual = (gross_budget_p[spec.line] - spec.variance_k * 100_000) * level
                for first, total in zip(months, _monthly_amounts(rng, int(annual), len(months), year == 2019), strict=True):
                    rows.extend(_spend_rows(spec, first, total))
            if spec.income_account and spec.income_actual_k:
                annual_income = spec.income_actual_k * 100_000 * (level if spec.history else 1.0)
                if spec.quarterly:
                    for first in months:
                        if first.month in (3, 6, 9, 12):
                            end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
                            rows.append((end, spec.cost_centre, spec.income_account, int(round(annual_income / 4)), "Quarterly contribution", spec.supplier, f"Q-{end:%Y-%m}", ""))
                else:
                    for first, amount in zip(months, _monthly_amounts(rng, int(annual_income), len(months), year == 2019), strict=True):
                        on = date(first.year, first.month, 15)
                        rows.append((on, spec.cost_centre, spec.income_account, amount, f"Income {on:%B %Y}", spec.supplier, f"INC-{on:%Y-%m}", ""))
        rows.extend(_unmapped_rows(rng, year))
    rows.extend((on, cc, acct, p, desc, sup, f"ONE-{on:%Y-%m}", "") for on, cc, acct, p, desc, sup in ONE_OFFS)
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def _spend_rows(spec: LineSpec, first: date, total_p: int) -> list[tuple[object, ...]]:
    month = f"{first:%B %Y}"
    if spec.kind == "running":
        main = total_p * 85 // 100
        return [
            (date(first.year, first.month, 20), spec.cost_centre, spec.account, main, f"{spec.line}: {month}", spec.supplier, f"PO-{spec.cost_centre}-{first:%Y%m}", ""),
            (date(first.year, first.month, 12), spec.cost_centre, "5410", total_p - main, f"Supplies and services {month}", "", f"PC-{spec.cost_centre}-{first:%Y%m}", ""),
        ]
    agency = int(total_p * spec.agency_share)
    supplies = total_p * 8 // 100
    return [
        (date(first.year, first.month, 25), spec.cost_centre, "5010", total_p - agency - supplies, f"Payroll {month}", "", f"PAY-{first:%Y%m}", ""),
        (date(first.year, first.month, 28), spec.cost_centre, "5050", agency, f"Agency staff {month}", AGENCIES[first.month % 2], f"AG-{spec.cost_centre}-{first:%Y%m}", ""),
        (date(first.year, first.month, 12), spec.cost_centre, "5410", supplies, f"Supplies and services {month}", "", f"PC-{spec.cost_centre}-{first:%Y%m}", ""),
    ]


def _unmapped_rows(rng: np.random.Generator, year: int) -> list[tuple[object, ...]]:
    months = _periods(year)
    rows: list[tuple[object, ...]] = []
    for i in range(10):
        cc, account, description = UNMAPPED[i % len(UNMAPPED)]
        first = months[int(rng.integers(len(months)))]
        on = date(first.year, first.month, int(rng.integers(1, 28)))
        rows.append((on, cc, account, int(rng.integers(5_000, 250_000)), description, "", f"SUS-{year}-{i + 1:02d}", ""))
    return rows


def amount_text(pence: int, council_style: bool = False) -> str:
    """Pence as the ledger writes it: ``1234.56``, or ``£1,234.56`` / ``(1,234.56)`` in council style."""
    whole, part = divmod(abs(int(pence)), 100)
    if not council_style:
        return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"
    return f"({whole:,}.{part:02d})" if pence < 0 else f"£{whole:,}.{part:02d}"
