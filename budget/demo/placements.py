"""The demo authority's placements: a month-by-month simulation of the care ladder, April 2016 to December 2019.

Each line follows a path of month-end numbers (IFA falling, in-house fostering rising, out-of-area residential
up from 32 at the end of September 2019 to 38 at the end of December, as in the seed report). Placements end at
random (a mean duration per line), children step down the ladder (OOA residential → IFA → in-house fostering →
special guardianship) keeping their child_ref, and new children start to hold each month's number exactly.
``end_date`` is the last day paid for (inclusive); open placements have none.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from budget.demo.unit_costs import UNIT_COSTS

FIRST_MONTH = date(2016, 4, 1)
AS_AT = date(2019, 12, 31)
INJECTION_SUPPLIER = '=HYPERLINK("http://x","y")'

OOA = "Out of Area Residential"
IN_HOUSE_RES = "In-house Residential"
IFA = "Independent Fostering Agencies"
IN_HOUSE_FOSTERING = "In-house Fostering"
SUPPORTED_16 = "16+ Supported Accommodation"
ASYLUM = "Asylum Seekers"
SGO = "Special Guardianship Orders"
CAO = "Child Arrangement Orders"
ADOPTION = "Adoption Allowances"
ALLOWANCE_LINES = (SGO, CAO, ADOPTION)


@dataclass(frozen=True)
class LadderLine:
    """How one placement line behaves in the simulation."""

    line: str
    knots: tuple[tuple[str, int], ...]  # (YYYY-MM, month-end number), linear in between
    mean_months: float  # mean placement duration
    placement_type: str
    providers: tuple[str, ...]
    step_down_to: str | None = None
    step_down_share: float = 0.0
    planned_ends_open: int = 0  # open placements at AS_AT given a planned end date


OOA_PROVIDERS = (
    "Pennine Children's Homes Ltd",
    "Meadowbank Care Group Ltd",
    "Hollins Park Residential Ltd",
    "Brookvale Young People's Services Ltd",
    "Northstone Care Ltd",
    "Willowmere Therapeutic Care Ltd",
)
IFA_PROVIDERS = (
    "Brightstar Fostering Ltd",
    "Northern Foster Partnership Ltd",
    "Riverside Family Placements Ltd",
    "Heartwood Fostering Ltd",
    "Calder Valley Fostering Ltd",
    INJECTION_SUPPLIER,
)
HOMES = ("Cedar House", "Ashgrove", "Rosewood", "Larch Lodge", "Tickhill Square")
SUPPORTED_PROVIDERS = (
    "Foundry Supported Housing Ltd",
    "Stepping Stones Lodgings CIC",
    "Keystone Housing Ltd",
)

LADDER: tuple[LadderLine, ...] = (
    LadderLine(
        OOA,
        (
            ("2016-04", 34),
            ("2017-03", 33),
            ("2018-03", 31),
            ("2019-03", 30),
            ("2019-09", 32),
            ("2019-12", 38),
        ),
        18,
        "Residential children's home (private)",
        OOA_PROVIDERS,
        IFA,
        0.25,
        4,
    ),
    LadderLine(
        IN_HOUSE_RES,
        (("2016-04", 21), ("2019-07", 21), ("2019-08", 16), ("2019-12", 16)),
        14,
        "Residential children's home (in-house)",
        HOMES,
        IN_HOUSE_FOSTERING,
        0.3,
        2,
    ),
    LadderLine(
        SUPPORTED_16,
        (("2016-04", 40), ("2019-03", 44), ("2019-12", 48)),
        12,
        "Supported accommodation",
        SUPPORTED_PROVIDERS,
        planned_ends_open=8,
    ),
    LadderLine(
        ASYLUM,
        (("2016-04", 30), ("2017-03", 38), ("2018-03", 34), ("2019-03", 26), ("2019-12", 22)),
        18,
        "Unaccompanied asylum-seeking child",
        SUPPORTED_PROVIDERS + IFA_PROVIDERS[:2],
        planned_ends_open=3,
    ),
    LadderLine(
        IFA,
        (("2016-04", 185), ("2018-03", 180), ("2019-03", 168), ("2019-12", 150)),
        24,
        "Foster care (independent fostering agency)",
        IFA_PROVIDERS,
        IN_HOUSE_FOSTERING,
        0.2,
        5,
    ),
    LadderLine(
        IN_HOUSE_FOSTERING,
        (("2016-04", 205), ("2018-03", 210), ("2019-03", 222), ("2019-12", 240)),
        30,
        "Foster care (in-house carer)",
        ("In-house foster carer",),
        SGO,
        0.1,
    ),
    LadderLine(SGO, (("2016-04", 230), ("2019-12", 300)), 80, "Special guardianship allowance", ("",)),
    LadderLine(CAO, (("2016-04", 95), ("2019-12", 110)), 70, "Child arrangement order allowance", ("",)),
    LadderLine(ADOPTION, (("2016-04", 110), ("2019-12", 95)), 70, "Adoption allowance", ("",)),
)


@dataclass
class _Placement:
    placement_id: str
    child_ref: str
    line: str
    start: date
    weekly_p: int
    provider: str
    placement_type: str
    end: date | None = None
    planned_end: date | None = None


def month_starts(first: date = FIRST_MONTH, last: date = AS_AT) -> list[date]:
    """First days of the months from ``first`` to ``last``."""
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def target_numbers(spec: LadderLine, months: list[date]) -> list[int]:
    """Month-end numbers of a line, interpolated linearly between its knots."""
    index = {m.strftime("%Y-%m"): i for i, m in enumerate(months)}
    xs = [index[k] for k, _ in spec.knots]
    ys = [n for _, n in spec.knots]
    return [int(round(v)) for v in np.interp(np.arange(len(months)), xs, ys)]


def _weekly_p(rng: np.random.Generator, line: str, on: date) -> int:
    """Weekly cost in pence of a placement starting on ``on``: the 2019/20 range deflated 2.5% a year."""
    unit = UNIT_COSTS[line]
    years = (on - date(2019, 10, 1)).days / 365.25
    pounds = rng.uniform(unit.weekly_low, unit.weekly_high) * 1.025**years
    return int(round(pounds * 2)) * 50  # to the 50p


class _Simulation:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.children = iter(self.rng.choice(np.arange(1000, 100000), size=20000, replace=False).tolist())
        self.placements: list[_Placement] = []
        self.open: dict[str, list[_Placement]] = {s.line: [] for s in LADDER}
        self.specs = {s.line: s for s in LADDER}

    def start(self, line: str, on: date, child: str | None = None, priced_on: date | None = None) -> None:
        spec = self.specs[line]
        p = _Placement(
            placement_id=f"P{100001 + len(self.placements)}",
            child_ref=child or f"C{next(self.children):06d}",
            line=line,
            start=on,
            weekly_p=_weekly_p(self.rng, line, priced_on or on),
            provider=spec.providers[int(self.rng.integers(len(spec.providers)))],
            placement_type=spec.placement_type,
        )
        self.placements.append(p)
        self.open[line].append(p)

    def initial_stock(self, months: list[date]) -> None:
        for spec in LADDER:
            for _ in range(target_numbers(spec, months)[0]):
                age = self.rng.exponential(spec.mean_months * 30.4)
                age = (
                    int(age if age < 3650 else self.rng.uniform(0, 3650)) + 1
                )  # no child in care over 10 years
                on = FIRST_MONTH - timedelta(days=age)
                self.start(spec.line, on, priced_on=max(on, date(2015, 4, 1)))

    def month(self, first: date, targets: dict[str, int]) -> None:
        last_day = calendar.monthrange(first.year, first.month)[1]
        for spec in LADDER:
            older = [p for p in self.open[spec.line] if p.start < first]
            hazard = 1.0 / spec.mean_months
            ending = [p for p in older if self.rng.random() < hazard]
            still = [p for p in older if p not in ending]
            excess = len(self.open[spec.line]) - len(ending) - targets[spec.line]
            if excess > 0:
                picks = self.rng.choice(len(still), size=min(excess, len(still)), replace=False)
                ending += [still[int(i)] for i in sorted(picks)]
            for p in ending:
                day = int(self.rng.integers(1, last_day))  # 1 .. last_day-1: a step-down starts this month
                p.end = max(date(first.year, first.month, day), p.start)
                self.open[spec.line].remove(p)
                if spec.step_down_to and self.rng.random() < spec.step_down_share:
                    self.start(spec.step_down_to, p.end + timedelta(days=1), p.child_ref)
            for _ in range(targets[spec.line] - len(self.open[spec.line])):
                self.start(spec.line, date(first.year, first.month, int(self.rng.integers(1, last_day + 1))))

    def planned_ends(self) -> None:
        for spec in LADDER:
            if spec.planned_ends_open:
                opened = self.open[spec.line]
                picks = self.rng.choice(len(opened), size=spec.planned_ends_open, replace=False)
                for i in sorted(picks):
                    opened[int(i)].planned_end = AS_AT + timedelta(days=int(self.rng.integers(20, 200)))


def _dates(values: list[date | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object")).astype("datetime64[ns]")


def demo_placements(seed: int = 2019) -> pd.DataFrame:
    """The placements frame (weekly_cost_p in pence) of the demo authority at 31 December 2019."""
    sim = _Simulation(seed)
    months = month_starts()
    sim.initial_stock(months)
    targets = {s.line: target_numbers(s, months) for s in LADDER}
    for i, first in enumerate(months):
        sim.month(first, {line: t[i] for line, t in targets.items()})
    sim.planned_ends()
    frame = pd.DataFrame(
        {
            "placement_id": [p.placement_id for p in sim.placements],
            "child_ref": [p.child_ref for p in sim.placements],
            "line": [p.line for p in sim.placements],
            "start_date": _dates([p.start for p in sim.placements]),
            "end_date": _dates([p.end for p in sim.placements]),
            "planned_end_date": _dates([p.planned_end for p in sim.placements]),
            "weekly_cost_p": np.array([p.weekly_p for p in sim.placements], dtype="int64"),
            "provider": [p.provider or None for p in sim.placements],
            "placement_type": [p.placement_type for p in sim.placements],
        }
    )
    return frame.sort_values(["start_date", "placement_id"], kind="stable").reset_index(drop=True)


def open_at(placements: pd.DataFrame, on: date) -> pd.DataFrame:
    """Placements open at the end of day ``on``."""
    ts = pd.Timestamp(on)
    started = placements["start_date"] <= ts
    not_ended = placements["end_date"].isna() | (placements["end_date"] > ts)
    return placements[started & not_ended]


def _cost_by_line_p(
    lines: list[str], weekly_p: list[int], first: list[date], last: list[date]
) -> dict[str, int]:
    """Per placement per calendar month weekly pence × days / 7, rounded half up (the commitments rule)."""
    out: dict[str, int] = {}
    for line, weekly, start, stop in zip(lines, weekly_p, first, last, strict=True):
        for month in month_starts(date(start.year, start.month, 1), stop):
            month_end = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
            days = (min(month_end, stop) - max(month, start)).days + 1
            out[line] = out.get(line, 0) + (2 * int(weekly) * days + 7) // 14
    return out


def _day(value: Any, default: date) -> date:
    return default if pd.isna(value) else pd.Timestamp(value).date()


def placement_cost_p(placements: pd.DataFrame, start: date, end: date) -> dict[str, int]:
    """Cost by line of the placement days from ``start`` to ``end`` inclusive (each placement to its end)."""
    pairs = [
        (max(_day(s, start), start), min(_day(e, end), end))
        for s, e in zip(placements["start_date"].tolist(), placements["end_date"].tolist(), strict=True)
    ]
    keep = [i for i, (a, b) in enumerate(pairs) if a <= b]
    lines, weekly = placements["line"].tolist(), placements["weekly_cost_p"].tolist()
    return _cost_by_line_p(
        [lines[i] for i in keep],
        [weekly[i] for i in keep],
        [pairs[i][0] for i in keep],
        [pairs[i][1] for i in keep],
    )


def remaining_cost_p(placements: pd.DataFrame, as_at: date, until: date) -> dict[str, int]:
    """Cost by line of placements open at ``as_at`` from the next day to ``until`` (or their planned end)."""
    cohort = open_at(placements, as_at)
    stops = [min(until, _day(p, until)) for p in cohort["planned_end_date"].tolist()]
    keep = [i for i, stop in enumerate(stops) if stop > as_at]
    lines, weekly = cohort["line"].tolist(), cohort["weekly_cost_p"].tolist()
    nxt = as_at + timedelta(days=1)
    return _cost_by_line_p(
        [lines[i] for i in keep], [weekly[i] for i in keep], [nxt] * len(keep), [stops[i] for i in keep]
    )
