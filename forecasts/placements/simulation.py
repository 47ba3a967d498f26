"""Stock-and-flow simulation of the placement model: per draw, the cohort open at as_at ends at a duration
drawn from its line's conditional survival (capped by a recorded or planned end after as_at, and by the
18th birthday); children come into care per line per month around the reference period's rate (with its
uncertainty); moves between lines happen at the reference period's rates (the moved spell ends, a new
one starts next day on the other line); scenario mix moves are applied last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from forecasts.placements.careperiods import BAND_LABELS, age_band
from forecasts.placements.commitments import month_starts
from forecasts.placements.rates import DEFAULT_REFERENCE, YEAR18_DAYS, LineRates, line_rates
from forecasts.placements.scenarios import Scenario, cost_factors_ppm, monthly_moves
from forecasts.placements.transitions import DAYS_PER_MONTH

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
    scale: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Total spell durations (days) from each row's component and the curve of its line and age band on
    coming into care, given the spell has lasted ``t0`` days."""
    # a leaving hazard ``scale`` times the curve's: S(t)^scale, so P(T > t | T > t0) = u gives
    # S(t) = u^(1 / scale) · S(t0)
    u = rng.random(len(line)) ** (1 / scale)
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
    exit_scale: np.ndarray,
    rng: np.random.Generator,
) -> _Rows:
    """Rows for spells that started on day ``s`` in periods of care begun on day ``p0``: each ends at the
    first of leaving care (drawn from the curve of its line and age band on coming into care, given the
    days the spell has lasted by as_at), the 18th birthday, the planned end ``cap`` and a move to another line
    (exponential at the line's move rate); open beyond the horizon otherwise."""
    t0 = np.maximum(s, 0) - s
    age = np.where(np.isnan(born), np.nan, p0 - born)
    # the leaving hazard of the draw in the year ahead the spell starts in (the cohort: the first year's)
    year = np.minimum(np.maximum(s, 0) // 365.25, exit_scale.shape[1] - 1).astype(np.int64)
    leave = np.maximum(
        s + _durations(rates, comp, line, age, t0, exit_scale[draw, year], rng), np.maximum(s, 1)
    )
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


def _moved(
    rates: LineRates, rows: _Rows, first: int, horizon: int, exit_scale: np.ndarray, rng: np.random.Generator
) -> None:
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
                exit_scale,
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
    exit_scale: np.ndarray,
    rng: np.random.Generator,
) -> None:
    index = {name: k for k, name in enumerate(rates.lines)}
    for mm in scenario.mix_moves:
        src, dst = index[mm.from_line], index[mm.to_line]
        for (lo, _), n in zip(windows, monthly_moves(mm, months), strict=True):
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
                    exit_scale,
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
    # each draw's leaving-care hazard is the curves' times a gamma multiplier (mean 1) for the rate's
    # uncertainty, as the entry rate's below, per year ahead (draws × years; a spell keeps the multiplier
    # of the year it starts in)
    exit_scale = np.ones((draws, horizon // 365 + 1))
    if rates.exit_cv > 0:
        k_exit = 1 / rates.exit_cv**2
        exit_scale = exit_scale * rng.gamma(k_exit, 1 / k_exit, size=(draws, 1))
        if rates.exit_spread > 0 and exit_scale.shape[1] > 1:
            # as the entry rate's: a spread beyond chance compounds with each further year ahead
            ks = 1 / rates.exit_spread
            steps = np.cumprod(rng.gamma(ks, 1 / ks, size=exit_scale.shape), axis=1)
            exit_scale = exit_scale * steps / steps[:, :1]
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
        exit_scale,
        rng,
    )

    # Children coming into care: Poisson per draw, line and month around the draw's component rate times a
    # gamma multiplier for the rate's uncertainty (the estimate's error and a year's spread beyond chance),
    # again for each further year ahead; start day uniform in the month.
    if months:
        lam = np.stack([r.entries for _, r in rates.components])[draw_comp]  # draws × lines
        for name, value in (starts_per_month or {}).items():
            lam[:, rates.lines.index(name)] = value
        for name, change in scenario.demand_change.items():
            lam[:, rates.lines.index(name)] *= 1 + change
        ahead = np.array([(m.year - at.year) * 12 + m.month - at.month - 1 for m in months])
        year_ahead = np.maximum(ahead, 0) // 12  # whole years after as_at's month
        level = np.ones((draws, len(months)))
        if rates.entry_cv > 0 and not starts_per_month:
            k = 1 / rates.entry_cv**2
            level = level * rng.gamma(k, 1 / k, size=(draws, 1))
            if rates.entry_spread > 0:
                # a rate that moves from year to year beyond chance keeps moving: each further year ahead
                # multiplies it again by the spread beyond chance (a random walk in the log rate)
                ks = 1 / rates.entry_spread
                steps = np.cumprod(rng.gamma(ks, 1 / ks, size=(draws, int(year_ahead.max()) + 1)), axis=1)
                steps = steps / steps[:, :1]  # the first year's spread is in the multiplier above
                level = level * steps[:, year_ahead]
        counts = rng.poisson(lam[:, :, None] * level[:, None, :])
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
                exit_scale,
                rng,
            )
        )
    _moved(rates, rows, 0, horizon, exit_scale, rng)
    _apply_mix_moves(rates, rows, scenario, windows, months, horizon, exit_scale, rng)
    factors = cost_factors_ppm(rates.lines, months, as_at, uplift or {}, uplift_month, scenario)
    return Simulation(rates, rows, months, windows, factors, draws, horizon)
