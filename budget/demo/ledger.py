"""The demo authority's general ledger, April 2016 to December 2019.

Placement lines are invoiced 4-weekly in arrears per placement (invoice dated the last day of the 4 weeks,
amount = weekly cost × days open / 7 to the penny, carrying the placement_id). There are no month-end accruals
in the export: the days open but not yet invoiced at a month end are for the forecast to accrue from the
placements list (placement days to date − invoiced), as a commitments system does.
Staffing lines are paid monthly (payroll, agency staff and supplies on separate accounts); income lines are
received monthly or quarterly as negative amounts.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import pandas as pd

from budget.demo.chart import CHART, PROFILE_FLAT, PROFILE_WEIGHTS, SPECS, YEARS, LineSpec
from budget.demo.placements import AS_AT, FIRST_MONTH, month_starts

INVOICE_WEEKS = 4
LEDGER_COLUMNS = [
    "date",
    "cost_centre",
    "account",
    "amount_p",
    "description",
    "supplier",
    "reference",
    "placement_id",
]


# One-off rows of 2019/20: (date, cost centre, account, pence, description, supplier)
ONE_OFFS = (
    (date(2019, 7, 31), "CLA30", "9010", -6_900_000, "UASC grant: final claim 2018/19", "Home Office"),
    (
        date(2019, 11, 29),
        "CON10",
        "9110",
        -12_300_000,
        "Contract variation: ICT",
        "Metropolitan Borough Council",
    ),
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
    """4-weekly invoices per placement, dated the last day of each 4 weeks from 1 April 2016, to AS_AT."""
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
                    "reference": [
                        f"INV{k + 1:03d}-{pid}" for pid in placements["placement_id"].to_numpy()[hit]
                    ],
                    "placement_id": placements["placement_id"].to_numpy()[hit],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _periods(year: int) -> list[date]:
    """First days of the months of a financial year that are in the ledger (to AS_AT)."""
    return [d for d in month_starts(date(year, 4, 1), date(year + 1, 3, 31)) if d <= AS_AT]


def _monthly_amounts(
    rng: np.random.Generator, annual_p: float, weights: tuple[int, ...], months: int, exact_run_rate: bool
) -> list[int]:
    """The first ``months`` monthly amounts of a year shaped by ``weights`` (±2% noise); with ``exact_run_rate``
    the noise cancels over those months, so the year to date is exactly its share of ``annual_p``."""
    w = np.array(weights[:months], dtype=float)
    noise = rng.normal(0.0, 0.02, size=months)
    if exact_run_rate:
        noise -= (w * noise).sum() / w.sum()
    return [int(round(annual_p * wm / sum(weights) * (1 + n))) for wm, n in zip(w, noise, strict=True)]


def _spend_annual_p(spec: LineSpec, gross_p: int, year: int) -> float:
    """What a staff or running line spends in a year: in 2019/20 its budget less the intended variance, which a
    "profile" line shows by P9 (a run-rate line over the whole year)."""
    if year < 2019:
        return (gross_p - spec.variance_k * 100_000) * spec.history[year - 2016]
    if spec.method == "profile":
        return gross_p - spec.variance_k * 100_000 * sum(PROFILE_WEIGHTS) / sum(PROFILE_WEIGHTS[:9])
    return gross_p - spec.variance_k * 100_000


def running_rows(rng: np.random.Generator, gross_budget_p: dict[str, int]) -> pd.DataFrame:
    """Monthly payroll, agency and supplies (staff and running lines), and income receipts, by year."""
    rows: list[tuple[object, ...]] = []
    for year in YEARS:
        months = _periods(year)
        for spec in CHART:
            if spec.kind in ("staff", "running"):
                weights = PROFILE_WEIGHTS if spec.method == "profile" else PROFILE_FLAT
                annual = _spend_annual_p(spec, gross_budget_p[spec.line], year)
                amounts = _monthly_amounts(rng, annual, weights, len(months), year == 2019)
                for first, total in zip(months, amounts, strict=True):
                    rows.extend(_spend_rows(spec, first, total))
            if spec.income_account and spec.income_actual_k:
                rows.extend(_income_rows(rng, spec, year, months))
        rows.extend(_unmapped_rows(rng, year))
    rows.extend(
        (on, cc, acct, p, desc, sup, f"ONE-{on:%Y-%m}", "") for on, cc, acct, p, desc, sup in ONE_OFFS
    )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def _income_rows(
    rng: np.random.Generator, spec: LineSpec, year: int, months: list[date]
) -> list[tuple[object, ...]]:
    """Income received (negative): quarterly at quarter ends, or monthly on the 15th."""
    annual = spec.income_actual_k * 100_000 * (1.0 if year == 2019 else spec.history[year - 2016])
    if spec.quarterly:
        ends = [_month_end(m) for m in months if m.month in (3, 6, 9, 12)]
        return [(e, spec.cost_centre, spec.income_account, int(round(annual / 4)), "Quarterly contribution",
                 spec.supplier, f"Q-{spec.cost_centre}-{e:%Y%m}", "") for e in ends]  # fmt: skip
    if spec.exact_monthly:
        amounts = [int(round(annual / 12))] * len(months)
    else:
        amounts = _monthly_amounts(rng, annual, PROFILE_FLAT, len(months), year == 2019)
    return [(date(m.year, m.month, 15), spec.cost_centre, spec.income_account, amount, f"Income {m:%B %Y}",
             spec.supplier, f"INC-{spec.cost_centre}-{m:%Y%m}", "") for m, amount in zip(months, amounts, strict=True)]  # fmt: skip


def _month_end(first: date) -> date:
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def _spend_rows(spec: LineSpec, first: date, total_p: int) -> list[tuple[object, ...]]:
    month = f"{first:%B %Y}"
    if spec.kind == "running":
        main = total_p * 85 // 100
        return [
            (
                date(first.year, first.month, 20),
                spec.cost_centre,
                spec.account,
                main,
                f"{spec.line}: {month}",
                spec.supplier,
                f"PO-{spec.cost_centre}-{first:%Y%m}",
                "",
            ),
            (
                date(first.year, first.month, 12),
                spec.cost_centre,
                "5410",
                total_p - main,
                f"Supplies and services {month}",
                "",
                f"PC-{spec.cost_centre}-{first:%Y%m}",
                "",
            ),
        ]
    agency = int(total_p * spec.agency_share)
    supplies = total_p * 8 // 100
    return [
        (
            date(first.year, first.month, 25),
            spec.cost_centre,
            "5010",
            total_p - agency - supplies,
            f"Payroll {month}",
            "",
            f"PAY-{spec.cost_centre}-{first:%Y%m}",
            "",
        ),
        (
            date(first.year, first.month, 28),
            spec.cost_centre,
            "5050",
            agency,
            f"Agency staff {month}",
            AGENCIES[first.month % 2],
            f"AG-{spec.cost_centre}-{first:%Y%m}",
            "",
        ),
        (
            date(first.year, first.month, 12),
            spec.cost_centre,
            "5410",
            supplies,
            f"Supplies and services {month}",
            "",
            f"PC-{spec.cost_centre}-{first:%Y%m}",
            "",
        ),
    ]


def _unmapped_rows(rng: np.random.Generator, year: int) -> list[tuple[object, ...]]:
    months = _periods(year)
    rows: list[tuple[object, ...]] = []
    for i in range(10):
        cc, account, description = UNMAPPED[i % len(UNMAPPED)]
        first = months[int(rng.integers(len(months)))]
        on = date(first.year, first.month, int(rng.integers(1, 28)))
        rows.append(
            (
                on,
                cc,
                account,
                int(rng.integers(5_000, 250_000)),
                description,
                "",
                f"SUS-{year}-{i + 1:02d}",
                "",
            )
        )
    return rows


def amount_text(pence: int, council_style: bool = False) -> str:
    """Pence as the ledger writes it: ``1234.56``, or ``£1,234.56`` / ``(1,234.56)`` in council style."""
    whole, part = divmod(abs(int(pence)), 100)
    if not council_style:
        return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"
    return f"({whole:,}.{part:02d})" if pence < 0 else f"£{whole:,}.{part:02d}"
