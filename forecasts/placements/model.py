"""Placement-mix cost model: stock and flow by line, Monte Carlo over draws, with MTFS scenarios.

Per draw: the cohort open at ``as_at`` ends at a duration drawn from its line's conditional KM survival
(capped by a recorded end date, or by a planned end date after as_at: a planned end on or before as_at
has passed with the placement still open, so it tells nothing and survival decides); new placements start per line per month (Poisson) at the
line's recent weekly cost of new placements; moves between lines happen at the historical monthly rates
(the moved placement ends, a new one starts next day on the other line); scenario mix moves are applied
last. Each draw is costed exactly like the commitments (placement-days × weekly pence / 7 per
placement-month, rounded half up, times any uplift factor); the central cost is the mean over draws
rounded half up to the penny, the range is the 10th–90th percentile (80%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from forecasts.placements.careperiods import BAND_LABELS, GAP_DAYS, age_band, spelled
from forecasts.placements.commitments import month_starts
from forecasts.placements.survival import POOLED, SurvivalCurve, complete_from, kaplan_meier
from forecasts.placements.transitions import DAYS_PER_MONTH

PPM = 1_000_000


@dataclass(frozen=True)
class MixMove:
    """Children moved from one line to another: ``count_per_month`` every month from ``start`` (fractions
    accumulate: 2/3 a month moves 2 children a quarter) or a one-off ``count`` in ``start``'s month."""

    from_line: str
    to_line: str
    start: date
    count_per_month: float | None = None
    count: int | None = None
    weekly_cost_p: int | None = None


@dataclass
class Scenario:
    """MTFS what-if: mix moves, +x% starts per line, +y% weekly cost per line from ``price_change_from``."""

    mix_moves: list[MixMove] = field(default_factory=list)
    demand_change: dict[str, float] = field(default_factory=dict)
    price_change: dict[str, float] = field(default_factory=dict)
    price_change_from: date | None = None


REFERENCES = ("year", "history", "shrunk")
DEFAULT_REFERENCE = "shrunk"
MIN_LINE_EVENTS = 5
MIN_BAND_EVENTS = 20
YEAR18_DAYS = 6574.5


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
    all the list holds; ``shrunk``: the last year shrunk toward the whole history by ``weight_recent``),
    its windows as mixture components ``(weight, rates)``, the entry-rate spread per draw (coefficient of
    variation: the estimate's Poisson error plus the year-to-year spread beyond chance), and the cohort
    open at as_at (``s`` spell start and ``cap`` planned end relative to as_at in days, ``b18`` the 18th
    birthday in days, inf when unknown)."""

    lines: list[str]
    reference: str
    weight_recent: float
    components: list[tuple[float, WindowRates]]
    entry_cv: float
    complete_from: pd.Timestamp
    yearly_entries: list[int]
    cohort: pd.DataFrame

    @property
    def starts_per_month(self) -> np.ndarray:
        """Children coming into care per month by line (the mixture's mean)."""
        return np.sum([w * r.entries for w, r in self.components], axis=0)


def _window_rates(
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
    pooled = kaplan_meier(dur, event, entry)
    curves: dict[tuple[str, int], SurvivalCurve] = {(POOLED, -1): pooled}
    for name in lines:
        on = line_of == name
        c = kaplan_meier(dur[on], event[on], entry[on])
        if c.events >= MIN_LINE_EVENTS:
            curves[(name, -1)] = c
        for b in range(len(BAND_LABELS)):
            both = on & (band == b)
            if (
                both.sum()
                and (cb := kaplan_meier(dur[both], event[both], entry[both])).events >= MIN_BAND_EVENTS
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


def shrinkage_weight(counts: list[int]) -> float:
    """Weight of the last year's rate against the long-run one: the share of the yearly counts' variance
    beyond Poisson chance, (var − mean) / var, 0 when the years differ by no more than chance (then the
    last year's level is noise around the long run), 1 with under two years to compare."""
    if len(counts) < 2:
        return 1.0
    c = np.asarray(counts, dtype=float)
    mean, var = float(c.mean()), float(c.var(ddof=1))
    return 0.0 if var <= mean or var <= 0 else (var - mean) / var


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
    recent = _window_rates(spells, lines, max(at - pd.DateOffset(years=1), earliest), at, overall)
    history = _window_rates(spells, lines, earliest, at, overall)
    counts = yearly_entry_counts(spells, earliest, at)
    w = {"year": 1.0, "history": 0.0, "shrunk": shrinkage_weight(counts)}[reference]
    components = [(c, r) for c, r in ((w, recent), (1 - w, history)) if c > 0]
    n_entries = sum(c * r.entries_total for c, r in components)
    spread = 0.0
    if len(counts) >= 2:
        mean, var = float(np.mean(counts)), float(np.var(counts, ddof=1))
        spread = max(var - mean, 0.0) / mean**2 if mean > 0 else 0.0
    cv = float(np.sqrt(1 / max(n_entries, 1) + (spread if w > 0 else 0.0)))

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
    return LineRates(lines, reference, w, components, cv, earliest, counts, cohort)


def _monthly_moves(mm: MixMove, months: list[pd.Timestamp]) -> list[int]:
    first = pd.Timestamp(mm.start).to_period("M").start_time
    out, done, k = [], 0, 0
    for m in months:
        if m < first:
            out.append(0)
            continue
        k += 1
        if mm.count_per_month is not None:
            total = int(np.floor(mm.count_per_month * k + 1e-9))
        else:
            total = int(mm.count or 0)
        out.append(total - done)
        done = total
    return out


def _factors_ppm(
    lines: list[str],
    months: list[pd.Timestamp],
    as_at: date,
    uplift: dict[str, float],
    uplift_month: int,
    scenario: Scenario,
) -> np.ndarray:
    """Weekly-cost multipliers in parts per million, shape (lines, months): the uplift compounds at every
    ``uplift_month`` (April) after as_at; a scenario price change applies from its date's month."""
    out = np.full((len(lines), len(months)), PPM, dtype=np.int64)
    change_from = pd.Timestamp(scenario.price_change_from or as_at).to_period("M").start_time
    for i, line in enumerate(lines):
        for j, m in enumerate(months):
            steps = sum(
                1
                for y in range(as_at.year, m.year + 1)
                if date(as_at.year, 1, 1) <= date(y, uplift_month, 1) <= m.date()
                and date(y, uplift_month, 1) > as_at
            )
            f = (Decimal(1) + Decimal(str(uplift.get(line, 0.0)))) ** steps
            if line in scenario.price_change and m >= change_from:
                f *= Decimal(1) + Decimal(str(scenario.price_change[line]))
            out[i, j] = int((f * PPM).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out


IN_COHORT, IN_ENTRY, IN_MOVE, IN_MIX = 0, 1, 2, 3
OUT_OPEN, OUT_EXIT, OUT_AGED, OUT_MOVE, OUT_MIX, OUT_PLANNED = 0, 1, 2, 3, 4, 5


@dataclass
class _Rows:
    """Simulated line spells, flattened over draws (days relative to as_at): ``s`` first day, ``e`` last
    paid day, ``stop`` the first day no longer in the line's stock, ``p0`` the day the period of care began, ``born`` day of birth (NaN unknown),
    ``b18`` 18th birthday (inf unknown), ``comp`` the mixture component, ``came``/``went`` how it began
    and ended (IN_* / OUT_*)."""

    draw: np.ndarray
    line: np.ndarray
    s: np.ndarray
    p0: np.ndarray
    e: np.ndarray
    stop: np.ndarray
    weekly: np.ndarray
    born: np.ndarray
    b18: np.ndarray
    comp: np.ndarray
    came: np.ndarray
    went: np.ndarray

    def extend(self, other: _Rows) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))


def _durations(
    rates: LineRates,
    comp: np.ndarray,
    line: np.ndarray,
    age_days: np.ndarray,
    t0: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Total spell durations (days) from each row's component and the curve of its line and age band on
    coming into care, given the spell has lasted ``t0`` days."""
    u = rng.random(len(line))
    out = np.empty(len(line))
    nb = len(BAND_LABELS) + 1
    key = (comp * len(rates.lines) + line) * nb + age_band(age_days) + 1
    for k in np.unique(key):
        on = key == k
        c, rest = divmod(int(k), len(rates.lines) * nb)
        ln, b = divmod(rest, nb)
        curve = rates.components[c][1].curve(rates.lines[ln], b - 1)
        out[on] = curve.durations_for(t0[on], u[on])
    return out


def _spells(
    rates: LineRates,
    draw: np.ndarray,
    line: np.ndarray,
    s: np.ndarray,
    p0: np.ndarray,
    born: np.ndarray,
    b18: np.ndarray,
    cap: np.ndarray,
    weekly: np.ndarray,
    comp: np.ndarray,
    came: int,
    horizon: int,
    rng: np.random.Generator,
) -> _Rows:
    """Rows for spells that started on day ``s`` in periods of care begun on day ``p0``: each ends at the
    first of leaving care (drawn from the curve of its line and age band on coming into care, given the
    days the spell has lasted by as_at), the 18th birthday, the planned end ``cap`` and a move to another line
    (exponential at the line's move rate); open beyond the horizon otherwise."""
    t0 = np.maximum(s, 0) - s
    age = np.where(np.isnan(born), np.nan, p0 - born)
    leave = np.maximum(s + _durations(rates, comp, line, age, t0, rng), np.maximum(s, 1))
    hazard = np.zeros(len(s))
    for c, (_, r) in enumerate(rates.components):
        on = comp == c
        hazard[on] = r.move_rate.sum(axis=1)[line[on]] / DAYS_PER_MONTH
    with np.errstate(divide="ignore"):
        move = np.where(
            hazard > 0, np.floor(np.maximum(s, 0) + rng.exponential(1 / np.maximum(hazard, 1e-300))), np.inf
        )
    move = np.maximum(move, s)
    ends = np.stack([leave, b18, cap, move])
    which = ends.argmin(axis=0)
    end = ends.min(axis=0)
    went = np.array([OUT_EXIT, OUT_AGED, OUT_PLANNED, OUT_MOVE])[which]
    went = np.where(end > horizon, OUT_OPEN, went)
    stop = np.where(went == OUT_MOVE, end + 1, end)
    stop = np.where(went == OUT_OPEN, np.inf, np.maximum(stop, s))
    e = np.minimum(end, horizon)
    n = len(s)
    return _Rows(draw, line, s, p0, e, stop, weekly, born, b18, comp, np.full(n, came), went.astype(np.int64))


def _moved(rates: LineRates, rows: _Rows, first: int, horizon: int, rng: np.random.Generator) -> None:
    """New spells on the lines moved to, for rows[first:] that ended in a move, and so on until no spell
    moves again within the horizon (every move out has its move in)."""
    while True:
        idx = np.arange(first, len(rows.s))
        idx = idx[rows.went[idx] == OUT_MOVE]
        if not len(idx):
            return
        probs = np.stack(
            [
                rates.components[c][1].move_rate[ln]
                for c, ln in zip(rows.comp[idx], rows.line[idx], strict=True)
            ]
        )
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        to = (rng.random(len(idx))[:, None] > cum).sum(axis=1).clip(max=len(rates.lines) - 1)
        first = len(rows.s)
        start = rows.stop[idx]
        new_cost = np.array(
            [rates.components[c][1].new_cost_p[t] for c, t in zip(rows.comp[idx], to, strict=True)]
        )
        rows.extend(
            _spells(
                rates,
                rows.draw[idx],
                to,
                start,
                rows.p0[idx],
                rows.born[idx],
                rows.b18[idx],
                np.full(len(idx), np.inf),
                new_cost.astype(np.int64),
                rows.comp[idx],
                IN_MOVE,
                horizon,
                rng,
            )
        )


def _apply_mix_moves(
    rates: LineRates,
    rows: _Rows,
    scenario: Scenario,
    windows: list[tuple[int, int]],
    months: list[pd.Timestamp],
    horizon: int,
    rng: np.random.Generator,
) -> None:
    index = {name: k for k, name in enumerate(rates.lines)}
    for mm in scenario.mix_moves:
        src, dst = index[mm.from_line], index[mm.to_line]
        for (lo, _), n in zip(windows, _monthly_moves(mm, months), strict=True):
            if n <= 0:
                continue
            cand = np.nonzero((rows.line == src) & (rows.s < lo) & (rows.stop > lo))[0]
            order = np.lexsort((rng.random(len(cand)), rows.draw[cand]))
            cand = cand[order]
            d = rows.draw[cand]
            rank = np.arange(len(cand)) - np.searchsorted(d, d, side="left")
            chosen = cand[rank < n]
            rows.e[chosen] = lo - 1
            rows.stop[chosen] = lo
            rows.went[chosen] = OUT_MIX
            k = len(chosen)
            weekly = (
                np.array([rates.components[c][1].new_cost_p[dst] for c in rows.comp[chosen]], dtype=np.int64)
                if mm.weekly_cost_p is None
                else np.full(k, int(mm.weekly_cost_p), dtype=np.int64)
            )
            rows.extend(
                _spells(
                    rates,
                    rows.draw[chosen],
                    np.full(k, dst),
                    np.full(k, float(lo)),
                    rows.p0[chosen],
                    rows.born[chosen],
                    rows.b18[chosen],
                    np.full(k, np.inf),
                    weekly,
                    rows.comp[chosen],
                    IN_MIX,
                    horizon,
                    rng,
                )
            )


@dataclass
class Simulation:
    """The simulated spells of every draw and what is needed to read them by line and month."""

    rates: LineRates
    rows: _Rows
    months: list[pd.Timestamp]
    windows: list[tuple[int, int]]
    factors: np.ndarray
    draws: int
    horizon: int


def simulate(
    placements: pd.DataFrame,
    as_at: date,
    until: date,
    *,
    starts_per_month: dict[str, float] | None = None,
    uplift: dict[str, float] | None = None,
    uplift_month: int = 4,
    scenario: Scenario | None = None,
    draws: int = 200,
    seed: int = 0,
    reference: str = DEFAULT_REFERENCE,
) -> Simulation:
    """Simulate ``draws`` futures of the placements open at ``as_at`` and the children coming into care
    after it, to ``until`` (placements as known at as_at)."""
    scenario = scenario or Scenario()
    horizon = max((until - as_at).days, 0)
    extra = {m.from_line for m in scenario.mix_moves} | {m.to_line for m in scenario.mix_moves}
    extra |= set(starts_per_month or {})
    rates = line_rates(placements, as_at, extra_lines=sorted(extra), reference=reference)
    rng = np.random.default_rng(seed)
    n_lines = len(rates.lines)
    months = month_starts(as_at + pd.Timedelta(days=1), until) if horizon else []
    at = pd.Timestamp(as_at)
    windows = [(max((m - at).days, 1), min((m + pd.offsets.MonthEnd(0) - at).days, horizon)) for m in months]
    n_comp = len(rates.components)

    # The cohort open at as_at, repeated per draw (each draw's spells follow one mixture component).
    co = rates.cohort
    n0 = len(co)
    weights = np.array([w for w, _ in rates.components])
    draw_comp = rng.choice(n_comp, size=draws, p=weights / weights.sum()) if n_comp else np.zeros(draws, int)
    draw = np.repeat(np.arange(draws), n0)
    s = np.tile(co["s"].to_numpy(dtype=float), draws)
    p0 = np.tile(co["p0"].to_numpy(dtype=float), draws)
    age0 = np.tile(co["age_days"].to_numpy(dtype=float), draws)
    rows = _spells(
        rates,
        draw,
        np.tile(co["line_code"].to_numpy(dtype=np.int64), draws),
        s,
        p0,
        p0 - age0,
        np.tile(co["b18"].to_numpy(dtype=float), draws),
        np.tile(co["cap"].to_numpy(dtype=float), draws),
        np.tile(co["weekly_cost_p"].to_numpy(dtype=np.int64), draws),
        draw_comp[draw],
        IN_COHORT,
        horizon,
        rng,
    )

    # Children coming into care: Poisson per draw, line and month around the draw's component rate times a
    # gamma multiplier for the rate's uncertainty; start day uniform in the month.
    if months:
        lam = np.stack([r.entries for _, r in rates.components])[draw_comp]  # draws × lines
        for name, value in (starts_per_month or {}).items():
            lam[:, rates.lines.index(name)] = value
        for name, change in scenario.demand_change.items():
            lam[:, rates.lines.index(name)] *= 1 + change
        if rates.entry_cv > 0 and not starts_per_month:
            k = 1 / rates.entry_cv**2
            lam = lam * rng.gamma(k, 1 / k, size=(draws, 1))
        counts = rng.poisson(np.broadcast_to(lam[:, :, None], (draws, n_lines, len(months))))
        flat = counts.ravel()
        keys = np.repeat(np.arange(flat.size), flat)
        d_idx, l_idx, m_idx = np.unravel_index(keys, counts.shape)
        lo = np.array([w[0] for w in windows])[m_idx]
        hi = np.array([w[1] for w in windows])[m_idx]
        s_new = np.floor(lo + rng.random(len(keys)) * (hi - lo + 1))
        comp = draw_comp[d_idx]
        born = np.full(len(keys), np.nan)
        for c, (_, r) in enumerate(rates.components):
            for ln in range(n_lines):
                on = np.nonzero((comp == c) & (l_idx == ln))[0]
                if len(on) and len(r.entry_ages[ln]):
                    born[on] = s_new[on] - rng.choice(r.entry_ages[ln], size=len(on))
        b18 = np.where(np.isnan(born), np.inf, np.floor(born + YEAR18_DAYS))
        new_cost = np.stack([r.new_cost_p for _, r in rates.components])[comp, l_idx]
        rows.extend(
            _spells(
                rates,
                d_idx,
                l_idx,
                s_new,
                s_new,
                born,
                b18,
                np.full(len(keys), np.inf),
                new_cost.astype(np.int64),
                comp,
                IN_ENTRY,
                horizon,
                rng,
            )
        )
    _moved(rates, rows, 0, horizon, rng)
    _apply_mix_moves(rates, rows, scenario, windows, months, horizon, rng)
    factors = _factors_ppm(rates.lines, months, as_at, uplift or {}, uplift_month, scenario)
    return Simulation(rates, rows, months, windows, factors, draws, horizon)


def _by_draw_line(sim: Simulation, mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    n = len(sim.rates.lines)
    key = sim.rows.draw[mask] * n + sim.rows.line[mask]
    w = None if weights is None else weights[mask] if weights.shape == mask.shape else weights
    return np.bincount(key, weights=w, minlength=sim.draws * n).reshape(sim.draws, n)


def month_end_stock(sim: Simulation) -> np.ndarray:
    """Children on each line at each month end, per draw: shape (draws, lines, months)."""
    r = sim.rows
    out = np.zeros((sim.draws, len(sim.rates.lines), len(sim.months)))
    for j, (_, hi) in enumerate(sim.windows):
        out[:, :, j] = _by_draw_line(sim, (r.s <= hi) & (r.stop > hi))
    return out


FLOWS = ("opening", "entries", "moves_in", "moves_out", "left_care", "aged_out", "closing")


def flows_by_month(sim: Simulation) -> pd.DataFrame:
    """Mean over draws per line and month of the stock's flows: ``opening`` (at the previous month end),
    ``entries`` (children coming into care), ``moves_in`` / ``moves_out`` (between lines, scenario moves
    included), ``left_care`` (including planned ends), ``aged_out`` (18th birthday) and ``closing``; in
    every draw closing = opening + entries + moves_in − moves_out − left_care − aged_out."""
    r = sim.rows
    rows = []
    stock = month_end_stock(sim)
    prev = 0
    for j, (_, hi) in enumerate(sim.windows):
        within_s = (r.s > prev) & (r.s <= hi)
        within_stop = (r.stop > prev) & (r.stop <= hi)
        parts = {
            "opening": _by_draw_line(sim, (r.s <= prev) & (r.stop > prev)),
            "entries": _by_draw_line(sim, within_s & (r.came == IN_ENTRY)),
            "moves_in": _by_draw_line(sim, within_s & np.isin(r.came, [IN_MOVE, IN_MIX])),
            "moves_out": _by_draw_line(sim, within_stop & np.isin(r.went, [OUT_MOVE, OUT_MIX])),
            "left_care": _by_draw_line(sim, within_stop & np.isin(r.went, [OUT_EXIT, OUT_PLANNED])),
            "aged_out": _by_draw_line(sim, within_stop & (r.went == OUT_AGED)),
            "closing": stock[:, :, j],
        }
        for k, name in enumerate(sim.rates.lines):
            rows.append((name, sim.months[j], *(float(parts[f][:, k].mean()) for f in FLOWS)))
        prev = hi
    return pd.DataFrame(rows, columns=["line", "month", *FLOWS])


def _costs(sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """Placement-days and pence per draw, line and month (cost rounded per placement-month)."""
    r = sim.rows
    n_lines = len(sim.rates.lines)
    days_all = np.zeros((sim.draws, n_lines, len(sim.months)))
    cost_all = np.zeros((sim.draws, n_lines, len(sim.months)), dtype=np.int64)
    weekly = r.weekly.astype(np.int64)
    first = np.maximum(r.s, 1)
    last = np.minimum(r.e, sim.horizon)
    everything = np.ones(len(r.s), dtype=bool)
    for j, (w_lo, w_hi) in enumerate(sim.windows):
        d = np.clip(np.minimum(last, w_hi) - np.maximum(first, w_lo) + 1, 0, None).astype(np.int64)
        f = sim.factors[r.line, j]
        c = (2 * weekly * d * f + 7 * PPM) // (14 * PPM)
        days_all[:, :, j] = _by_draw_line(sim, everything, d.astype(float))
        cost_all[:, :, j] = np.rint(_by_draw_line(sim, everything, c.astype(float))).astype(np.int64)
    return days_all, cost_all


def forecast_frame(sim: Simulation) -> pd.DataFrame:
    """Per line per month: ``numbers, numbers_low, numbers_high`` (average open placements),
    ``month_end, month_end_low, month_end_high`` (children at the month end) and ``cost_p, cost_low_p,
    cost_high_p`` (pence): central = mean over draws (cost rounded half up), low/high = the 80% range."""
    cols = ["line", "month", "numbers", "numbers_low", "numbers_high", "cost_p", "cost_low_p", "cost_high_p"]
    cols += ["month_end", "month_end_low", "month_end_high"]
    if not sim.months:
        return pd.DataFrame(columns=cols)
    days_all, cost_all = _costs(sim)
    dim = np.array([m.days_in_month for m in sim.months], dtype=float)
    numbers = days_all / dim[None, None, :]
    stock = month_end_stock(sim)
    central = (2 * cost_all.sum(axis=0) + sim.draws) // (2 * sim.draws)
    q = {
        name: np.quantile(a, [0.1, 0.9], axis=0)
        for name, a in (("n", numbers), ("c", cost_all), ("m", stock))
    }
    out = []
    for k, name in enumerate(sim.rates.lines):
        for j, m in enumerate(sim.months):
            out.append(
                (
                    name, m, float(numbers[:, k, j].mean()), float(q["n"][0, k, j]), float(q["n"][1, k, j]),
                    int(central[k, j]), int(np.rint(q["c"][0, k, j])), int(np.rint(q["c"][1, k, j])),
                    float(stock[:, k, j].mean()), float(q["m"][0, k, j]), float(q["m"][1, k, j]),
                )
            )  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def totals_frame(sim: Simulation) -> pd.DataFrame:
    """All lines together per month: ``month_end`` (children in care at the month end) and ``cost_p``
    with their 80% ranges over draws (the range of the total, not the sum of the lines' ranges)."""
    cols = ["month", "month_end", "month_end_low", "month_end_high", "cost_p", "cost_low_p", "cost_high_p"]
    if not sim.months:
        return pd.DataFrame(columns=cols)
    stock = month_end_stock(sim).sum(axis=1)
    cost = _costs(sim)[1].sum(axis=1)
    out = []
    for j, m in enumerate(sim.months):
        me, c = stock[:, j], cost[:, j]
        central = (2 * int(c.sum()) + sim.draws) // (2 * sim.draws)
        out.append(
            (
                m, float(me.mean()), float(np.quantile(me, 0.1)), float(np.quantile(me, 0.9)),
                central, int(np.rint(np.quantile(c, 0.1))), int(np.rint(np.quantile(c, 0.9))),
            )
        )  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def placement_forecast(
    placements: pd.DataFrame,
    as_at: date,
    until: date,
    *,
    starts_per_month: dict[str, float] | None = None,
    uplift: dict[str, float] | None = None,
    uplift_month: int = 4,
    scenario: Scenario | None = None,
    draws: int = 200,
    seed: int = 0,
    reference: str = DEFAULT_REFERENCE,
) -> pd.DataFrame:
    """Forecast per line per month from as_at + 1 to ``until`` (see ``forecast_frame`` for the columns).
    Placements are used as known at ``as_at``."""
    sim = simulate(
        placements, as_at, until, starts_per_month=starts_per_month, uplift=uplift,
        uplift_month=uplift_month, scenario=scenario, draws=draws, seed=seed, reference=reference,
    )  # fmt: skip
    return forecast_frame(sim)
