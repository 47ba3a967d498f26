"""Placement costs by month (commitments ahead, actual cost behind) and month-end placement series.

Day rule: a placement is paid for every day from its start date to its end date, both inclusive. The
commitment of a placement open at ``as_at`` runs from ``as_at + 1`` (as_at itself is already in the actuals)
to the earliest of its end date, its planned end date if that is after ``as_at``, and ``until``, inclusive. A
planned end date on or before ``as_at`` has passed with the placement still open: it is still costing
money, so it is committed to ``until`` (or its end date).

Rounding: for each placement and calendar month the cost is ``weekly_cost_p × days / 7`` computed in
integers and rounded half up to the penny once, i.e. ``(2 × weekly_cost_p × days + 7) // 14``. Line and
month totals are sums of those rounded placement-months, so every total can be checked by hand.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


def cost_pence(weekly_p: np.ndarray | int, days: np.ndarray | int) -> np.ndarray:
    """weekly pence × days / 7, rounded half up to the penny, elementwise in int64."""
    w = np.asarray(weekly_p, dtype=np.int64)
    d = np.asarray(days, dtype=np.int64)
    return (2 * w * d + 7) // 14


def month_starts(first: date, last: date) -> list[pd.Timestamp]:
    """First days of the calendar months from ``first``'s month to ``last``'s month."""
    return list(pd.date_range(pd.Timestamp(first).to_period("M").start_time, pd.Timestamp(last), freq="MS"))


def _days(as_dates: pd.Series) -> np.ndarray:
    return as_dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def costs_by_month(
    lines: np.ndarray, first: np.ndarray, last: np.ndarray, weekly_p: np.ndarray, months: list[pd.Timestamp]
) -> pd.DataFrame:
    """Days, pence and average numbers per line per month of spans ``first``..``last`` (inclusive, day
    precision) at ``weekly_p``. Every line in ``lines`` gets a row for every month (zeros included)."""
    out = []
    uniq = sorted(set(lines.tolist()))
    codes = np.searchsorted(np.array(uniq, dtype=object), lines) if len(lines) else np.zeros(0, dtype=int)
    for m in months:
        lo = np.datetime64(m.date(), "D")
        hi = np.datetime64((m + pd.offsets.MonthEnd(0)).date(), "D")
        d = (np.minimum(last, hi) - np.maximum(first, lo)).astype("timedelta64[D]").astype(np.int64) + 1
        d = np.where(np.isnat(last) | np.isnat(first), 0, np.clip(d, 0, None)).astype(np.int64)
        days = np.bincount(codes, weights=d, minlength=len(uniq)).astype(np.int64)
        cost = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(cost, codes, cost_pence(weekly_p, d))
        dim = m.days_in_month
        for k, line in enumerate(uniq):
            out.append((line, m, int(days[k]), int(cost[k]), days[k] / dim))
    return pd.DataFrame(out, columns=["line", "month", "days", "cost_p", "numbers"]).astype(
        {"days": "int64", "cost_p": "int64", "numbers": "float64"}
    )


def commitments_by_month(placements: pd.DataFrame, as_at: date, until: date) -> pd.DataFrame:
    """Cost committed by placements open at ``as_at``, per line per month from as_at + 1 to ``until``: each
    to its end date, else its planned end date if after as_at, else ``until`` (a planned end already
    passed is ignored: the placement is open, so still paid for).

    Columns ``line, month`` (first of month), ``days``, ``cost_p`` (int pence), ``numbers`` (average open
    placements in the month: days / days in the calendar month). Rounding: see the module docstring.
    """
    at = np.datetime64(as_at, "D")
    start = _days(placements["start_date"])
    end = _days(placements["end_date"])
    planned = _days(placements["planned_end_date"])
    is_open = (start <= at) & (np.isnat(end) | (end > at))
    stop = np.datetime64(until, "D")
    last = np.full(len(placements), stop)
    last = np.where(~np.isnat(end) & (end < last), end, last)
    last = np.where(~np.isnat(planned) & (planned > at) & (planned < last), planned, last)
    first = np.full(len(placements), at + DAY)
    first = np.where(is_open, first, np.datetime64("NaT"))
    months = month_starts(as_at + pd.Timedelta(days=1), until) if until > as_at else []
    return costs_by_month(
        placements["line"].to_numpy(dtype=object),
        first.astype("datetime64[D]"),
        last.astype("datetime64[D]"),
        placements["weekly_cost_p"].to_numpy(dtype=np.int64),
        months,
    )


def actual_cost_by_month(placements: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Cost of every placement by its real start and end dates (open ones run to ``end``), per line per
    month from ``start`` to ``end`` inclusive; same columns and rounding as ``commitments_by_month``."""
    lo = np.datetime64(start, "D")
    hi = np.datetime64(end, "D")
    first = np.maximum(_days(placements["start_date"]), lo)
    ends = _days(placements["end_date"])
    last = np.where(np.isnat(ends), hi, np.minimum(ends, hi))
    return costs_by_month(
        placements["line"].to_numpy(dtype=object),
        first,
        last.astype("datetime64[D]"),
        placements["weekly_cost_p"].to_numpy(dtype=np.int64),
        month_starts(start, end),
    )


def placement_series(placements: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Long series frame (``unique_id``, ``ds`` month end, ``y``) per line: ``LINE|numbers`` (placements
    open at the month end: started on or before it and not ended on or before it), ``LINE|starts`` and
    ``LINE|ends`` (in the month), ``LINE|avg_weekly_cost`` (mean weekly cost in pounds of those open at the
    month end; months with none open are left out)."""
    s = _days(placements["start_date"])
    e = _days(placements["end_date"])
    weekly = placements["weekly_cost_p"].to_numpy(dtype=np.int64)
    lines = placements["line"].to_numpy(dtype=object)
    rows: list[tuple[str, pd.Timestamp, float]] = []
    for m in month_starts(start, end):
        lo = np.datetime64(m.date(), "D")
        me = m + pd.offsets.MonthEnd(0)
        hi = np.datetime64(me.date(), "D")
        open_ = (s <= hi) & (np.isnat(e) | (e > hi))
        started = (s >= lo) & (s <= hi)
        ended = ~np.isnat(e) & (e >= lo) & (e <= hi)
        for line in sorted(set(lines.tolist())):
            on = lines == line
            n_open = int((open_ & on).sum())
            rows.append((f"{line}|numbers", me, float(n_open)))
            rows.append((f"{line}|starts", me, float((started & on).sum())))
            rows.append((f"{line}|ends", me, float((ended & on).sum())))
            if n_open:
                rows.append((f"{line}|avg_weekly_cost", me, float(weekly[open_ & on].mean()) / 100))
    out = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
