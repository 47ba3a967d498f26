"""Moves between lines (step-downs and step-ups) estimated from placement history.

A move A→B: a child's placement on line A ends and the same child starts a placement on line B ≠ A
within ``gap_days`` days of that end (start on or after the end date, at most gap_days later). The
monthly rate of A→B = moves / placement-months at risk on A in the window (days open on A / (365.25/12)).
child_ref is used only to link placements; it never appears in any output.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 365.25 / 12


def moves(placements: pd.DataFrame, gap_days: int = 7) -> pd.DataFrame:
    """One row per move: ``placement_id`` (the placement that ended), ``next_placement_id``,
    ``from_line``, ``to_line``, ``end_date`` (of the ended placement)."""
    cols = ["placement_id", "next_placement_id", "from_line", "to_line", "end_date"]
    df = placements[["placement_id", "child_ref", "line", "start_date", "end_date"]]
    df = df.sort_values(["child_ref", "start_date", "placement_id"], kind="stable")
    nxt = df.groupby("child_ref", sort=False).shift(-1)
    gap = (nxt["start_date"] - df["end_date"]).dt.days
    is_move = df["end_date"].notna() & gap.between(0, gap_days) & (nxt["line"] != df["line"])
    out = pd.DataFrame(
        {
            "placement_id": df["placement_id"],
            "next_placement_id": nxt["placement_id"],
            "from_line": df["line"],
            "to_line": nxt["line"],
            "end_date": df["end_date"],
        }
    )[is_move.to_numpy()]
    return out[cols].reset_index(drop=True)


def ended_by_move(placements: pd.DataFrame, gap_days: int = 7) -> pd.Series:
    """True for placements (aligned with ``placements``) whose end was a move to another line."""
    ids = set(moves(placements, gap_days)["placement_id"])
    return placements["placement_id"].isin(ids)


def started_by_move(placements: pd.DataFrame, gap_days: int = 7) -> pd.Series:
    """True for placements (aligned with ``placements``) that began as a move from another line."""
    ids = set(moves(placements, gap_days)["next_placement_id"])
    return placements["placement_id"].isin(ids)


def months_at_risk(placements: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Placement-months open per line between ``start`` and ``end`` (days from start to end date, the end
    day itself not at risk; open placements run to ``end``) / (365.25 / 12)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    s = placements["start_date"].where(placements["start_date"] > lo, lo)
    e = placements["end_date"].fillna(hi)
    e = e.where(e < hi, hi)
    days = (e - s).dt.days.clip(lower=0)
    return (days.groupby(placements["line"]).sum() / DAYS_PER_MONTH).rename("months_at_risk")


def transition_rates(placements: pd.DataFrame, start: date, end: date, gap_days: int = 7) -> pd.DataFrame:
    """Columns ``from_line, to_line, moves, months_at_risk, rate`` (moves per placement-month) for moves
    whose end date falls in ``start``..``end``; placements as known at ``end`` (later ends are not seen)."""
    hi = pd.Timestamp(end)
    known = placements[placements["start_date"] <= hi].copy()
    known.loc[known["end_date"] > hi, "end_date"] = pd.NaT
    mv = moves(known, gap_days)
    mv = mv[(mv["end_date"] >= pd.Timestamp(start)) & (mv["end_date"] <= hi)]
    counts = mv.groupby(["from_line", "to_line"]).size().rename("moves").reset_index()
    risk = months_at_risk(known, start, end)
    counts["months_at_risk"] = counts["from_line"].map(risk).astype(float)
    counts["rate"] = np.where(counts["months_at_risk"] > 0, counts["moves"] / counts["months_at_risk"], 0.0)
    return counts.astype({"moves": "int64"})
