"""Placement outlook without a budget: month-end numbers and cost by line N years ahead from the stored
placements (a placements list or SSDA903 returns) and the unit costs, what the Children's Social Care Demand
Model gives an authority or a region.

The baseline is the placement model on the workspace's uplift (``[forecast] uplift`` / inflation, every
April); each scenario applies the MTFS's what-ifs (``[scenarios.NAME]`` in careladder.toml: demand change
+x% of children coming into care, price change +y% on weekly costs from the next April (the MTFS's year 1), the
savings plan's modelled moves between lines when ``savings = true``) and any given on the command line.
The assumptions the model used are returned with the figures: the reference period of every rate, entries,
exit curves, transition rates and the weekly cost of new placements.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from budget.monthend.outturn import placements_as_known
from budget.mtfs.placement_years import model_moves, per_line
from budget.plans.savings import stored_plan
from budget.plans.scenarios import BASELINE, ScenarioSpec, assumptions_from, selected_scenarios
from forecasts.placements.careperiods import BAND_LABELS, age_band
from forecasts.placements.commitments import actual_cost_by_month
from forecasts.placements.model import flows_by_month, forecast_frame, totals_frame, years_frame
from forecasts.placements.rates import DEFAULT_REFERENCE, REFERENCES, LineRates
from forecasts.placements.scenarios import MixMove, Scenario
from forecasts.placements.simulation import Simulation, simulate
from forecasts.placements.survival import POOLED
from ledgers.importers.placements import stored_placements
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Settings

Cell = str | float | int | None
Table = tuple[list[str], list[list[Cell]]]
HISTORY_MONTHS = 36
CURVE_MONTHS = (3, 6, 12, 24, 36, 60)
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class ScenarioOutlook:
    """One scenario's forecast: by line and month (``forecast_frame`` columns), all lines together by month
    (``totals_frame``) and by financial year (``years_frame``: the year's own 80% range)."""

    spec: ScenarioSpec
    by_line: pd.DataFrame
    totals: pd.DataFrame
    years: pd.DataFrame


@dataclass
class PlacementOutlook:
    """The outlook: history (month-end numbers and cost by line), the baseline's flows, every scenario's
    forecast and the assumptions tables (each a list of rows with its headers)."""

    authority: str
    as_at: date
    until: date
    draws: int
    history: pd.DataFrame
    flows: pd.DataFrame
    scenarios: list[ScenarioOutlook]
    assumptions: dict[str, Table] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def default_as_at(placements: pd.DataFrame) -> date:
    """The month end on or after the latest start or end date in the list (the data's end)."""
    latest = max(placements["start_date"].max(), placements["end_date"].max(skipna=True) or pd.NaT)
    return (pd.Timestamp(latest) + pd.offsets.MonthEnd(0)).date()


def history_by_month(placements: pd.DataFrame, as_at: date, months: int = HISTORY_MONTHS) -> pd.DataFrame:
    """Month-end numbers (open at the month end) and cost (pence) per line for the ``months`` months to
    ``as_at``: columns ``line, month, month_end, cost_p``."""
    at = pd.Timestamp(as_at)
    first = (at - pd.DateOffset(months=months - 1)).to_period("M").start_time
    cost = actual_cost_by_month(placements, first.date(), as_at)
    rows = []
    for m in sorted(cost["month"].unique()):
        me = pd.Timestamp(m) + pd.offsets.MonthEnd(0)
        on = (placements["start_date"] <= me) & (
            placements["end_date"].isna() | (placements["end_date"] > me)
        )
        counts = placements[on].groupby("line").size()
        for line in sorted(set(placements["line"])):
            rows.append((line, pd.Timestamp(m), float(counts.get(line, 0))))
    nums = pd.DataFrame(rows, columns=["line", "month", "month_end"])
    return nums.merge(cost[["line", "month", "cost_p"]], on=["line", "month"], how="left").fillna(
        {"cost_p": 0}
    )


def scenario_of(spec: ScenarioSpec, lines: set[str], first_month: date, moves: list[MixMove]) -> Scenario:
    """The placement-model scenario of an MTFS scenario spec: demand and price changes by line (``*`` =
    every line), the price change from ``first_month``, the savings plan's moves when it applies."""
    return Scenario(
        mix_moves=moves if spec.savings else [],
        demand_change={ln: float(v) for ln, v in per_line(spec.demand_change, lines).items() if ln in lines},
        price_change={ln: float(v) for ln, v in per_line(spec.price_change, lines).items() if ln in lines},
        price_change_from=first_month,
    )


def _curve_rows(rates: LineRates) -> list[list[Cell]]:
    """Per line (and all lines): % still in the spell after each of CURVE_MONTHS, the mixture's curve."""
    out: list[list[Cell]] = []
    for name in [*rates.lines, POOLED]:
        t = np.array(CURVE_MONTHS, dtype=float) * DAYS_PER_MONTH
        surv = sum(w * r.curve(name, -1).survival(t) for w, r in rates.components)
        events = sum(r.curve(name, -1).events for _, r in rates.components)
        label = "All lines" if name == POOLED else name
        own = any((name, -1) in r.curves for _, r in rates.components) or name == POOLED
        out.append(
            [
                label,
                *(float(s) for s in np.atleast_1d(surv)),
                int(events),
                "this line" if own else "all lines",
            ]
        )
    return out


def assumption_tables(rates: LineRates, as_at: date, uplift: dict[str, Decimal]) -> dict[str, Table]:
    """The model's assumptions as tables: reference period, entries, exit curves, transitions, costs."""
    at = pd.Timestamp(as_at)
    ref = {
        "year": "the last 12 months",
        "history": "the whole history the list holds",
        "shrunk": "the last 12 months shrunk toward the whole history",
    }[rates.reference]
    windows: list[list[Cell]] = [
        [
            "last 12 months" if abs((at - r.start).days - 365) < 2 else "whole history",
            f"{r.start:%d/%m/%Y} to {at:%d/%m/%Y}",
            float(w),
            int(r.entries_total),
            float(r.entries.sum()),
        ]
        for w, r in rates.components
    ]
    reference: Table = (
        ["Window", "Dates", "Weight", "Children coming into care", "Per month"],
        [
            ["Reference period of every rate", ref, None, None, None],
            *windows,
            [
                "Children coming into care in each year back from as-at (newest first)",
                ", ".join(str(c) for c in rates.yearly_entries) or "under a year of history",
                float(rates.weight_recent),
                None,
                None,
            ],
            [
                "Entry rate spread per draw (coefficient of variation)",
                None,
                float(rates.entry_cv),
                None,
                None,
            ],
            [
                "Children leaving care before 18 in each year back from as-at (newest first)",
                ", ".join(str(c) for c in rates.yearly_leavers) or "under a year of history",
                None,
                None,
                None,
            ],
            [
                "Children reaching 18 in care (leaving at their birthday) in each year back from as-at",
                ", ".join(str(c) for c in rates.yearly_aged_out) or "under a year of history",
                None,
                None,
                None,
            ],
            [
                "Leaving-care rate spread per draw (coefficient of variation)",
                None,
                float(rates.exit_cv),
                None,
                None,
            ],
        ],
    )
    ages_rows: list[list[Cell]] = []
    for k, name in enumerate(rates.lines):
        ages: np.ndarray = np.concatenate([np.zeros(0), *(r.entry_ages[k] for _, r in rates.components)])
        bands = np.bincount(age_band(ages) + 1, minlength=len(BAND_LABELS) + 1)[1:]
        shares = [float(b / bands.sum()) if bands.sum() else None for b in bands]
        ages_rows.append([name, float(rates.starts_per_month[k]), *shares])
    entries = (
        ["Line", "Children coming into care per month", *(f"Age {b} share" for b in BAND_LABELS)],
        ages_rows,
    )
    curves = (
        [
            "Line",
            *(f"Still in the placement line after {m} months" for m in CURVE_MONTHS),
            "Children who left care (counted)",
            "Curve drawn from",
        ],
        _curve_rows(rates),
    )
    move = np.sum([w * r.move_rate for w, r in rates.components], axis=0)
    trans_rows: list[list[Cell]] = [
        [a, b, float(move[i, j] * 100)]
        for i, a in enumerate(rates.lines)
        for j, b in enumerate(rates.lines)
        if move[i, j] > 0
    ]
    transitions: Table = (["From line", "To line", "Moves per 100 placement-months"], trans_rows)
    cost = np.sum([w * r.new_cost_p for w, r in rates.components], axis=0)
    costs: Table = (
        ["Line", "Weekly cost of new placements (£)", "April uplift"],
        [[n, float(cost[k]) / 100, float(uplift.get(n, 0))] for k, n in enumerate(rates.lines)],
    )
    return {
        "Reference period": reference,
        "Children coming into care": entries,
        "Exit curves": curves,
        "Transition rates": transitions,
        "Weekly costs": costs,
    }


def placement_outlook(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    years: int = 3,
    names: list[str] | None = None,
    as_at: date | None = None,
    extra: ScenarioSpec | None = None,
    mix: list[tuple[str, str, float]] | None = None,
    reference: str = DEFAULT_REFERENCE,
    draws: int = 200,
) -> PlacementOutlook:
    """The baseline and scenarios (the named MTFS scenarios, all defined when ``names`` is empty; plus
    ``extra`` from the command line with its ``mix`` moves: (from line, to line, children a month) from
    the first forecast month) ``years`` years ahead of ``as_at``. An ``as_at`` before the data's end sees the
    placements as known then: a later end recorded in the list was not known on that day, and using it would
    make the children who stayed leave at the exit curves' rate as well."""
    if years < 1:
        raise WorkspaceError(f"--years should be at least 1; received {years}")
    if reference not in REFERENCES:
        raise WorkspaceError(f"--reference should be one of {', '.join(REFERENCES)}; received {reference}")
    placements = stored_placements(con)
    if placements.empty:
        raise WorkspaceError("no placements stored: run `careladder placements import-903 FOLDER` first")
    data_end = default_as_at(placements)
    at = as_at or data_end
    first = placements["start_date"].min().date()
    if at < first:
        raise WorkspaceError(
            f"--as-at {at:%d/%m/%Y} is before the first placement stored ({first:%d/%m/%Y}): nothing was known "
            "then to forecast from"
        )
    warnings = []
    if at > data_end:  # a quiet return records no event; the store cannot tell how far it reached
        warnings.append(
            f"--as-at {at:%d/%m/%Y} is after the last start or end stored ({data_end:%d/%m/%Y}, month end): "
            "the forecast takes it that nobody came into care or left in between; import the later returns "
            "if there are any"
        )
    if at < data_end:  # a past date: what was known then (later starts unknown, later ends still open)
        placements = placements_as_known(placements, at)
    until = (pd.Timestamp(at) + pd.DateOffset(years=years) + pd.offsets.MonthEnd(0)).date()
    lines = set(placements["line"])
    for pair in mix or []:
        if pair[0] not in lines:
            known = ", ".join(sorted(lines))
            raise WorkspaceError(
                f"--mix: '{pair[0]}' is not a line of the stored placements (lines: {known})"
            )
    assumptions = assumptions_from(settings)
    uplift = {ln: assumptions.placement_uplift(ln) for ln in lines}
    plan_moves = model_moves(stored_plan(con), until)
    next_day = (pd.Timestamp(at) + pd.Timedelta(days=1)).date()
    first = date(
        at.year if at.month < 4 else at.year + 1, 4, 1
    )  # price changes from the next April, as the MTFS
    specs = [
        replace(s, description="The placement model on the workspace's uplift, no what-ifs")
        if s.name == BASELINE
        else s
        # with a what-if from the command line and no --scenario, the baseline and that what-if only
        for s in selected_scenarios(settings, names or ([BASELINE] if extra is not None else None))
    ]
    if extra is not None:
        specs.append(extra)
    results: list[ScenarioOutlook] = []
    base_sim: Simulation | None = None
    seed = at.year * 100 + at.month
    for spec in specs:
        scenario = scenario_of(spec, lines, first, plan_moves)
        if spec is extra:
            given = [MixMove(a, b, next_day, count_per_month=n) for a, b, n in mix or []]
            scenario.mix_moves = [*scenario.mix_moves, *given]
        sim = simulate(
            placements, at, until, uplift={k: float(v) for k, v in uplift.items()}, scenario=scenario,
            draws=draws, seed=seed, reference=reference,
        )  # fmt: skip
        if spec.name == BASELINE:
            base_sim = sim
        results.append(ScenarioOutlook(spec, forecast_frame(sim), totals_frame(sim), years_frame(sim)))
    assert base_sim is not None
    out = PlacementOutlook(
        settings.authority,
        at,
        until,
        draws,
        history_by_month(placements, at),
        flows_by_month(base_sim),
        results,
        assumption_tables(base_sim.rates, at, uplift),
        [
            ("As at", f"{at:%d/%m/%Y} (placements as known then)"),
            ("Forecast to", f"{until:%d/%m/%Y}"),
            ("Placement model draws", str(draws)),
            (
                "Ranges",
                "80%: the 10th to 90th percentile over the draws; a year's range is that of the year's cost "
                "(each draw's months added up), not the months' ranges added up",
            ),
            (
                "Month-end numbers",
                "children placed on the line at the end of the month (started on or before it, not ended by it)",
            ),
            (
                "Cost",
                "placement-days × weekly cost / 7 per placement and month, rounded to the penny; uplift every "
                "April after the as-at date",
            ),
            *(("Warning", w) for w in warnings),
        ],
        warnings,
    )
    return out
