"""Series frames: statsforecast's long format (``unique_id``, ``ds`` period date, ``y``), checked and read."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

COLUMNS = ("unique_id", "ds", "y")
MIN_POINTS = 3
SEASON_LENGTH = {"M": 12, "Q": 4, "A": 1}
_MONTHS_APART = {1: "M", 3: "Q", 12: "A"}
_MONTHS_PER = {freq: months for months, freq in _MONTHS_APART.items()}
_UK_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
_YEAR = re.compile(r"^\d{4}$")


class SeriesError(ValueError):
    """A series frame or file that cannot be forecast; the message says what was received and how to fix it."""


def period_end(text: str) -> pd.Timestamp:
    """Period-end date of ``2019-12-31``, ``31/12/2019``, ``2019-12``, ``2019Q4`` or ``2019`` (a year)."""
    s = str(text).strip()
    q = _QUARTER.match(s)
    if q:
        return pd.Period(year=int(q.group(1)), quarter=int(q.group(2)), freq="Q").end_time.normalize()
    if _MONTH.match(s):
        return pd.Period(s, freq="M").end_time.normalize()
    if _YEAR.match(s):
        return pd.Timestamp(year=int(s), month=12, day=31)
    if _UK_DATE.match(s):
        return pd.Timestamp(pd.to_datetime(s, format="%d/%m/%Y"))
    return pd.Timestamp(pd.to_datetime(s, format="ISO8601")).normalize()


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def checked_series(df: pd.DataFrame) -> pd.DataFrame:
    """The frame sorted by (unique_id, ds) with ``unique_id`` str, ``ds`` Timestamp and ``y`` float.

    Raises SeriesError naming what was received and how to fix it (missing columns, duplicate
    (unique_id, ds), non-numeric or missing y, too few points).
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SeriesError(
            f"series frame is missing column(s) {missing}; received columns {list(df.columns)}. "
            "Provide a long frame with columns unique_id (series name), ds (period date) and y (value)."
        )
    out = df.loc[:, list(COLUMNS)].copy()
    out["unique_id"] = out["unique_id"].astype(str)
    if not pd.api.types.is_datetime64_any_dtype(out["ds"]):
        dates = []
        for i, v in enumerate(out["ds"]):
            try:
                dates.append(period_end(v))
            except (ValueError, TypeError):
                raise SeriesError(
                    f"row {i + 2}: column 'ds': '{v}' is not a date; "
                    "write dates like 2019-12-31, 31/12/2019, 2019-12, 2019Q4 or 2019."
                ) from None
        out["ds"] = dates
    out["ds"] = pd.to_datetime(out["ds"]).astype("datetime64[ns]")
    y = pd.to_numeric(out["y"], errors="coerce")
    bad = out.loc[y.isna(), "y"]
    if len(bad):
        raise SeriesError(
            f"column 'y' must be numeric with no blanks; received {len(bad)} bad value(s), e.g. "
            f"{bad.iloc[0]!r} for series '{out.loc[bad.index[0], 'unique_id']}'. Remove or fill those rows."
        )
    out["y"] = y.astype(float)
    dup = out.duplicated(["unique_id", "ds"], keep=False)
    if dup.any():
        first = out.loc[dup].iloc[0]
        raise SeriesError(
            f"{int(dup.sum())} rows repeat a (unique_id, ds) pair, e.g. ('{first['unique_id']}', "
            f"{first['ds'].date()}); each series needs one value per period. Sum or drop the duplicates."
        )
    counts = out.groupby("unique_id", sort=False).size()
    short = counts[counts < MIN_POINTS]
    if len(short):
        raise SeriesError(
            f"series '{short.index[0]}' has {int(short.iloc[0])} observation(s); at least {MIN_POINTS} "
            "are needed to forecast. Add history or leave the series out."
        )
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def infer_frequency(df: pd.DataFrame) -> str:
    """ "M", "Q" or "A" (month, quarter, year) from the spacing of ``ds``; every series must share it.

    Raises SeriesError when spacing is irregular (a gap or a mix of frequencies) or the frame is invalid.
    """
    frame = checked_series(df)
    if frame.empty:
        raise SeriesError("series frame has no rows; received an empty frame.")
    months = frame["ds"].dt.year * 12 + frame["ds"].dt.month
    same = frame["unique_id"].eq(frame["unique_id"].shift())
    gaps = (months - months.shift()).where(same).dropna().astype(int)
    per_series = gaps.groupby(frame.loc[gaps.index, "unique_id"], sort=False).agg(["min", "max"])
    found: str | None = None
    for uid, (lo, hi) in zip(per_series.index, per_series.to_numpy().tolist(), strict=True):
        if lo != hi or lo not in _MONTHS_APART:
            seen = sorted(set(gaps[frame.loc[gaps.index, "unique_id"] == uid]))
            raise SeriesError(
                f"series '{uid}' has irregular spacing in ds (gaps of {seen} months); expected "
                "every 1 (monthly), 3 (quarterly) or 12 (annual) months with no missing periods. "
                "Fill missing periods (e.g. with 0) or aggregate to a regular frequency."
            )
        freq = _MONTHS_APART[lo]
        if found is not None and freq != found:
            raise SeriesError(
                f"series '{uid}' is {freq} but an earlier series is {found}; forecast one frequency per call."
            )
        found = freq
    if found is None:
        raise SeriesError("series frame has no rows; received an empty frame.")
    return found


def future_periods(last: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` dates after ``last``, stepped 1..horizon whole periods in ``last``'s own convention.

    A month-end stays a month-end (2020-01-31 then 2020-02-29); any other day keeps its day of the month
    (2019-07-01 then 2019-08-01; an annual 2024-03-31 then 2025-03-31), clipped to shorter months.
    """
    start = pd.Timestamp(last).normalize()
    months = _MONTHS_PER[freq]
    if start.is_month_end:
        dates = [start + pd.offsets.MonthEnd(k * months) for k in range(1, horizon + 1)]
    else:
        dates = [start + pd.DateOffset(months=k * months) for k in range(1, horizon + 1)]
    return pd.DatetimeIndex(dates, dtype="datetime64[ns]")


def read_series_csv(path: str | Path) -> pd.DataFrame:
    """A checked long frame from a CSV with columns unique_id, ds, y (names matched case-insensitively)."""
    p = Path(path)
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="cp1252")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SeriesError(f"{p}: cannot read as CSV ({exc})") from exc
    raw.columns = [re.sub(r"[\s\-]+", "_", str(c).strip().lower()) for c in raw.columns]
    if "y" in raw.columns:
        cleaned = raw["y"].str.replace(",", "", regex=False).str.strip()
        raw["y"] = cleaned.where(cleaned != "", other=None)
    try:
        return checked_series(raw)
    except SeriesError as exc:
        text = str(exc)
        if m := re.match(r"row (\d+): ", text):  # file:row: column: message
            raise SeriesError(f"{p}:{m.group(1)}: {text[m.end() :]}") from None
        raise SeriesError(f"{p}: {text}") from None
