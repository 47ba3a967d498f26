"""Periods of care and line spells: the units the placement model's rates are counted on.

A child's placements, in start order, belong to one **period of care** while each starts within
``gap_days`` of the previous one's end (or before it ended); a longer gap starts a new period: the child
came into care again. Inside a period, consecutive placements on the same line form one **line spell**
(a new placement on the same line is a move, not a new child); a spell ends by

- ``move``: the next placement of the period is on another line (a step-down or step-up),
- ``exit``: the period of care ended (the child left care),
- ``aged_out``: the period ended at the 18th birthday (within ``AGE_OUT_DAYS`` before it, or later),
- ``open``: still open at the as-at date.

Entries are spells that start a period of care, so entries count children coming into care. child_ref
links placements and never leaves this module's frames (which are internal to the model).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

GAP_DAYS = 7
AGE_OUT_DAYS = 14
BANDS = (0, 5, 10, 16)
BAND_LABELS = ("0-4", "5-9", "10-15", "16-17")


def eighteenth_birthdays(dob: pd.Series) -> pd.Series:
    """18th birthday of each date of birth (29 February born: 28 February); NaT stays NaT."""
    out = pd.Series(pd.NaT, index=dob.index, dtype="datetime64[ns]")
    known = dob.notna()
    if known.any():
        out[known] = (dob[known] + pd.DateOffset(years=18)).astype("datetime64[ns]")
    return out


def age_band(age_days: np.ndarray) -> np.ndarray:
    """Age band index (0 = under 5, 1 = 5–9, 2 = 10–15, 3 = 16–17) of ages in days; −1 when unknown."""
    years = np.asarray(age_days, dtype=float) / 365.25
    band = np.searchsorted(np.array(BANDS[1:], dtype=float), years, side="right")
    return np.where(np.isfinite(years), band, -1)


def line_spells(placements: pd.DataFrame, as_at: date, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """The spells of ``spelled`` (see there)."""
    return spelled(placements, as_at, gap_days)[0]


def spelled(
    placements: pd.DataFrame, as_at: date, gap_days: int = GAP_DAYS
) -> tuple[pd.DataFrame, pd.Series]:
    """One row per line spell as known at ``as_at`` (later starts unknown, later ends still open):
    ``line, start, end`` (NaT when open), ``how`` (move / exit / aged_out / open), ``to_line`` (for
    moves), ``entry`` (True when the spell starts a period of care), ``period_start`` (the day its period of
    care began), ``age_days`` then (the age on coming into care; NaN when no date of birth), ``birthday18`` (NaT when unknown), ``weekly_cost_p`` and ``planned_end`` of its
    last placement; and the spell (row of that frame) of each placement started by as_at (a Series
    aligned with ``placements``' index)."""
    at = pd.Timestamp(as_at)
    view = placements[placements["start_date"] <= at]
    dob = (
        view["date_of_birth"]
        if "date_of_birth" in view.columns
        else pd.Series(pd.NaT, index=view.index, dtype="datetime64[ns]")
    )
    df = pd.DataFrame(
        {
            "child": view["child_ref"].to_numpy(),
            "line": view["line"].to_numpy(),
            "start": view["start_date"].to_numpy(),
            "end": view["end_date"].where(view["end_date"] <= at).to_numpy(),
            "weekly_cost_p": view["weekly_cost_p"].to_numpy(dtype=np.int64),
            "planned_end": view["planned_end_date"].to_numpy(),
            "dob": pd.to_datetime(dob).astype("datetime64[ns]").to_numpy(),
        },
        index=view.index,
    ).sort_values(["child", "start"], kind="stable")
    prev_end = df.groupby("child", sort=False)["end"].shift()
    first = df["child"] != df["child"].shift()
    gap = (df["start"] - prev_end).dt.days
    # a placement starting while the previous is still open (or within gap_days of its end) continues it
    new_period = first | (gap > gap_days)
    new_spell = new_period | (df["line"] != df["line"].shift())
    df["period"] = new_period.cumsum()
    df["new_period"] = new_period
    df["spell"] = new_spell.cumsum() - 1
    head = df.drop_duplicates("spell", keep="first").set_index("spell")
    tail = df.drop_duplicates("spell", keep="last").set_index("spell")
    out = pd.DataFrame(
        {
            "period": head["period"],
            "line": head["line"],
            "start": head["start"],
            "end": tail["end"],
            "entry": head["new_period"],
            "weekly_cost_p": tail["weekly_cost_p"],
            "planned_end": tail["planned_end"],
            "dob": head["dob"],
        }
    ).reset_index(drop=True)
    out["entry"] = out["entry"].astype(bool)
    nxt_same_period = out["period"].shift(-1) == out["period"]
    out["to_line"] = out["line"].shift(-1).where(nxt_same_period)
    b18 = eighteenth_birthdays(out["dob"])
    out["birthday18"] = b18
    aged = out["end"].notna() & b18.notna() & (out["end"] >= b18 - pd.Timedelta(days=AGE_OUT_DAYS))
    out["how"] = np.select(
        [out["end"].isna(), nxt_same_period.to_numpy(), aged.to_numpy()],
        ["open", "move", "aged_out"],
        "exit",
    )
    out["period_start"] = out.groupby("period")["start"].transform("min")
    out["age_days"] = (out["period_start"] - out["dob"]).dt.days.astype(float)
    cols = ["line", "start", "end", "how", "to_line", "entry", "period_start", "age_days", "birthday18"]
    return out[cols + ["weekly_cost_p", "planned_end"]], df["spell"]


def entries_by_month(spells: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Children coming into care per calendar month (spells that start a period of care), ``start``..``end``."""
    on = spells["entry"] & (spells["start"] >= pd.Timestamp(start)) & (spells["start"] <= pd.Timestamp(end))
    months = pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M")
    counts = spells.loc[on, "start"].dt.to_period("M").value_counts()
    return counts.reindex(months, fill_value=0).astype("int64")
