"""An invented authority for the meeting-pages tests: Lowmoor Borough Council runs its own children's
services (so the retained share is the service's), 2021/22, a small care ladder and two staffing lines.

Every figure is made here from a few round numbers, so the inputs are the README's month-end files an
officer would export: mapping, budget, the year-to-date ledger, placements, adjustments and savings."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

AUTHORITY = "Lowmoor Borough Council"
YEAR = "2021/22"
CONTRACT_VALUE = "£7,495,000"  # the council's funding line: the net budget of the services
MONTHS = [date(2021, m, 1) for m in range(4, 10)]  # P1 April … P6 September 2021

# line, heading, cost centre, gross, income, budget numbers, weekly unit cost, funded by
LINES = [
    ("Agency Foster Care", "Looked After Children", "LAC10", 1_710_000, 0, 40, 820, ""),
    ("Residential Care", "Looked After Children", "LAC20", 1_835_000, 0, 8, 4_400, ""),
    ("Kinship Allowances", "Looked After Children", "LAC30", 600_000, 0, None, None, ""),
    ("Assessment Teams", "Social Care", "SC10", 3_200_000, 0, None, None, ""),
    ("Legal Costs", "Social Care", "SC20", 450_000, 0, None, None, ""),
    ("Health Contributions", "Looked After Children", "LAC90", 0, -300_000, None, None, "Health (CHC)"),
    ("Council Funding", "Funding", "FUND", 0, -7_495_000, None, None, ""),
]
# monthly spend as a share of a twelfth of the budget (run-rate lines), income as received
RUN_RATE = {"Kinship Allowances": 0.97, "Assessment Teams": 1.06, "Legal Costs": 0.9}


def _placements() -> list[tuple[str, str, str, date, float, date | None]]:
    """(id, child, line, start, weekly £, end): 36 agency foster placements (4 under budget), 10 residential
    (2 over), one of them new in August and one agency placement ending in July."""
    rows: list[tuple[str, str, str, date, float, date | None]] = []
    for i in range(36):
        end = date(2021, 7, 15) if i == 0 else None
        rows.append((f"AF{i:03d}", f"LM{i:04d}", "Agency Foster Care", date(2020, 1, 6) + timedelta(days=9 * i),
                     800 + (i % 7) * 10, end))  # fmt: skip
    for i in range(10):
        start = date(2021, 8, 9) if i == 9 else date(2019, 11, 4) + timedelta(days=40 * i)
        rows.append((f"RC{i:03d}", f"LM{100 + i:04d}", "Residential Care", start, 4_300 + 50 * i, None))
    return rows


def _cost_in_month(start: date, end: date | None, weekly: float, month: date) -> float:
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    first = max(start, month)
    last = min(end or nxt - timedelta(days=1), nxt - timedelta(days=1))
    days = (last - first).days + 1
    return max(days, 0) * weekly / 7


def write_inputs(folder: Path) -> dict[str, Path]:
    """The six input files in ``folder``; returns them by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        k: folder / f"{k}.csv"
        for k in ("mapping", "budget", "ledger", "placements", "adjustments", "savings")
    }

    def write(kind: str, header: list[str], rows: list[list[object]]) -> None:
        with paths[kind].open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(header)
            out.writerows(rows)

    write(
        "mapping",
        ["cost_centre", "account", "line", "heading", "kind"],
        [[cc, "9*" if income else "5*", line, heading, "income" if income else "expenditure"]
         for line, heading, cc, _, income, *_ in LINES],
    )  # fmt: skip
    write(
        "budget",
        ["line", "heading", "gross", "income", "method", "budget_numbers", "budget_unit_cost", "funded_by"],
        [[line, heading, f"{g:.2f}", f"{i:.2f}", "", "" if n is None else n, "" if u is None else u, funder]
         for line, heading, _, g, i, n, u, funder in LINES],
    )  # fmt: skip
    placements = _placements()
    ledger: list[list[object]] = []
    for month in MONTHS:
        day = (month + timedelta(days=27)).isoformat()
        for line, _, cc, gross, income, *_ in LINES:
            if line in RUN_RATE:
                amount = round(gross / 12 * RUN_RATE[line], 2)
                ledger.append(
                    [day, cc, "5100", f"{amount:.2f}", f"{line} {month:%B %Y}", "", f"{cc}-{month:%m}", ""]
                )
            elif income and line == "Health Contributions":
                ledger.append(
                    [day, cc, "9100", "-15000.00", f"CHC {month:%B %Y}", "", f"{cc}-{month:%m}", ""]
                )
            elif income:
                # September's funding includes a £30,000 contract variation (in-year growth funding)
                amount = round(income / 12, 2) - (30_000 if month.month == 9 else 0)
                ledger.append(
                    [day, cc, "9000", f"{amount:.2f}", f"Funding {month:%B %Y}", "", f"{cc}-{month:%m}", ""]
                )
        for pid, _, line, start, weekly, end in placements:
            cost = round(_cost_in_month(start, end, weekly, month), 2)
            if cost:
                cc = "LAC10" if line == "Agency Foster Care" else "LAC20"
                ledger.append(
                    [
                        day,
                        cc,
                        "5600",
                        f"{cost:.2f}",
                        f"Placement {month:%B %Y}",
                        "Provider",
                        f"INV-{pid}-{month:%m}",
                        pid,
                    ]
                )
    write(
        "ledger",
        ["date", "cost_centre", "account", "amount", "description", "supplier", "reference", "placement_id"],
        ledger,
    )
    write(
        "placements",
        ["placement_id", "child_ref", "line", "start_date", "weekly_cost", "end_date", "planned_end_date"],
        [[pid, child, line, start.isoformat(), f"{weekly:.2f}", end.isoformat() if end else "", ""]
         for pid, child, line, start, weekly, end in placements],
    )  # fmt: skip
    write(
        "adjustments",
        ["line", "amount", "reason", "period", "one_off"],
        [["Legal Costs", "60000.00", "Two contested care proceedings expected in the autumn", "P6", "yes"]],
    )
    write(
        "savings",
        ["scheme", "line", "year", "target", "delivered", "forecast", "rag", "owner", "recurrent"],
        [
            ["Step-down from residential care", "Residential Care", YEAR, "150000", "40000", "100000", "", "Head of Service", "yes"],
            ["Review of legal panel rates", "Legal Costs", YEAR, "30000", "", "", "", "Legal Manager", "yes"],
        ],
    )  # fmt: skip
    return paths
