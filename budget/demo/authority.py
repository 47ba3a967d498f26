"""The demo authority: a children's services trust shaped on the December 2019 report in the seed.

``write_demo_inputs`` writes the mapping, the 2019/20 budget, the placements list, four years of ledger, the
MTFS savings and the officer adjustments as CSV files, the way a finance officer would receive them. The
2019/20 budget is set so that a plain forecast at P9 (actuals to December plus open placements costed to their
planned end or the year end) shows the seed's variances: out-of-area residential about £0.8m overspent, IFA
about £0.3m underspent, allowances and asylum seekers underspent, a CHC income shortfall of about £275k, extra
DSG High Needs income of about £395k, Safeguarding overspent once the officers' adjustments are added, and an
overall underspend of about £1.0m on a budget of £57.3m gross and nil net.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget.demo.chart import CHART, CLA, FOSTERING_TEAM, HEADINGS, PROFILE_WEIGHTS, YEARS, LineSpec
from budget.demo.ledger import LEDGER_COLUMNS, amount_text, placement_rows, running_rows
from budget.demo.placements import AS_AT, demo_placements, open_at, placement_cost_p, remaining_cost_p

CLA_GROSS_K = 32_483  # Children Looked After gross budget, £000 (seed ¶33)
YEAR_END = date(2020, 3, 31)
WEEKS_PER_YEAR = 52.14


@dataclass(frozen=True)
class DemoInputs:
    """Paths of the demo authority's input files."""

    mapping: Path
    budget: Path
    placements: Path
    ledgers: tuple[Path, ...]
    savings: Path
    adjustments: Path
    closed_budget: Path  # the 2018/19 budget: the year the demo closes before starting 2019/20

    @property
    def files(self) -> list[Path]:
        return [
            self.mapping,
            self.closed_budget,
            self.budget,
            self.placements,
            *self.ledgers,
            self.savings,
            self.adjustments,
        ]


def mapping_rows() -> list[dict[str, str]]:
    """Cost centre / account → line rules: exact codes, prefixes ending ``*`` and ``*``."""
    rows: list[dict[str, str]] = []

    def add(cc: str, account: str, spec: LineSpec, kind: str) -> None:
        rows.append(
            {"cost_centre": cc, "account": account, "line": spec.line, "heading": spec.heading, "kind": kind}
        )

    for spec in CHART:
        if spec.line == "Business Support":
            add("SSM*", "*", spec, "expenditure")  # every support cost centre not mapped more specifically
        elif spec.line == "Special Guardianship Orders":
            add("CLA2*", "57*", spec, "expenditure")  # allowance cost centres CLA2x unless mapped exactly
        elif spec.kind == "placement":
            add(spec.cost_centre, "57*" if spec.cost_centre.startswith("CLA2") else "5*", spec, "expenditure")
        elif spec.kind in ("staff", "running"):
            add(spec.cost_centre, "*", spec, "expenditure")
        if spec.line == "Legal Services":
            add(spec.cost_centre, "5520", spec, "expenditure")  # court fees, coded exactly
        if spec.income_account:
            add(spec.cost_centre, "9*", spec, "income")
    return rows


def _profile_p(net_p: int, spec: LineSpec) -> list[int]:
    """Monthly profile P1..P12 of a line's net budget, summing to it exactly."""
    if spec.method == "profile" and spec.kind != "income":
        weights = PROFILE_WEIGHTS
    elif spec.quarterly and spec.kind == "income":
        weights = (0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1)
    else:
        weights = (1,) * 12
    total = sum(weights)
    months = [net_p * w // total for w in weights]
    months[max(i for i, w in enumerate(weights) if w)] += net_p - sum(months)
    return months


def placement_forecast_p(placements: pd.DataFrame) -> dict[str, int]:
    """2019/20 gross forecast of each placement line at P9: the cost of its placement days from 1 April to
    31 December (invoiced or accrued) plus its open placements to their planned end or 31 March."""
    to_date = placement_cost_p(placements, date(2019, 4, 1), AS_AT)
    remaining = remaining_cost_p(placements, AS_AT, YEAR_END)
    return {s.line: to_date.get(s.line, 0) + remaining.get(s.line, 0) for s in CHART if s.kind == "placement"}


def gross_budget_p(forecast_p: dict[str, int]) -> dict[str, int]:
    """Gross budget of every line in pence: placement lines from the forecast and the intended variance (to
    the nearest £1,000), the Fostering Team balancing Children Looked After to the seed's gross."""
    gross: dict[str, int] = {}
    for spec in CHART:
        if spec.kind == "placement":
            gross[spec.line] = (
                int(round((forecast_p[spec.line] + spec.variance_k * 100_000) / 100_000)) * 100_000
            )
        elif spec.gross_k is not None:
            gross[spec.line] = spec.gross_k * 100_000
        else:
            gross[spec.line] = 0
    others = sum(gross[s.line] for s in CHART if s.heading == CLA and s.line != FOSTERING_TEAM)
    gross[FOSTERING_TEAM] = CLA_GROSS_K * 100_000 - others
    return gross


def budget_rows(gross_p: dict[str, int], placements: pd.DataFrame) -> list[dict[str, str]]:
    """The 2019/20 budget in the contract's columns (pounds), in the seed's heading order."""
    weekly = open_at(placements, AS_AT).groupby("line")["weekly_cost_p"].mean()
    rows = []
    for heading in HEADINGS:
        for spec in (s for s in CHART if s.heading == heading):
            income_p = spec.income_k * 100_000
            net_p = gross_p[spec.line] + income_p
            row = {"line": spec.line, "heading": heading}
            row |= {"gross": amount_text(gross_p[spec.line]), "income": amount_text(income_p)}
            row |= {f"p{i + 1}": amount_text(p) for i, p in enumerate(_profile_p(net_p, spec))}
            numbers = unit = ""
            if spec.kind == "placement":
                unit_pounds = int(round(float(weekly[spec.line]) / 100))
                unit = str(unit_pounds)
                numbers = f"{gross_p[spec.line] / 100 / (unit_pounds * WEEKS_PER_YEAR):.1f}"
            row |= {"method": spec.method, "budget_numbers": numbers, "budget_unit_cost": unit}
            rows.append(row | {"funded_by": spec.funded_by})
    return rows


def _thousands(pence: float) -> int:
    return int(round(pence / 100_000)) * 100_000


def closed_year_rows(placements: pd.DataFrame, gross_2019_p: dict[str, int]) -> list[dict[str, str]]:
    """The 2018/19 budget: each line near what it spent that year, carrying about half its 2019/20 variance
    (placement lines: the year's placement-day cost; income lines: 5% more than received; the contract sum
    as received)."""
    cost = placement_cost_p(placements, date(2018, 4, 1), date(2019, 3, 31))
    gross: dict[str, int] = {}
    income: dict[str, int] = {}
    for spec in CHART:
        half = spec.variance_k * 50_000
        if spec.kind == "placement":
            gross[spec.line] = _thousands(cost.get(spec.line, 0) + half)
        elif spec.kind == "income":
            gross[spec.line] = 0
        else:
            gross[spec.line] = _thousands((gross_2019_p[spec.line] - 2 * half) * spec.history[2] + half)
        received = spec.income_actual_k * 100_000 * spec.history[2]
        # income budgeted 5% above what came in; the contract sum exactly as received
        income[spec.line] = (
            _thousands(received * (1.0 if spec.exact_monthly else 1.05)) if spec.income_k else 0
        )
    rows = []
    for heading in HEADINGS:
        for spec in (s for s in CHART if s.heading == heading):
            net_p = gross[spec.line] + income[spec.line]
            row = {"line": spec.line, "heading": heading}
            row |= {"gross": amount_text(gross[spec.line]), "income": amount_text(income[spec.line])}
            row |= {f"p{i + 1}": amount_text(p) for i, p in enumerate(_profile_p(net_p, spec))}
            row |= {"method": spec.method, "budget_numbers": "", "budget_unit_cost": ""}
            rows.append(row | {"funded_by": spec.funded_by})
    return rows


FPS = "Future Placements Strategy: two-bed homes in the borough"
SAVINGS_COLUMNS = [
    "scheme", "line", "year", "target", "delivered", "forecast", "rag", "owner", "recurrent",
    "model_from_line", "model_to_line", "model_start", "model_count", "model_every_months",
    "model_weekly_cost", "model_annual_running_cost",
]  # fmt: skip
_FPS_MODEL = ("Out of Area Residential", "Satellite Homes", "2020-04-01", "2", "3", "2600.00", "60000.00")
SAVINGS: tuple[tuple[str, ...], ...] = (
    (FPS, "Out of Area Residential", "2020/21", "600000", "", "600000", "amber", "Head of Service, Placements", "yes"),
    (FPS, "Out of Area Residential", "2021/22", "900000", "", "900000", "amber", "Head of Service, Placements", "yes"),
    (FPS, "Out of Area Residential", "2022/23", "900000", "", "900000", "green", "Head of Service, Placements", "yes"),
    ("Mockingbird cluster expansion", "Independent Fostering Agencies", "2020/21", "150000", "", "150000", "green", "Fostering Service Manager", "yes"),
    ("Mockingbird cluster expansion", "Independent Fostering Agencies", "2021/22", "150000", "", "120000", "amber", "Fostering Service Manager", "yes"),
    ("Supported accommodation recommissioning", "16+ Supported Accommodation", "2020/21", "100000", "", "100000", "amber", "Commissioning Manager", "yes"),
    ("Supported accommodation recommissioning", "16+ Supported Accommodation", "2021/22", "150000", "", "150000", "amber", "Commissioning Manager", "yes"),
    ("Business support review", "Business Support", "2020/21", "150000", "", "150000", "green", "Head of Business Support", "yes"),
    ("Annual leave salary sacrifice", "Business Support", "2019/20", "120000", "85000", "110000", "amber", "Head of HR", "no"),
    ("Pool car usage", "Locality Social Work Teams", "2019/20", "60000", "30000", "45000", "amber", "Head of Service, Localities", "no"),
    ("Taxi usage reduction", "Children with Disabilities", "2019/20", "50000", "40000", "50000", "green", "Head of Service, Disabilities", "yes"),
)  # fmt: skip
ADJUSTMENTS = (
    ("Locality Social Work Teams", "200000.00", "Agency pay uplift to stay competitive with neighbouring authorities", "P9", "no"),
    (
        "Locality Early Help",
        "224000.00",
        "Preventative measures by the locality teams: summer child care, temporary support and therapy packages",
        "P9",
        "yes",
    ),
)  # fmt: skip


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _day(value: Any) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _placement_records(placements: pd.DataFrame) -> list[dict[str, str]]:
    return [
        {
            "placement_id": str(r["placement_id"]),
            "child_ref": str(r["child_ref"]),
            "line": str(r["line"]),
            "start_date": _day(r["start_date"]),
            "end_date": _day(r["end_date"]),
            "planned_end_date": _day(r["planned_end_date"]),
            "weekly_cost": amount_text(int(r["weekly_cost_p"])),
            "provider": "" if pd.isna(r["provider"]) else str(r["provider"]),
            "placement_type": str(r["placement_type"]),
        }
        for r in placements.to_dict("records")
    ]


def _write_ledgers(outdir: Path, ledger: pd.DataFrame) -> tuple[Path, ...]:
    """One file per financial year; 2017-18 is written the council-export way (UK dates, £ and brackets)."""
    paths = []
    ledger = ledger.sort_values(["date", "cost_centre", "account", "reference"], kind="stable")
    for year in YEARS:
        part = ledger[(ledger["date"] >= date(year, 4, 1)) & (ledger["date"] <= date(year + 1, 3, 31))]
        council = year == 2017
        rows = [
            {
                "date": r["date"].strftime("%d/%m/%Y" if council else "%Y-%m-%d"),
                "cost_centre": str(r["cost_centre"]),
                "account": str(r["account"]),
                "amount": amount_text(int(r["amount_p"]), council and i % 3 == 0),
                "description": str(r["description"]),
                "supplier": str(r["supplier"] or ""),
                "reference": str(r["reference"]),
                "placement_id": str(r["placement_id"] or ""),
            }
            for i, r in enumerate(part.to_dict("records"))
        ]
        columns = [c if c != "amount_p" else "amount" for c in LEDGER_COLUMNS]
        paths.append(_write_csv(outdir / f"ledger-{year}-{(year + 1) % 100:02d}.csv", columns, rows))
    return tuple(paths)


def write_demo_inputs(outdir: Path, seed: int = 2019) -> DemoInputs:
    """Write the demo authority's input files into ``outdir`` (created if needed); same seed, same bytes."""
    outdir.mkdir(parents=True, exist_ok=True)
    placements = demo_placements(seed)
    invoices = placement_rows(placements)
    gross_p = gross_budget_p(placement_forecast_p(placements))
    ledger = pd.concat([invoices, running_rows(np.random.default_rng([seed, 1]), gross_p)], ignore_index=True)
    ledger["supplier"] = ledger["supplier"].fillna("")

    mapping = _write_csv(
        outdir / "mapping.csv", ["cost_centre", "account", "line", "heading", "kind"], mapping_rows()
    )
    budget_columns = ["line", "heading", "gross", "income", *[f"p{i}" for i in range(1, 13)]]
    budget_columns += ["method", "budget_numbers", "budget_unit_cost", "funded_by"]
    budget = _write_csv(outdir / "budget-2019-20.csv", budget_columns, budget_rows(gross_p, placements))
    closed = _write_csv(outdir / "budget-2018-19.csv", budget_columns, closed_year_rows(placements, gross_p))
    placement_columns = [
        "placement_id", "child_ref", "line", "start_date", "end_date", "planned_end_date",
        "weekly_cost", "provider", "placement_type",
    ]  # fmt: skip
    placements_path = _write_csv(outdir / "placements.csv", placement_columns, _placement_records(placements))
    savings_rows = [
        dict(zip(SAVINGS_COLUMNS, row + (_FPS_MODEL if row[0] == FPS else ("",) * 7), strict=True))
        for row in SAVINGS
    ]
    savings = _write_csv(outdir / "savings.csv", SAVINGS_COLUMNS, savings_rows)
    adjustment_columns = ["line", "amount", "reason", "period", "one_off"]
    adjustments = _write_csv(
        outdir / "adjustments.csv",
        adjustment_columns,
        [dict(zip(adjustment_columns, a, strict=True)) for a in ADJUSTMENTS],
    )
    return DemoInputs(
        mapping, budget, placements_path, _write_ledgers(outdir, ledger), savings, adjustments, closed
    )


DEMO_SCENARIOS = """
[scenarios.high-demand]
description = "10% more children starting placements on every placement line"
demand_change = 0.10

[scenarios.inflation-shock]
description = "8% rise in independent placement prices in year 1"
price_change = { "Independent Fostering Agencies" = 0.08, "Out of Area Residential" = 0.08 }

[scenarios.placements-strategy]
description = "The savings plan delivered: the Future Placements Strategy and the other schemes"
savings = true
"""
