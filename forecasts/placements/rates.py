"""The placement model's rates, every one counted over one reference period: children coming into care
by line and their ages, leaving-care curves by line and age band, moves between lines, the weekly cost of
new placements, and the cohort open at the as-at date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from forecasts.placements.careperiods import BAND_LABELS, GAP_DAYS, age_band, spelled
from forecasts.placements.survival import POOLED, SurvivalCurve, complete_from, kaplan_meier
from forecasts.placements.transitions import DAYS_PER_MONTH

REFERENCES = ("year", "history", "shrunk")
DEFAULT_REFERENCE = "shrunk"
MIN_LINE_EVENTS = 5
MIN_BAND_EVENTS = 20
# steps of a leaving-care curve stop where fewer remain at risk (see survival.kaplan_meier)
MIN_AT_RISK = 10
YEAR18_DAYS = 6574.5
# The least an authority's entry and leaving rates move from year to year beyond chance (τ², relative
# variance): England's, the root mean square of the yearly change in log children starting to be looked
# after (0.0511) and in log children ceasing per child looked after (0.0498), 1994–2024 (DfE CLA time series,
# ../shared/data/dfe_cla_national/cla_time_series_1994_2024.csv). Every authority shares the national moves
# (policy, case law, a pandemic) on top of its own, and a handful of yearly counts cannot measure a spread of
# 5% beside Poisson chance of 6% (250 entries a year), so the authority's own estimate is floored here.
NATIONAL_ENTRY_SPREAD = 0.0511**2
NATIONAL_EXIT_SPREAD = 0.0498**2


@dataclass
class WindowRates:
    """Every rate counted over one reference window ``start``..as_at (arrays indexed like the lines):
    children coming into care per month by line of first placement, their ages at entry (days, where a date
    of birth is known), leaving-care curves by line and age band at the spell's start (moves and ageing
    out censored), move rates between lines per spell-month, weekly cost of the window's new spells."""

    start: pd.Timestamp
    entries: np.ndarray
    entries_total: int
    entry_ages: list[np.ndarray]
    curves: dict[tuple[str, int], SurvivalCurve]
    move_rate: np.ndarray
    new_cost_p: np.ndarray

    def curve(self, line: str, band: int) -> SurvivalCurve:
        """The curve for a line and age band (−1 all ages), falling back to the line's, then all lines'."""
        return self.curves.get((line, band)) or self.curves.get((line, -1)) or self.curves[(POOLED, -1)]


@dataclass
class LineRates:
    """The model's rates as known at as_at: the reference (``year``: the last 12 months; ``history``:
    all the list holds; ``shrunk``: the last year shrunk toward the whole history by ``weight_recent``, the local-level gain
    of ``shrinkage_weight`` at the entry spread ``entry_spread``),
    its windows as mixture components ``(weight, rates)``, the entry-rate spread per draw (coefficient of
    variation: the estimate's Poisson error plus the year-to-year spread beyond chance), and the cohort
    open at as_at (``s`` spell start and ``cap`` planned end relative to as_at in days, ``b18`` the 18th
    birthday in days, inf when unknown), and the leaving-care rate's spread per draw (``exit_cv``, the same
    two parts, from the yearly leavers per month in care), ``entry_spread`` and ``exit_spread`` the entry and
    leaving rates' relative variance from year to year beyond chance (τ², also in the cvs), at least
    England's (``NATIONAL_ENTRY_SPREAD``, ``NATIONAL_EXIT_SPREAD``)."""

    lines: list[str]
    reference: str
    weight_recent: float
    components: list[tuple[float, WindowRates]]
    entry_cv: float
    complete_from: pd.Timestamp
    yearly_entries: list[int]
    cohort: pd.DataFrame
    exit_cv: float
    yearly_leavers: list[int]
    entry_spread: float
    exit_spread: float
    yearly_aged_out: list[int] = field(default_factory=list)

    @property
    def starts_per_month(self) -> np.ndarray:
        """Children coming into care per month by line (the mixture's mean)."""
        return np.sum([w * r.entries for w, r in self.components], axis=0)


def window_rates(
    spells: pd.DataFrame, lines: list[str], w0: pd.Timestamp, at: pd.Timestamp, overall_cost: int
) -> WindowRates:
    index = {name: k for k, name in enumerate(lines)}
    span = max((at - w0).days / DAYS_PER_MONTH, 1.0)
    is_new = (spells["entry"] & (spells["start"] > w0)).to_numpy()
    new_line = spells["line"].map(index).to_numpy()[is_new]
    new_age = spells["age_days"].to_numpy(dtype=float)[is_new]
    entries = np.bincount(new_line.astype(np.int64), minlength=len(lines)).astype(float) / span
    ages = [new_age[(new_line == k) & ~np.isnan(new_age)] for k in range(len(lines))]
    # Leaving care is timed from the spell's start (a move to another line starts a new clock: measured
    # on these sets, the clock of time in care forecast closed cohorts worse); delayed entry at the window.
    seen = spells[spells["end"].isna() | (spells["end"] >= w0)]
    stop = seen["end"].fillna(at)
    dur = (stop - seen["start"]).dt.days.to_numpy(dtype=float)
    event = (seen["how"] == "exit").to_numpy()
    entry = np.minimum((w0 - seen["start"]).dt.days.clip(lower=0).to_numpy(dtype=float), dur)
    band = age_band(seen["age_days"].to_numpy(dtype=float))
    line_of = seen["line"].to_numpy(dtype=object)
    pooled = kaplan_meier(dur, event, entry, MIN_AT_RISK)
    curves: dict[tuple[str, int], SurvivalCurve] = {(POOLED, -1): pooled}
    for name in lines:
        on = line_of == name
        c = kaplan_meier(dur[on], event[on], entry[on], MIN_AT_RISK)
        if c.events >= MIN_LINE_EVENTS:
            curves[(name, -1)] = c
        for b in range(len(BAND_LABELS)):
            both = on & (band == b)
            if (
                both.sum()
                and (cb := kaplan_meier(dur[both], event[both], entry[both], MIN_AT_RISK)).events
                >= MIN_BAND_EVENTS
            ):
                curves[(name, b)] = cb
    move_rate = np.zeros((len(lines), len(lines)))
    first = seen["start"].where(seen["start"] > w0, w0)
    days = (stop - first).dt.days.clip(lower=0)
    risk = days.groupby(seen["line"]).sum() / DAYS_PER_MONTH
    mv = seen[(seen["how"] == "move") & (seen["end"] >= w0)]
    counts = mv.groupby(["line", "to_line"]).size().reset_index(name="n")
    for a, b, n in zip(counts["line"], counts["to_line"], counts["n"], strict=True):
        if risk.get(a, 0) > 0 and b in index:
            move_rate[index[str(a)], index[str(b)]] = n / risk[a]
    recent_cost = spells[spells["start"] > w0].groupby("line")["weekly_cost_p"].mean()
    all_cost = spells.groupby("line")["weekly_cost_p"].mean()
    new_cost = np.array(
        [int(round(recent_cost.get(n, all_cost.get(n, overall_cost)))) for n in lines], dtype=np.int64
    )
    return WindowRates(w0, entries, int(is_new.sum()), ages, curves, move_rate, new_cost)


def yearly_entry_counts(spells: pd.DataFrame, earliest: pd.Timestamp, at: pd.Timestamp) -> list[int]:
    """Children coming into care in each whole 12-month block back from ``at`` (newest first) while the
    block lies after ``earliest``."""
    out = []
    hi = at
    while (lo := hi - pd.DateOffset(years=1)) >= earliest:
        out.append(int((spells["entry"] & (spells["start"] > lo) & (spells["start"] <= hi)).sum()))
        hi = lo
    return out


def shrinkage_weight(counts: list[int], spread_floor: float = 0.0) -> float:
    """Weight of the last year's rate against the long-run one: the steady-state gain of a local-level
    model of the yearly counts, the log rate a random walk whose yearly step has relative variance τ² (the
    spread beyond chance, (var − mean) / mean², at least ``spread_floor``) seen through Poisson chance
    (relative variance 1 / mean). With q = τ² · mean, the level's variance before a year is seen is
    P = (q + √(q² + 4q)) / 2 (in units of 1 / mean) and the year's weight P / (P + 1). The simulation moves
    the rate by the same random walk each year ahead, so the reference and the ranges read one model of the
    entry rate. 0 when the years differ by no more than chance and there is no floor, 1 with under two
    years to compare."""
    if len(counts) < 2:
        return 1.0
    c = np.asarray(counts, dtype=float)
    mean, var = float(c.mean()), float(c.var(ddof=1))
    if mean <= 0:
        return 0.0
    q = max((var - mean) / mean**2, spread_floor) * mean
    p = (q + np.sqrt(q * q + 4 * q)) / 2
    return float(p / (p + 1))


def yearly_leavers(
    spells: pd.DataFrame, earliest: pd.Timestamp, at: pd.Timestamp, how: str = "exit"
) -> tuple[list[int], list[float]]:
    """Children leaving care (``how``: ``exit`` before 18, ``aged_out`` at 18) in each whole 12-month block
    back from ``at`` (newest first) while the block lies after ``earliest``, and the months in care of every
    spell in each block."""
    counts: list[int] = []
    months: list[float] = []
    stop = spells["end"].fillna(at)
    hi = at
    while (lo := hi - pd.DateOffset(years=1)) >= earliest:
        left = (spells["how"] == how) & (spells["end"] > lo) & (spells["end"] <= hi)
        first = spells["start"].where(spells["start"] > lo, lo)
        last = stop.where(stop < hi, hi)
        counts.append(int(left.sum()))
        months.append(float((last - first).dt.days.clip(lower=0).sum()) / DAYS_PER_MONTH)
        hi = lo
    return counts, months


def spread_beyond_chance(counts: list[int], exposure: list[float] | None = None) -> float:
    """Relative variance of a rate from year to year beyond Poisson chance (τ² with the yearly count
    ~ Poisson(μ_b (1 + ε)), Var ε = τ²): (variance of the counts about their expected values − their mean)
    / mean², where the expected count is the pooled rate times each year's exposure (equal exposures when
    ``exposure`` is None); 0 with under two years or no more spread than chance."""
    if len(counts) < 2:
        return 0.0
    c = np.asarray(counts, dtype=float)
    e = np.ones(len(c)) if exposure is None else np.asarray(exposure, dtype=float)
    if c.sum() <= 0 or e.sum() <= 0:
        return 0.0
    mu = c.sum() / e.sum() * e
    m = float(mu.mean())
    return max(float(np.sum((c - mu) ** 2)) / (len(c) - 1) - m, 0.0) / m**2


def line_rates(
    placements: pd.DataFrame,
    as_at: date,
    extra_lines: list[str] | None = None,
    reference: str = DEFAULT_REFERENCE,
    gap_days: int = GAP_DAYS,
) -> LineRates:
    """The model's rates from the placements as known at ``as_at``, every rate over the same reference
    period (see ``LineRates``), which starts no earlier than the day the list is complete from."""
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {', '.join(REFERENCES)}")
    at = pd.Timestamp(as_at)
    lines = sorted(set(placements["line"].tolist()) | set(extra_lines or []))
    index = {name: k for k, name in enumerate(lines)}
    spells, spell_of = spelled(placements, as_at, gap_days)
    earliest = complete_from(placements, as_at)
    known = placements[placements["start_date"] <= at]
    overall = int(round(known["weekly_cost_p"].mean())) if len(known) else 0
    recent = window_rates(spells, lines, max(at - pd.DateOffset(years=1), earliest), at, overall)
    history = window_rates(spells, lines, earliest, at, overall)
    counts = yearly_entry_counts(spells, earliest, at)
    w = {"year": 1.0, "history": 0.0, "shrunk": shrinkage_weight(counts, NATIONAL_ENTRY_SPREAD)}[reference]
    components = [(c, r) for c, r in ((w, recent), (1 - w, history)) if c > 0]
    # Per-draw spread of the entry and leaving rates: the estimate's Poisson error (1 / events in the
    # reference period) plus the year-to-year spread beyond chance (a future year differs from any
    # reference by that much too).
    n_entries = sum(c * r.entries_total for c, r in components)
    entry_spread = max(spread_beyond_chance(counts), NATIONAL_ENTRY_SPREAD)
    cv = float(np.sqrt(1 / max(n_entries, 1) + entry_spread))
    leavers, months_in_care = yearly_leavers(spells, earliest, at)
    n_left = sum(c * r.curves[(POOLED, -1)].events for c, r in components)
    exit_spread = max(spread_beyond_chance(leavers, months_in_care), NATIONAL_EXIT_SPREAD)
    exit_cv = float(np.sqrt(1 / max(n_left, 1) + exit_spread))

    live = known[known["end_date"].isna() | (known["end_date"] > at)]
    planned = live["planned_end_date"].where(live["planned_end_date"] > at)
    stop = pd.concat([live["end_date"], planned], axis=1).min(axis=1)
    sp = spells.loc[spell_of.loc[live.index].to_numpy()]
    b18 = (sp["birthday18"].to_numpy() - at.to_datetime64()) / np.timedelta64(1, "D")
    cohort = pd.DataFrame(
        {
            "line_code": live["line"].map(index).to_numpy(dtype=np.int64),
            "s": (sp["start"].to_numpy() - at.to_datetime64()) / np.timedelta64(1, "D"),
            "p0": (sp["period_start"].to_numpy() - at.to_datetime64()) / np.timedelta64(1, "D"),
            "age_days": sp["age_days"].to_numpy(dtype=float),
            "cap": (stop - at).dt.days.fillna(np.inf).to_numpy(dtype=float),
            "b18": np.where(np.isnan(b18) | (b18 <= 0), np.inf, b18),
            "weekly_cost_p": live["weekly_cost_p"].to_numpy(dtype=np.int64),
        }
    )
    return LineRates(
        lines,
        reference,
        w,
        components,
        cv,
        earliest,
        counts,
        cohort,
        exit_cv,
        leavers,
        entry_spread,
        exit_spread,
        yearly_leavers(spells, earliest, at, "aged_out")[0],
    )
