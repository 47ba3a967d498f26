"""SSDA903 episodes → placements frame.

Layouts read (see ../shared/data/synthetic_ssda903): per-year files ``2017-episodes.csv`` … in one
folder, or one ``episodes.csv`` (optionally with ``LA`` and ``YEAR`` columns, stacked by authority and
year). Dates ``dd/mm/yyyy`` or ISO. An episode repeated in a later year's file (same child and DECOM) is
kept once, from the latest file (it holds the end date once known). Consecutive episodes of a child
(one's DEC = the next's DECOM) at the same PLACE, PLACE_PROVIDER and URN are one placement: a new episode
for a change of legal status is not a new placement. Lines come from a code table (place, provider with
``*`` wildcards, line) and weekly costs from a unit-cost table (line, weekly_cost in pounds).
child_ref = the CHILD id (prefixed with the LA when the file has one); it is never printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ledgers.readers.money import pence_from_text
from ledgers.readers.problems import ERROR, Problem
from ledgers.readers.templates import template_path
from ledgers.store.placements import check_placements, placements_frame

REQUIRED = ["CHILD", "DECOM", "PLACE", "PLACE_PROVIDER", "DEC"]
_YEARLY = re.compile(r"^(\d{4})-episodes\.csv$", re.IGNORECASE)
_YEARLY_HEADER = re.compile(r"^(\d{4})-header\.csv$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_UK = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def episode_files(folder: Path) -> list[tuple[Path, int]]:
    """(file, collection year) of the episodes files in a folder: yearly files, else ``episodes.csv``."""
    yearly = sorted((p, int(m.group(1))) for p in folder.iterdir() if (m := _YEARLY.match(p.name)))
    if yearly:
        return yearly
    single = [p for p in folder.iterdir() if p.name.lower() == "episodes.csv"]
    return [(single[0], 0)] if single else []


def dates_of_birth(folder: Path, la: str | None) -> pd.Series:
    """Date of birth (DOB of the header table) by child key (``LA:CHILD`` when the file has an LA column),
    from ``header.csv`` or the yearly ``YYYY-header.csv`` files; a later year's DOB wins; empty when the
    folder has no header file. Used to end care at the 18th birthday; never written to any output."""
    yearly = sorted((p, int(m.group(1))) for p in folder.iterdir() if (m := _YEARLY_HEADER.match(p.name)))
    files = yearly or [(p, 0) for p in folder.iterdir() if p.name.lower() == "header.csv"]
    frames = []
    for path, year in files:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df.columns = [c.strip().upper() for c in df.columns]
        if "CHILD" not in df.columns or "DOB" not in df.columns:
            continue
        if "LA" in df.columns:
            if la is not None:
                df = df[df["LA"].str.strip().str.lower() == la.strip().lower()]
            key = df["LA"].str.strip() + ":" + df["CHILD"].str.strip()
        else:
            key = df["CHILD"].str.strip()
        y = pd.to_numeric(df["YEAR"], errors="coerce").fillna(year) if "YEAR" in df.columns else year
        frames.append(pd.DataFrame({"key": key, "year": y, "dob": parse_dates(df["DOB"])}))
    if not frames:
        return pd.Series(dtype="datetime64[ns]")
    dob = pd.concat(frames).dropna(subset=["dob"]).sort_values("year", kind="stable")
    return dob.drop_duplicates("key", keep="last").set_index("key")["dob"]


def parse_dates(values: pd.Series) -> pd.Series:
    """``dd/mm/yyyy`` or ISO ``yyyy-mm-dd`` text to datetime64 (NaT for blanks and unreadable text)."""
    text = values.fillna("").astype(str).str.strip()
    iso = pd.to_datetime(
        text.where(text.str.match(_ISO)).str.slice(0, 10), format="%Y-%m-%d", errors="coerce"
    )
    uk = pd.to_datetime(text.where(text.str.match(_UK)), format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk).astype("datetime64[ns]")


def _read_episodes(folder: Path, la: str | None, problems: list[Problem]) -> pd.DataFrame:
    frames = []
    for path, year in episode_files(folder):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df.columns = [c.strip().upper() for c in df.columns]
        missing = [c for c in REQUIRED if c not in df.columns]
        if missing:
            problems.append(Problem(path.name, 1, None, f"missing column(s) {', '.join(missing)}"))
            continue
        df["_file"], df["_row"] = path.name, range(2, len(df) + 2)
        df["_year"] = (
            pd.to_numeric(df["YEAR"], errors="coerce").fillna(year) if "YEAR" in df.columns else year
        )
        if "LA" in df.columns:
            if la is not None:
                known = sorted(set(df["LA"].dropna().str.strip()))
                df = df[df["LA"].str.strip().str.lower() == la.strip().lower()]
                if df.empty:
                    problems.append(
                        Problem(
                            path.name,
                            None,
                            "LA",
                            f"no episodes for LA '{la}' (the file has: {', '.join(known)})",
                        )
                    )
                    continue
            df["_child"] = df["LA"].str.strip() + ":" + df["CHILD"].str.strip()
        else:
            if la is not None:
                problems.append(
                    Problem(path.name, None, "LA", f"--la '{la}' given but the file has no LA column")
                )
                continue
            df["_child"] = df["CHILD"].str.strip()
        frames.append(df)
    if not frames:
        if not problems:
            problems.append(
                Problem(
                    str(folder), None, None, "no SSDA903 episodes file (episodes.csv or YYYY-episodes.csv)"
                )
            )
        return pd.DataFrame()
    eps = pd.concat(frames, ignore_index=True)
    if "URN" not in eps.columns:
        eps["URN"] = ""
    eps["_start"] = parse_dates(eps["DECOM"])
    eps["_end"] = parse_dates(eps["DEC"])
    for col, parsed in (("DECOM", "_start"), ("DEC", "_end")):
        bad = eps[parsed].isna() & (eps[col].str.strip() != "" if col == "DEC" else True)
        for file, row, text in eps.loc[bad, ["_file", "_row", col]].itertuples(index=False):
            problems.append(
                Problem(str(file), int(row), col, f"'{text}' is not a date (dd/mm/yyyy or yyyy-mm-dd)")
            )
        eps = eps[~bad]
    return eps


def _lines(eps: pd.DataFrame, codes: pd.DataFrame) -> pd.Series:
    """Line of each episode: exact (place, provider), then (place, *), (*, provider), (*, *)."""
    table = {
        (str(p).strip().upper(), str(v).strip().upper()): str(line).strip()
        for p, v, line in codes[["place", "provider", "line"]].itertuples(index=False)
    }
    place = eps["PLACE"].str.strip().str.upper()
    prov = eps["PLACE_PROVIDER"].str.strip().str.upper()
    out = pd.Series([None] * len(eps), index=eps.index, dtype=object)
    for key in ((place, prov), (place, "*"), ("*", prov), ("*", "*")):
        a = key[0] if isinstance(key[0], pd.Series) else pd.Series(key[0], index=eps.index)
        b = key[1] if isinstance(key[1], pd.Series) else pd.Series(key[1], index=eps.index)
        found = pd.Series([table.get(k) for k in zip(a, b, strict=True)], index=eps.index, dtype=object)
        out = out.where(out.notna(), found)
    return out


def join_episodes(eps: pd.DataFrame) -> pd.DataFrame:
    """One row per placement from deduplicated episodes (``_child``, ``_start``, ``_end``, PLACE,
    PLACE_PROVIDER, URN): consecutive episodes at the same place, provider and URN are joined."""
    eps = eps.sort_values(["_child", "_start", "_year"], kind="stable")
    eps = eps.drop_duplicates(["_child", "_start"], keep="last").reset_index(drop=True)
    key = eps["PLACE"].str.strip() + "|" + eps["PLACE_PROVIDER"].str.strip() + "|" + eps["URN"].str.strip()
    prev_child = eps["_child"].shift()
    new = (eps["_child"] != prev_child) | (key != key.shift()) | (eps["_start"] != eps["_end"].shift())
    group = new.cumsum()
    last = eps.groupby(group, sort=False)["_end"].apply(lambda s: s.iloc[-1])  # open stays open (NaT)
    out = eps.groupby(group, sort=False).agg(
        _child=("_child", "first"),
        start_date=("_start", "first"),
        PLACE=("PLACE", "first"),
        PLACE_PROVIDER=("PLACE_PROVIDER", "first"),
        episodes=("_start", "size"),
        _file=("_file", "first"),
        _row=("_row", "first"),
    )
    out.insert(2, "end_date", last.to_numpy())
    return out


def read_903(
    folder: Path,
    codes: pd.DataFrame | None = None,
    unit_costs: pd.DataFrame | None = None,
    la: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Placements frame from an SSDA903 folder, and the problems found (errors mean: do not import).

    ``codes`` (place, provider, line) and ``unit_costs`` (line, weekly_cost in pounds) default to the
    shipped templates; ``la`` picks one authority from a stacked file (default: all).
    """
    problems: list[Problem] = []
    codes = pd.read_csv(template_path("placement_codes.csv"), dtype=str) if codes is None else codes
    unit_costs = pd.read_csv(template_path("unit_costs.csv"), dtype=str) if unit_costs is None else unit_costs
    eps = _read_episodes(Path(folder), la, problems)
    if eps.empty:
        return placements_frame(), problems
    placed = join_episodes(eps)
    placed["line"] = _lines(placed, codes).to_numpy()
    weekly = {str(r.line).strip(): pence_from_text(str(r.weekly_cost)) for r in unit_costs.itertuples()}
    unmapped = placed.loc[placed["line"].isna(), ["_file", "_row", "PLACE", "PLACE_PROVIDER"]]
    for file, row, place, provider in unmapped.itertuples(index=False):
        problems.append(
            Problem(str(file), int(row), "PLACE", f"no line for PLACE {place} / PLACE_PROVIDER {provider}")
        )
    placed = placed[placed["line"].notna()]
    no_cost = ~placed["line"].isin(list(weekly))
    for line in sorted(set(placed.loc[no_cost, "line"])):
        problems.append(Problem("unit_costs", None, "line", f"no weekly cost for line '{line}'", ERROR))
    placed = placed[~no_cost].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "placement_id": [f"903-{i + 1:06d}" for i in range(len(placed))],
            "child_ref": placed["_child"].to_numpy(),
            "line": placed["line"].to_numpy(),
            "start_date": placed["start_date"].to_numpy(),
            "end_date": placed["end_date"].to_numpy(),
            "planned_end_date": pd.NaT,
            "weekly_cost_p": placed["line"].map(weekly).to_numpy(dtype="int64"),
            "provider": placed["PLACE_PROVIDER"].str.strip().to_numpy(),
            "placement_type": placed["PLACE"].str.strip().to_numpy(),
            "episodes": placed["episodes"].to_numpy(dtype="int64"),
            "date_of_birth": placed["_child"].map(dates_of_birth(Path(folder), la)).to_numpy(),
        }
    )
    for file, rows in placed.groupby("_file").groups.items():
        part = frame.loc[rows].assign(row=placed.loc[rows, "_row"].to_numpy())
        problems.extend(check_placements(part.reset_index(drop=True), str(file)))
    return placements_frame(frame), problems
