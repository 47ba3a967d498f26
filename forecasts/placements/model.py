"""Placement-mix cost model read out: month-end numbers, flows, placement-days and cost by line and month
from the simulation's draws (``simulation``; rates in ``rates``, scenarios in ``scenarios``).

Each draw is costed exactly like the commitments (placement-days × weekly pence / 7 per placement-month,
rounded half up, times any uplift factor); the central cost is the mean over draws rounded half up to
the penny, the range is the 10th–90th percentile (80%).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from forecasts.placements.rates import DEFAULT_REFERENCE
from forecasts.placements.scenarios import PPM, Scenario
from forecasts.placements.simulation import (
    IN_ENTRY,
    IN_MIX,
    IN_MOVE,
    OUT_AGED,
    OUT_EXIT,
    OUT_MIX,
    OUT_MOVE,
    OUT_PLANNED,
    Simulation,
    simulate,
)
from ledgers.readers.periods import FinancialYear


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


def years_frame(sim: Simulation) -> pd.DataFrame:
    """All lines together per financial year, from the simulation's draws (see ``years_of_draws``)."""
    if not sim.months:
        return years_of_draws([], np.zeros((sim.draws, 0), dtype=np.int64), np.zeros((sim.draws, 0)))
    return years_of_draws(sim.months, _costs(sim)[1].sum(axis=1), month_end_stock(sim).sum(axis=1))


def years_of_draws(months: list[pd.Timestamp], cost: np.ndarray, stock: np.ndarray) -> pd.DataFrame:
    """Per financial year (April to March, or the part of it in ``months``) from per-draw figures ``cost``
    (integer pence) and ``stock`` (children at the month end), both shaped (draws, months): ``fy`` (label,
    2024/25), ``months`` (how many of its months), ``cost_p`` (the sum of the months' central costs, each the
    mean over draws rounded half up, so the year reconciles to its months), ``cost_low_p`` / ``cost_high_p``
    (the 80% range of the year's cost: each draw's cost added up over the year, then the 10th and 90th
    percentile over draws, rounded to the penny) and ``month_end, month_end_low, month_end_high`` (children
    at the year's last month end, with its 80% range)."""
    cols = ["fy", "months", "cost_p", "cost_low_p", "cost_high_p", "month_end", "month_end_low"]
    cols += ["month_end_high"]
    if not months:
        return pd.DataFrame(columns=cols)
    draws = cost.shape[0]
    cost = cost.astype(np.int64)
    central = (2 * cost.sum(axis=0) + draws) // (2 * draws)  # as totals_frame, month by month
    years = [FinancialYear.of(m) for m in months]
    out = []
    for fy in sorted(set(years)):
        idx = [j for j, y in enumerate(years) if y == fy]
        per_draw = cost[:, idx].sum(axis=1)
        me = stock[:, idx[-1]]
        out.append(
            (
                fy.label, len(idx), int(central[idx].sum()),
                int(np.rint(np.quantile(per_draw, 0.1))), int(np.rint(np.quantile(per_draw, 0.9))),
                float(me.mean()), float(np.quantile(me, 0.1)), float(np.quantile(me, 0.9)),
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
