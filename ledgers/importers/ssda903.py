"""SSDA903 episodes and header → placements frame (the code tables are in ``placement_codes``).

Layouts read (see ../shared/data/synthetic_ssda903): per-year files ``2017-episodes.csv`` … in one
folder, or one ``episodes.csv`` (optionally with ``LA`` and ``YEAR`` columns, stacked by authority and
year). Dates ``dd/mm/yyyy`` or ISO. An episode repeated in a later year's file (same child and DECOM) is
kept once, from the latest file (it holds the end date once known). A return lists every child in care at
any time in its collection year, so an episode still open at the end of one return whose child has no row
in the next return held is inconsistent (the child left care unrecorded, or the next return is incomplete):
it is kept as read, open, with a warning counting such episodes per return (never the child). A child with
a blank DOB in the header (and none in another return's) is kept, with a warning counting such children per
header file: the model cannot age them out at 18; a DOB that is not a date is refused.
A return's collection year ends on the first 31 March on or after the earliest end date it holds (the
return for the year to 31 March Y holds episodes open on or after 1 April Y−1), whatever its file is
called. Consecutive episodes of a child
(one's DEC = the next's DECOM) at the same PLACE, PLACE_PROVIDER and URN are one placement: a new episode
for a change of legal status is not a new placement. Lines come from a code table (place, provider with
``*`` wildcards, line) and weekly costs from a unit-cost table (line, weekly_cost in pounds).
child_ref = the CHILD id (prefixed with the LA when the file has one); it is never printed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from ledgers.importers.placement_codes import (
    code_table,
    episode_lines,
    input_problem,
    shown_code,
    unit_cost_table,
    unknown_codes,
)
from ledgers.readers.columns import TEXT, Col, Spec
from ledgers.readers.problems import ERROR, NOT_SHOWN, WARNING, ImportFailed, Problem
from ledgers.readers.tables import load_text
from ledgers.store.placements import check_placements, placements_frame

REQUIRED = ["CHILD", "DECOM", "PLACE", "PLACE_PROVIDER", "DEC"]
_YEARLY = re.compile(r"^(\d{4})-episodes\.csv$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_UK = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")

EPISODES = Spec(
    "SSDA903 episodes",
    (
        Col("CHILD", TEXT, True),
        Col("DECOM", TEXT, True),
        Col("PLACE", TEXT, True),
        Col("PLACE_PROVIDER", TEXT, True),
        Col("DEC", TEXT, True),
        Col("URN", TEXT),
        Col("LA", TEXT),
        Col("YEAR", TEXT),
    ),
    extra_text=False,
    personal=True,
)
HEADER = Spec(
    "SSDA903 header",
    (Col("CHILD", TEXT, True), Col("DOB", TEXT, True), Col("SEX", TEXT), Col("LA", TEXT), Col("YEAR", TEXT)),
    extra_text=False,
    personal=True,
)


def episode_files(folder: Path) -> list[tuple[Path, int]]:
    """(file, collection year) of the episodes files in a folder: yearly files, else ``episodes.csv``."""
    yearly = sorted((p, int(m.group(1))) for p in folder.iterdir() if (m := _YEARLY.match(p.name)))
    if yearly:
        return yearly
    single = [p for p in folder.iterdir() if p.name.lower() == "episodes.csv"]
    return [(single[0], 0)] if single else []


def header_file(episodes: Path) -> Path:
    """The header file beside an episodes file: ``2018-header.csv`` for ``2018-episodes.csv``."""
    name = re.sub("episodes", "header", episodes.name, flags=re.IGNORECASE)
    found = [p for p in episodes.parent.iterdir() if p.name.lower() == name.lower()]
    return found[0] if found else episodes.with_name(name)


def dates_of_birth(heads: pd.DataFrame) -> pd.Series:
    """Date of birth by child key from the header rows of ``header_table`` (a later year's DOB wins). Used to end
    care at the 18th birthday; never written to any output."""
    if heads.empty:
        return pd.Series(dtype="datetime64[ns]")
    dob = heads.dropna(subset=["DOB"]).sort_values("_year", kind="stable")
    return dob.drop_duplicates("_child", keep="last").set_index("_child")["DOB"]


def parse_dates(values: pd.Series) -> pd.Series:
    """``dd/mm/yyyy`` or ISO ``yyyy-mm-dd`` text to datetime64 (NaT for blanks and unreadable text)."""
    text = values.fillna("").astype(str).str.strip()
    iso = pd.to_datetime(
        text.where(text.str.match(_ISO)).str.slice(0, 10), format="%Y-%m-%d", errors="coerce"
    )
    uk = pd.to_datetime(text.where(text.str.match(_UK)), format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk).astype("datetime64[ns]")


def _text_table(con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, name: str) -> pd.DataFrame:
    """A CSV/XLSX file as text columns named as in ``spec``, with spreadsheet rows in ``_row``."""
    raw = load_text(con, path, spec, name)
    cols = ", ".join(
        f'COALESCE("{c.name}", \'\') AS "{c.name}"' if c.name in raw.present else f"'' AS \"{c.name}\""
        for c in spec.columns
    )
    df = con.execute(
        f"SELECT {raw.row_expr} AS _row, {cols} FROM {raw.name} WHERE NOT ({raw.blank}) ORDER BY _row"
    ).df()
    con.execute(f"DROP TABLE IF EXISTS {raw.name}")
    df.attrs["present"] = raw.present
    return df


def _read_episodes(
    con: duckdb.DuckDBPyConnection, folder: Path, la: str | None, problems: list[Problem]
) -> tuple[pd.DataFrame, set[str]]:
    frames = []
    children: set[str] = set()
    for path, year in episode_files(folder):
        head = header_file(path)
        if not head.is_file():
            problems.append(
                Problem(
                    head.name,
                    None,
                    None,
                    f"is missing from {folder.name}: each SSDA903 episodes file ({path.name}) needs the header "
                    "file of the same return beside it (CHILD, SEX, DOB, ...)",
                )
            )
        try:
            df = _text_table(con, path, EPISODES, "raw_903_episodes")
        except ImportFailed as exc:
            problems.extend(exc.problems)
            continue
        df.columns = [c.upper() if c != "_row" else c for c in df.columns]
        children |= set(df["CHILD"].str.strip())
        df["_file"] = path.name
        years = pd.to_numeric(df["YEAR"], errors="coerce") if "YEAR" in df.attrs["present"] else None
        df["_year"] = years.fillna(year) if years is not None else year
        if "LA" in df.attrs["present"]:
            if la is not None:
                counts = Counter(df["LA"].str.strip())
                df = df[df["LA"].str.strip().str.lower() == la.strip().lower()]
                if df.empty:
                    named = sorted(v for v, n in counts.items() if n >= 5 and v and v not in children)
                    rest = len(counts) - len(named)
                    listed = ", ".join(named)
                    if rest:
                        listed += (
                            f"{'; ' if named else ''}{rest} value(s) on fewer than 5 rows each {NOT_SHOWN}"
                        )
                    problems.append(
                        Problem(path.name, None, "LA", f"no episodes for LA '{la}' (the file has: {listed})")
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
        return pd.DataFrame(), children
    eps = pd.concat(frames, ignore_index=True)
    eps["_start"] = parse_dates(eps["DECOM"])
    eps["_end"] = parse_dates(eps["DEC"])
    bad = pd.Series(False, index=eps.index)
    for col in ("CHILD", "DECOM", "PLACE"):
        blank = eps[col].str.strip() == ""
        for file, row in eps.loc[blank, ["_file", "_row"]].itertuples(index=False):
            problems.append(Problem(str(file), int(row), col, "is empty but required"))
        bad |= blank
    for col, parsed in (("DECOM", "_start"), ("DEC", "_end")):
        unreadable = eps[parsed].isna() & (eps[col].str.strip() != "")
        for file, row in eps.loc[unreadable, ["_file", "_row"]].itertuples(index=False):
            problems.append(
                Problem(
                    str(file), int(row), col, f"is not a date (write dd/mm/yyyy or yyyy-mm-dd) {NOT_SHOWN}"
                )
            )
        bad |= unreadable
    eps = eps[~bad]
    return eps, children


def header_table(folder: Path, la: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """The SSDA903 header rows of a folder (``_child`` keyed as the placements' child_ref, ``DOB`` datetime64,
    ``SEX``, ``_year``, ``_file``, ``_row``) and the problems found. Holds personal data: never print it."""
    problems: list[Problem] = []
    frames = []
    con = duckdb.connect()
    try:
        for path, year in episode_files(Path(folder)) if Path(folder).is_dir() else []:
            head = header_file(path)
            if not head.is_file():
                continue  # read_903 names the missing file
            try:
                df = _text_table(con, head, HEADER, "raw_903_header")
            except ImportFailed as exc:
                problems.extend(exc.problems)
                continue
            df.columns = [c.upper() if c != "_row" else c for c in df.columns]
            if "LA" in df.attrs["present"]:
                if la is not None:
                    df = df[df["LA"].str.strip().str.lower() == la.strip().lower()]
                df["_child"] = df["LA"].str.strip() + ":" + df["CHILD"].str.strip()
            else:
                df["_child"] = df["CHILD"].str.strip()
            years = pd.to_numeric(df["YEAR"], errors="coerce") if "YEAR" in df.attrs["present"] else None
            df["_year"] = years.fillna(year) if years is not None else year
            df["_file"] = head.name
            dob = parse_dates(df["DOB"])
            bad = dob.isna() & (df["DOB"].str.strip() != "")
            for row in df.loc[bad, "_row"]:
                problems.append(
                    Problem(
                        head.name,
                        int(row),
                        "DOB",
                        f"is not a date (write dd/mm/yyyy or yyyy-mm-dd) {NOT_SHOWN}",
                    )
                )
            df["DOB"] = dob
            frames.append(df[["_child", "DOB", "SEX", "_year", "_file", "_row"]])
    finally:
        con.close()
    if not frames:
        return pd.DataFrame(columns=["_child", "DOB", "SEX", "_year", "_file", "_row"]), problems
    return pd.concat(frames, ignore_index=True), problems


def _per_file_warnings(
    rows: pd.DataFrame, column: str, message: Callable[[pd.DataFrame, str], str]
) -> list[Problem]:
    """A warning per ``_file`` of ``rows``, at its first row, with ``message(group, first rows listed)``:
    counts and row numbers only, never the child."""
    out = []
    for file, group in rows.groupby("_file", sort=False):
        numbers = sorted(int(r) for r in group["_row"])
        first = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
        out.append(Problem(str(file), numbers[0], column, message(group, first), WARNING))
    return out


def _unheaded(eps: pd.DataFrame, heads: pd.DataFrame) -> list[Problem]:
    """A warning per episodes file whose children have no row in the header file of the return (the header
    holds each child's date of birth)."""
    return _per_file_warnings(
        eps[~eps["_child"].isin(set(heads["_child"]))],
        "CHILD",
        lambda g, first: (
            f"{len(g)} episode(s) of {g['_child'].nunique()} child(ren) have no row in the header "
            f"file (first rows: {first}): their dates of birth are unknown"
        ),
    )


def _undated(eps: pd.DataFrame, heads: pd.DataFrame) -> list[Problem]:
    """A warning per header file counting its placed children whose DOB is blank there and given in no other
    header file (the model cannot age them out at 18). An unreadable DOB is refused row by row in
    ``header_table``, as other bad dates."""
    dated = set(heads.loc[heads["DOB"].notna(), "_child"])
    undated = heads[
        heads["DOB"].isna() & heads["_child"].isin(set(eps["_child"])) & ~heads["_child"].isin(dated)
    ]
    return _per_file_warnings(
        undated,
        "DOB",
        lambda g, first: (
            f"{g['_child'].nunique()} child(ren) in {g['_file'].iloc[0]} have no date of birth "
            f"(DOB) (first rows: {first}): they are not aged out at 18"
        ),
    )


def collection_year_end(ends: pd.Series) -> pd.Timestamp | None:
    """The end of a return's collection year from its episodes' end dates (datetime64): the first 31 March
    on or after the earliest (None when no episode has ended)."""
    first = ends.min()
    if pd.isna(first):
        return None
    return pd.Timestamp(first.year + (first.month > 3), 3, 31)


def missing_from_next_return(eps: pd.DataFrame) -> list[Problem]:
    """A warning per return (``_file`` and ``_year`` of the episodes ``_child``, ``_start``, ``_end``) for
    its episodes open at its end whose child has no row in the next return held, which lists every child in
    care during its year: the child left care unrecorded or the next return is incomplete. The episodes are
    kept as read (open); the warning gives counts and the day they would have ended by, never the child."""
    ret = eps["_file"].astype(str) + "|" + eps["_year"].astype(str)
    ends = {key: collection_year_end(eps.loc[ret == key, "_end"]) for key in ret.unique()}
    order = sorted((e, k) for k, e in ends.items() if e is not None)
    if len(order) < 2:
        return []
    latest = eps.groupby(["_child", "_start"])["_year"].transform("max")
    children_of = {k: set(eps.loc[ret == k, "_child"]) for _, k in order}
    problems = []
    for (_, k0), (e1, k1) in zip(order, order[1:], strict=False):
        begun = e1 - pd.DateOffset(years=1)
        gone = (
            (ret == k0)
            & eps["_end"].isna()
            & (eps["_year"] == latest)
            & ~eps["_child"].isin(children_of[k1])
            & (eps["_start"] <= begun)
        )
        if gone.any():
            file, year = k0.split("|")
            where = file if _YEARLY.match(file) else f"{file} (YEAR {year})"
            problems.append(
                Problem(
                    where,
                    None,
                    "DEC",
                    f"{int(gone.sum())} episode(s) of {eps.loc[gone, '_child'].nunique()} child(ren) open at the "
                    f"end of this return have no row in the next return (the year to {e1:%d/%m/%Y}, which "
                    f"lists every child in care during it): kept open; they ended on {begun:%d/%m/%Y} at the latest",
                    WARNING,
                )
            )
    return problems


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
    codes: pd.DataFrame | Path | None = None,
    unit_costs: pd.DataFrame | Path | None = None,
    la: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Placements frame from an SSDA903 folder, and the problems found (errors mean: do not import).

    ``codes`` (place, provider, line) and ``unit_costs`` (line, weekly_cost in pounds), as a file or a frame,
    default to the shipped templates; ``la`` picks one authority from a stacked file (default: all). No message
    shows a cell that may hold a child reference.
    """
    problems: list[Problem] = []
    folder = Path(folder)
    bad = input_problem(folder, "SSDA903 folder")
    if bad:
        return placements_frame(), [bad]
    con = duckdb.connect()
    try:
        rules = code_table(codes, con, problems)
        weekly = unit_cost_table(unit_costs, con, problems)
        tables_ok = not any(p.severity == ERROR for p in problems)
        eps, children = _read_episodes(con, folder, la, problems)
        heads, header_problems = header_table(folder, la)
        problems.extend(header_problems)
    finally:
        con.close()
    if eps.empty or not tables_ok:  # without the code tables every placement would be reported again
        return placements_frame(), problems
    problems.extend(_unheaded(eps, heads))
    problems.extend(_undated(eps, heads))
    problems.extend(missing_from_next_return(eps))
    placed = join_episodes(eps)
    line, rule = episode_lines(placed, rules)
    placed["line"], placed["_rule"] = line.to_numpy(), rule.to_numpy()
    problems.extend(unknown_codes(placed, children))
    unmapped = placed.loc[placed["line"].isna(), ["_file", "_row", "PLACE", "PLACE_PROVIDER"]]
    for file, row, place, provider in unmapped.itertuples(index=False):
        a, b = shown_code(place, children), shown_code(provider, children)
        hidden = "" if a and b else f" {NOT_SHOWN}"
        problems.append(
            Problem(
                str(file),
                int(row),
                "PLACE",
                f"no line for PLACE {a or '(not shown)'} / PLACE_PROVIDER {b or '(not shown)'} in the codes "
                f"table; add a rule for it{hidden}",
            )
        )
    placed = placed[placed["line"].notna()]
    no_cost = ~placed["line"].isin(list(weekly))
    source = "unit_costs" if not isinstance(unit_costs, Path) else Path(unit_costs).name
    for name in sorted(set(placed.loc[no_cost, "line"])):
        problems.append(Problem(source, None, "line", f"no weekly cost for line '{name}'", ERROR))
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
            "date_of_birth": placed["_child"].map(dates_of_birth(heads)).to_numpy(),
        }
    )
    for file, rows in placed.groupby("_file").groups.items():
        part = frame.loc[rows].assign(row=placed.loc[rows, "_row"].to_numpy())
        problems.extend(check_placements(part.reset_index(drop=True), str(file)))
    return placements_frame(frame), problems
