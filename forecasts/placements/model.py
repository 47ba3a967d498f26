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

from forecasts.placements.commitments import month_starts
from forecasts.placements.survival import POOLED, SurvivalCurve, complete_from, curves_by_line
from forecasts.placements.transitions import DAYS_PER_MONTH, ended_by_move, started_by_move, transition_rates

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


@dataclass
class LineRates:
    """What the model estimates from history as known at as_at (arrays are indexed like ``lines``)."""

    lines: list[str]
    curves: dict[str, SurvivalCurve]
    starts_per_month: np.ndarray
    new_cost_p: np.ndarray
    move_rate: np.ndarray
    cohort: pd.DataFrame


def line_rates(
    placements: pd.DataFrame,
    as_at: date,
    extra_lines: list[str] | None = None,
    window_months: int = 12,
    transition_months: int = 36,
    gap_days: int = 7,
) -> LineRates:
    """Survival curves (moves censored; placements older than the list enter at their age then), fresh
    starts per month and average weekly cost of new placements over the last ``window_months``, monthly
    move rates over the last ``transition_months`` (both windows start no earlier than the day the list is
    complete from, see ``survival.complete_from``), and the cohort open at ``as_at`` (``s`` = start day
    relative to as_at, ``cap`` = last paid day from the end date or a planned end date after as_at, inf
    when none)."""
    at = pd.Timestamp(as_at)
    view = placements[placements["start_date"] <= at].copy()
    view.loc[view["end_date"] > at, "end_date"] = pd.NaT
    lines = sorted(set(placements["line"].tolist()) | set(extra_lines or []))
    index = {name: k for k, name in enumerate(lines)}
    moved_in = started_by_move(view, gap_days)
    earliest = complete_from(view, as_at)
    curves = curves_by_line(view, as_at, censored=ended_by_move(view, gap_days), since=earliest)
    w0 = max(at - pd.DateOffset(months=window_months), earliest)
    span = max((at - w0).days / DAYS_PER_MONTH, 1.0)
    recent = view[view["start_date"] > w0]
    fresh = recent[~moved_in.loc[recent.index]].groupby("line").size()
    starts = np.array([fresh.get(name, 0) / span for name in lines], dtype=float)
    overall = int(round(view["weekly_cost_p"].mean())) if len(view) else 0
    recent_cost = recent.groupby("line")["weekly_cost_p"].mean()
    all_cost = view.groupby("line")["weekly_cost_p"].mean()
    new_cost = np.array(
        [int(round(recent_cost.get(n, all_cost.get(n, overall)))) for n in lines], dtype=np.int64
    )
    t0 = max(at - pd.DateOffset(months=transition_months), earliest)
    move_rate = np.zeros((len(lines), len(lines)))
    rated = transition_rates(view, t0.date(), as_at, gap_days)
    for a, b, rate in zip(rated["from_line"], rated["to_line"], rated["rate"].astype(float), strict=True):
        move_rate[index[str(a)], index[str(b)]] = rate
    live = placements[
        (placements["start_date"] <= at) & (placements["end_date"].isna() | (placements["end_date"] > at))
    ]
    planned = live["planned_end_date"].where(live["planned_end_date"] > at)
    stop = pd.concat([live["end_date"], planned], axis=1).min(axis=1)
    cohort = pd.DataFrame(
        {
            "line_code": live["line"].map(index).to_numpy(dtype=np.int64),
            "s": (live["start_date"] - at).dt.days.to_numpy(dtype=float),
            "cap": (stop - at).dt.days.fillna(np.inf).to_numpy(dtype=float),
            "weekly_cost_p": live["weekly_cost_p"].to_numpy(dtype=np.int64),
        }
    )
    return LineRates(lines, curves, starts, new_cost, move_rate, cohort)


@dataclass
class _Rows:
    """Simulated placements, flattened over draws (days relative to as_at; e is the last paid day)."""

    draw: np.ndarray
    line: np.ndarray
    s: np.ndarray
    e: np.ndarray
    weekly: np.ndarray

    def extend(self, other: _Rows) -> None:
        for name in ("draw", "line", "s", "e", "weekly"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))


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


def _durations(rates: LineRates, line: np.ndarray, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Total durations (days) drawn from each row's line curve, conditional on its age."""
    u = rng.random(len(line))
    out = np.empty(len(line))
    for k, name in enumerate(rates.lines):
        on = line == k
        if on.any():
            curve = rates.curves.get(name, rates.curves[POOLED])
            out[on] = curve.durations_for(ages[on], u[on])
    return out


def _new_rows(
    rates: LineRates,
    draw: np.ndarray,
    line: np.ndarray,
    s: np.ndarray,
    horizon: int,
    rng: np.random.Generator,
) -> _Rows:
    e = s + _durations(rates, line, np.zeros(len(s)), rng)
    return _Rows(draw, line, s, np.minimum(e, horizon), rates.new_cost_p[line])


def _apply_transitions(
    rates: LineRates, rows: _Rows, first: int, horizon: int, rng: np.random.Generator
) -> None:
    """Moves between lines for rows[first:], repeated for the placements they create (5 generations)."""
    hazard = rates.move_rate.sum(axis=1) / (365.25 / 12)
    for _ in range(5):
        idx = np.arange(first, len(rows.s))
        h = hazard[rows.line[idx]]
        idx, h = idx[h > 0], h[h > 0]
        if not len(idx):
            return
        when = np.floor(np.maximum(rows.s[idx], 0) + rng.exponential(1 / h))
        hit = (when < rows.e[idx]) & (when < horizon)
        idx, when = idx[hit], np.maximum(when[hit], rows.s[idx[hit]])
        if not len(idx):
            return
        rows.e[idx] = when
        probs = rates.move_rate[rows.line[idx]]
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        to = (rng.random(len(idx))[:, None] > cum).sum(axis=1).clip(max=len(rates.lines) - 1)
        first = len(rows.s)
        rows.extend(_new_rows(rates, rows.draw[idx], to, when + 1, horizon, rng))


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
        weekly = rates.new_cost_p[dst] if mm.weekly_cost_p is None else int(mm.weekly_cost_p)
        for (lo, _), n in zip(windows, _monthly_moves(mm, months), strict=True):
            if n <= 0:
                continue
            cand = np.nonzero((rows.line == src) & (rows.s < lo) & (rows.e >= lo))[0]
            order = np.lexsort((rng.random(len(cand)), rows.draw[cand]))
            cand = cand[order]
            d = rows.draw[cand]
            rank = np.arange(len(cand)) - np.searchsorted(d, d, side="left")
            chosen = cand[rank < n]
            rows.e[chosen] = lo - 1
            new = _new_rows(
                rates, rows.draw[chosen], np.full(len(chosen), dst), np.full(len(chosen), lo), horizon, rng
            )
            new.weekly = np.full(len(chosen), weekly, dtype=np.int64)
            rows.extend(new)


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
) -> pd.DataFrame:
    """Forecast per line per month from as_at + 1 to ``until``: columns ``line, month, numbers,
    numbers_low, numbers_high`` (average open placements) and ``cost_p, cost_low_p, cost_high_p`` (pence;
    low/high = 80% range over draws). Placements are used as known at ``as_at``."""
    scenario = scenario or Scenario()
    horizon = (until - as_at).days
    cols = ["line", "month", "numbers", "numbers_low", "numbers_high", "cost_p", "cost_low_p", "cost_high_p"]
    if horizon <= 0:
        return pd.DataFrame(columns=cols)
    extra = {m.from_line for m in scenario.mix_moves} | {m.to_line for m in scenario.mix_moves}
    extra |= set(starts_per_month or {})
    rates = line_rates(placements, as_at, extra_lines=sorted(extra))
    rng = np.random.default_rng(seed)
    n_lines = len(rates.lines)
    months = month_starts(as_at + pd.Timedelta(days=1), until)
    at = pd.Timestamp(as_at)
    windows = [(max((m - at).days, 1), min((m + pd.offsets.MonthEnd(0) - at).days, horizon)) for m in months]

    # The cohort open at as_at, repeated per draw.
    co = rates.cohort
    n0 = len(co)
    draw = np.repeat(np.arange(draws), n0)
    line = np.tile(co["line_code"].to_numpy(dtype=np.int64), draws)
    s = np.tile(co["s"].to_numpy(dtype=float), draws)
    cap = np.tile(co["cap"].to_numpy(dtype=float), draws)
    e = s + _durations(rates, line, -s, rng)
    rows = _Rows(
        draw, line, s, np.minimum(np.minimum(e, cap), horizon), np.tile(co["weekly_cost_p"].to_numpy(), draws)
    )

    # New starters: Poisson per draw, line, month; start day uniform in the month.
    lam = rates.starts_per_month.copy()
    for name, value in (starts_per_month or {}).items():
        lam[rates.lines.index(name)] = value
    for name, change in scenario.demand_change.items():
        lam[rates.lines.index(name)] *= 1 + change
    counts = rng.poisson(np.broadcast_to(lam[None, :, None], (draws, n_lines, len(months))))
    flat = counts.ravel()
    keys = np.repeat(np.arange(flat.size), flat)
    d_idx, l_idx, m_idx = np.unravel_index(keys, counts.shape)
    lo = np.array([w[0] for w in windows])[m_idx]
    hi = np.array([w[1] for w in windows])[m_idx]
    s_new = np.floor(lo + rng.random(len(keys)) * (hi - lo + 1))
    rows.extend(_new_rows(rates, d_idx, l_idx, s_new, horizon, rng))

    _apply_transitions(rates, rows, 0, horizon, rng)
    _apply_mix_moves(rates, rows, scenario, windows, months, horizon, rng)

    factors = _factors_ppm(rates.lines, months, as_at, uplift or {}, uplift_month, scenario)
    key = rows.draw * n_lines + rows.line
    weekly = rows.weekly.astype(np.int64)
    first = np.maximum(rows.s, 1)
    last = np.minimum(rows.e, horizon)
    days_all = np.zeros((draws, n_lines, len(months)))
    cost_all = np.zeros((draws, n_lines, len(months)), dtype=np.int64)
    for j, (w_lo, w_hi) in enumerate(windows):
        d = np.clip(np.minimum(last, w_hi) - np.maximum(first, w_lo) + 1, 0, None).astype(np.int64)
        f = factors[rows.line, j]
        c = (2 * weekly * d * f + 7 * PPM) // (14 * PPM)
        days_all[:, :, j] = np.bincount(key, weights=d, minlength=draws * n_lines).reshape(draws, n_lines)
        cost_all[:, :, j] = (
            np.rint(np.bincount(key, weights=c.astype(float), minlength=draws * n_lines))
            .astype(np.int64)
            .reshape(draws, n_lines)
        )
    dim = np.array([m.days_in_month for m in months], dtype=float)
    numbers = days_all / dim[None, None, :]
    total = cost_all.sum(axis=0)
    central = (2 * total + draws) // (2 * draws)
    out = []
    for k, name in enumerate(rates.lines):
        for j, m in enumerate(months):
            out.append(
                (
                    name,
                    m,
                    float(numbers[:, k, j].mean()),
                    float(np.quantile(numbers[:, k, j], 0.1)),
                    float(np.quantile(numbers[:, k, j], 0.9)),
                    int(central[k, j]),
                    int(np.rint(np.quantile(cost_all[:, k, j], 0.1))),
                    int(np.rint(np.quantile(cost_all[:, k, j], 0.9))),
                )
            )
    return pd.DataFrame(out, columns=cols)
