"""The placements frame (stage boundary): schema and checks of doubtful rows.

One row per placement: ``placement_id`` str, ``child_ref`` str, ``line`` str, ``start_date`` /
``end_date`` / ``planned_end_date`` (datetime64[ns], NaT when open or absent), ``weekly_cost_p`` int64
pence, ``provider`` and ``placement_type`` (str or None). child_ref is never logged, printed or written
to a workbook: problems name the row only (after a shift any cell may hold a child reference).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa
from ledgers.readers.problems import ERROR, WARNING, Problem

COLUMNS = [
    "placement_id",
    "child_ref",
    "line",
    "start_date",
    "end_date",
    "planned_end_date",
    "weekly_cost_p",
    "provider",
    "placement_type",
]


@functools.cache
def placements_schema() -> pa.DataFrameSchema:
    """The pandera schema of the placements frame (built on first use: pandera is slow to import)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "placement_id": pa.Column(str, nullable=False),
            "child_ref": pa.Column(str, nullable=False),
            "line": pa.Column(str, nullable=False),
            "start_date": pa.Column("datetime64[ns]", nullable=False),
            "end_date": pa.Column("datetime64[ns]", nullable=True),
            "planned_end_date": pa.Column("datetime64[ns]", nullable=True),
            "weekly_cost_p": pa.Column("int64", nullable=False),
            "provider": pa.Column(str, nullable=True, required=False),
            "placement_type": pa.Column(str, nullable=True, required=False),
        },
        strict=False,
        coerce=True,
    )


def placements_frame(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """A placements frame with the boundary columns and dtypes (empty when ``rows`` is None), validated."""
    df = pd.DataFrame({c: [] for c in COLUMNS}) if rows is None else rows.copy()
    for col in ("end_date", "planned_end_date"):
        if col not in df.columns:
            df[col] = pd.NaT
    for col in ("provider", "placement_type"):
        if col not in df.columns:
            df[col] = None
    for col in ("start_date", "end_date", "planned_end_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    df["weekly_cost_p"] = df["weekly_cost_p"].astype("int64")
    for col in ("placement_id", "child_ref", "line"):
        df[col] = df[col].astype(str)
    for col in ("provider", "placement_type"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return placements_schema().validate(df[COLUMNS + [c for c in df.columns if c not in COLUMNS]])


def check_placements(df: pd.DataFrame, file: str) -> list[Problem]:
    """Doubtful rows of a placements frame: end before start (warning), weekly cost ≤ 0 and duplicate
    placement_id (errors). Rows are spreadsheet rows: a ``row`` column if present, else position + 2."""
    rows = df["row"].tolist() if "row" in df.columns else [i + 2 for i in range(len(df))]
    problems: list[Problem] = []
    starts = pd.to_datetime(df["start_date"])
    ends = pd.to_datetime(df["end_date"])
    for i in (ends < starts).to_numpy().nonzero()[0]:
        problems.append(
            Problem(
                file,
                int(rows[i]),
                "end_date",
                f"the placement ends ({ends.iloc[i]:%d/%m/%Y}) before it starts ({starts.iloc[i]:%d/%m/%Y})",
                WARNING,
            )
        )
    for i in (df["weekly_cost_p"].to_numpy() <= 0).nonzero()[0]:
        problems.append(
            Problem(
                file,
                int(rows[i]),
                "weekly_cost",
                "the placement's weekly cost is £0 or less; it should be more than £0",
                ERROR,
            )
        )
    ids = df["placement_id"].astype(str)
    first_row = dict(
        zip(
            ids[~ids.duplicated()],
            [rows[i] for i in (~ids.duplicated()).to_numpy().nonzero()[0]],
            strict=True,
        )
    )
    for i in ids.duplicated(keep="first").to_numpy().nonzero()[0]:
        problems.append(
            Problem(
                file,
                int(rows[i]),
                "placement_id",
                f"the placement_id is the same as on row {first_row[ids.iloc[i]]}; each placement needs its own",
                ERROR,
            )
        )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
