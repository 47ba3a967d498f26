"""Kaplan–Meier survival of placement durations per line, and remaining duration of open placements.

Duration of a placement = end_date − start_date in days (a placement that starts and ends the same day
lasts 0 days). Ended placements are events, placements still open at the as-at date are censored at
their age then. A placements list (or SSDA903 return) holds only placements open on or after some date
(``complete_from``): older placements that had already ended are missing, so a placement that started
before that date enters the risk set at its age then (delayed entry, left truncation) — counting it from
age 0 would make durations look far longer than they are, as only the long ones survive into the list.
Beyond the last observed time the curve continues as an exponential tail with the
hazard of its last year (or, failing that, its average hazard), so a curve that never reaches 0 still
gives a finite expected remaining duration; with no events at all the hazard is 0 (placements never end
unless a planned end date stops them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

POOLED = "*"


@dataclass(frozen=True)
class SurvivalCurve:
    """Step function S(t) = P(duration > t): ``surv[i]`` holds on [times[i], times[i+1]); S = 1 before
    times[0]. Beyond times[-1], S decays as exp(−tail_hazard × (t − times[-1]))."""

    times: np.ndarray
    surv: np.ndarray
    tail_hazard: float
    events: int

    def survival(self, t: np.ndarray | float) -> np.ndarray:
        """S(t) at the given durations (days)."""
        t = np.asarray(t, dtype=float)
        if len(self.times) == 0:
            return np.exp(-self.tail_hazard * np.maximum(t, 0))
        idx = np.searchsorted(self.times, t, side="right") - 1
        s = np.where(idx >= 0, self.surv[np.clip(idx, 0, None)], 1.0)
        beyond = t > self.times[-1]
        tail = self.surv[-1] * np.exp(-self.tail_hazard * np.maximum(t - self.times[-1], 0))
        return np.where(beyond, tail, s)

    def durations_for(self, ages: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Total durations (days) of placements aged ``ages`` drawn by inverse conditional survival with
        uniforms ``u``: the first t ≥ age with S(t) ≤ u·S(age); ``inf`` when the tail hazard is 0."""
        ages = np.asarray(ages, dtype=float)
        target = np.asarray(u, dtype=float) * self.survival(ages)
        last_t = self.times[-1] if len(self.times) else 0.0
        last_s = self.surv[-1] if len(self.surv) else 1.0
        if len(self.times):
            idx = np.searchsorted(-self.surv, -target, side="left")
            inside = idx < len(self.times)
            t = np.where(inside, self.times[np.clip(idx, 0, len(self.times) - 1)], np.inf)
        else:
            inside = np.zeros(target.shape, dtype=bool)
            t = np.full(target.shape, np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail_t = last_t + np.log(last_s / np.maximum(target, 1e-300)) / self.tail_hazard
        t = np.where(inside, t, tail_t if self.tail_hazard > 0 else np.inf)
        return np.maximum(t, ages)

    def expected_remaining_days(self, age: float, cap: float | None = None) -> float:
        """E[min(T, cap) − age | T > age]: the integral of S from age to cap (or ∞) over S(age)."""
        s_age = float(self.survival(age))
        if s_age <= 0:
            return 0.0
        last_t = float(self.times[-1]) if len(self.times) else 0.0
        grid_end = max(last_t, age) if cap is None else min(max(last_t, age), cap)
        knots = np.unique(
            np.concatenate([[age, grid_end], self.times[(self.times > age) & (self.times < grid_end)]])
        )
        area = float(np.sum(self.survival(knots[:-1]) * np.diff(knots)))
        tail_from = max(last_t, age)
        if cap is None or cap > tail_from:
            s0 = float(self.survival(tail_from))
            if self.tail_hazard <= 0:
                if cap is None:
                    return float("inf") if s0 > 0 else area / s_age
                area += s0 * (cap - tail_from)
            else:
                span = np.inf if cap is None else cap - tail_from
                area += s0 * (1 - np.exp(-self.tail_hazard * span)) / self.tail_hazard
        return area / s_age


def kaplan_meier(
    durations: np.ndarray,
    events: np.ndarray,
    entries: np.ndarray | None = None,
    min_at_risk: int = 1,
) -> SurvivalCurve:
    """Kaplan–Meier estimate from durations (days) and event flags (True = ended, False = censored);
    ``entries`` (days, default 0) are the ages at which placements came under observation: a placement is
    at risk at t when entry < t ≤ duration (or 0 = entry = t). The steps stop after the last time
    ``min_at_risk`` or more remain at risk (there one ending among a handful would drop the curve by a large share,
    to 0 when the last one ends); beyond, the tail hazard is the endings per day at risk of everything
    observed past the last step kept (a constant hazard: the piecewise-exponential estimate)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    a = np.zeros(len(d)) if entries is None else np.minimum(np.asarray(entries, dtype=float), d)
    times = np.unique(d[e])
    if len(times) == 0:
        return SurvivalCurve(np.zeros(0), np.zeros(0), 0.0, 0)
    # at risk on (entry, duration], as lifelines and R's survival have it; from age 0 a placement is at risk
    # at 0 too (one that starts and ends on the same day is an ending at 0)
    entered = np.searchsorted(np.sort(np.where(a > 0, a, -1.0)), times, side="left")
    at_risk = entered - np.searchsorted(np.sort(d), times, side="left")
    deaths = np.bincount(np.searchsorted(times, d[e]), minlength=len(times))
    surv = np.cumprod(1.0 - deaths / np.maximum(at_risk, 1))
    enough = np.nonzero(at_risk >= min_at_risk)[0]
    k = int(enough[-1]) + 1 if len(enough) else 0  # the steps kept: up to the last with enough at risk
    if min_at_risk > 1 and k < len(times):
        t0 = float(times[k - 1]) if k else 0.0
        exposure = float(np.clip(d - np.maximum(a, t0), 0, None).sum())
        late = int((e & (d > t0)).sum())
        times, surv = times[:k], surv[:k]
        if late and exposure > 0:
            return SurvivalCurve(times, surv, late / exposure, int(e.sum()))
        if not k:
            return SurvivalCurve(times, surv, 0.0, int(e.sum()))
    return SurvivalCurve(times, surv, _tail_hazard(times, surv, float(d.max())), int(e.sum()))


def _tail_hazard(times: np.ndarray, surv: np.ndarray, t_max: float) -> float:
    """Hazard per day for the tail: over the curve's last 365 days, else its average over the curve."""
    last_t, last_s = float(times[-1]), float(surv[-1])
    if last_s <= 0:
        return 0.0
    before = float(np.interp(last_t - 365, times, surv, left=1.0))
    if last_t >= 365 and before > last_s:
        return float(np.log(before / last_s) / 365)
    return float(-np.log(last_s) / max(last_t, 1.0))


def durations_as_at(placements: pd.DataFrame, as_at: date) -> tuple[np.ndarray, np.ndarray]:
    """(durations in days, ended flags) of placements started by ``as_at``, as known then: an end date
    after ``as_at`` is not yet known, so that placement is censored at its age on ``as_at``."""
    at = pd.Timestamp(as_at)
    known = placements["start_date"] <= at
    start = placements.loc[known, "start_date"]
    end = placements.loc[known, "end_date"]
    ended = end.notna() & (end <= at)
    stop = end.where(ended, at)
    return ((stop - start).dt.days.to_numpy(dtype=float), ended.to_numpy())


def complete_from(placements: pd.DataFrame, as_at: date) -> pd.Timestamp:
    """First day from which the list, as known at ``as_at``, is taken to hold every placement open: the
    earliest end date on or before ``as_at`` (a list of placements open since some date holds no earlier
    endings), or the earliest start when nothing had ended."""
    at = pd.Timestamp(as_at)
    known = placements[placements["start_date"] <= at]
    ends = known["end_date"][known["end_date"] <= at]
    if len(ends):
        return pd.Timestamp(ends.min())
    return pd.Timestamp(known["start_date"].min()) if len(known) else at


def curves_by_line(
    placements: pd.DataFrame,
    as_at: date,
    censored: pd.Series | None = None,
    min_events: int = 5,
    since: pd.Timestamp | None = None,
) -> dict[str, SurvivalCurve]:
    """A KM curve per line from placements as known at ``as_at`` plus the pooled curve under ``"*"``;
    a line with fewer than ``min_events`` endings uses the pooled curve. ``censored`` (bool, aligned with
    placements) marks endings to treat as censoring (e.g. moves to another line, modelled separately).
    Placements started before ``since`` (default ``complete_from``) enter the risk set at their age then."""
    at = pd.Timestamp(as_at)
    known = (placements["start_date"] <= at).to_numpy()
    durations, ended = durations_as_at(placements, as_at)
    if censored is not None:
        ended = ended & ~censored.to_numpy(dtype=bool)[known]
    w0 = complete_from(placements, as_at) if since is None else since
    entries = (w0 - placements.loc[known, "start_date"]).dt.days.clip(lower=0).to_numpy(dtype=float)
    lines = placements["line"].to_numpy(dtype=object)[known]
    pooled = kaplan_meier(durations, ended, entries)
    curves = {POOLED: pooled}
    for line in sorted(set(placements["line"].tolist())):
        on = lines == line
        curve = kaplan_meier(durations[on], ended[on], entries[on])
        curves[line] = curve if curve.events >= min_events else pooled
    return curves
