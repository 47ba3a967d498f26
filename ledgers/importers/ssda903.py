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
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

from ledgers.readers.columns import MONEY, TEXT, Col, Spec
from ledgers.readers.money import money_text, pence_from_text
from ledgers.readers.parse import parse_table
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, NOT_SHOWN, WARNING, ImportFailed, Problem
from ledgers.readers.tables import load_text
from ledgers.readers.templates import template_path
from ledgers.store.placements import check_placements, placements_frame

REQUIRED = ["CHILD", "DECOM", "PLACE", "PLACE_PROVIDER", "DEC"]
_YEARLY = re.compile(r"^(\d{4})-episodes\.csv$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_UK = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_CODE = re.compile(r"^[A-Za-z0-9]{2,3}$")

# SSDA903 placement types (2014-15 on, with K3 from 2023-24) and providers: ../shared/data/placement_codes.md
PLACE_CODES = frozenset(
    [
        "A3",
        "A4",
        "A5",
        "A6",
        "H5",
        "K1",
        "K2",
        "K3",
        "P1",
        "P2",
        "P3",
        "R1",
        "R2",
        "R3",
        "R5",
        "S1",
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
        "Z1",
    ]
)
PROVIDER_CODES = frozenset(["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"])

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
CODES = Spec(
    "placement codes",
    (
        Col("place", TEXT, True, ("place_code", "placement_type")),
        Col("provider", TEXT, True, ("place_provider", "placement_provider", "provider_code")),
        Col("line", TEXT, True, ("budget_line", "care_ladder_line")),
    ),
    extra_text=False,
)
UNIT_COSTS = Spec(
    "unit costs",
    (
        Col("line", TEXT, True, ("budget_line", "care_ladder_line")),
        Col("weekly_cost", MONEY, True, ("weekly_rate", "cost_per_week", "unit_cost", "weekly_cost_gbp")),
    ),
    extra_text=False,
)
_NO_YEAR = FinancialYear(2000)  # the code tables hold no periods


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


def input_problem(path: Path, what: str) -> Problem | None:
    """A path an officer gave that is missing or a folder where a file belongs (or the reverse)."""
    if not path.exists():
        return Problem(str(path), None, None, f"{what} not found")
    if what.endswith("folder") and not path.is_dir():
        return Problem(str(path), None, None, f"is a file; give the {what} (it holds the CSV files)")
    if not what.endswith("folder") and path.is_dir():
        return Problem(str(path), None, None, f"is a folder; give the {what} (a CSV file)")
    return None


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


def shown_code(value: str, children: set[str]) -> str | None:
    """A code cell quoted for a message when it has the shape of a code and is no child's id, else None."""
    v = str(value).strip()
    return f"'{v}'" if _CODE.match(v) and v not in children else None


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


def code_table(
    codes: pd.DataFrame | Path | None, con: duckdb.DuckDBPyConnection, problems: list[Problem]
) -> pd.DataFrame:
    """The (place, provider) → line rules with their file and row; the shipped table when ``codes`` is None."""
    if isinstance(codes, pd.DataFrame):
        df = codes.astype(str).assign(_row=range(2, len(codes) + 2), _file="codes")
    else:
        path = template_path("placement_codes.csv") if codes is None else Path(codes)
        bad = input_problem(path, "codes file")
        if bad:
            problems.append(bad)
            return pd.DataFrame(columns=["place", "provider", "line", "_row", "_file"])
        try:
            raw = load_text(con, path, CODES, "raw_903_codes")
        except ImportFailed as exc:
            problems.extend(exc.problems)
            return pd.DataFrame(columns=["place", "provider", "line", "_row", "_file"])
        problems.extend(parse_table(con, raw, CODES, "parsed_903_codes", _NO_YEAR))
        df = con.execute(
            "SELECT place, provider, line, _row FROM parsed_903_codes "
            "WHERE place IS NOT NULL AND provider IS NOT NULL AND line IS NOT NULL ORDER BY _row"
        ).df()
        df["_file"] = raw.file
    for col in ("place", "provider"):
        df[col] = df[col].str.strip().str.upper()
    df["line"] = df["line"].str.strip()
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for place, provider, line, row, file in df[["place", "provider", "line", "_row", "_file"]].itertuples(
        index=False
    ):
        key = (place, provider)
        if key in first and first[key][1] != line:
            problems.append(
                Problem(
                    str(file),
                    int(row),
                    "line",
                    f"PLACE {place} / PLACE_PROVIDER {provider} is put on '{line}' here and on "
                    f"'{first[key][1]}' on row {first[key][0]}; keep one rule",
                )
            )
        first.setdefault(key, (int(row), line))
    return df


def unit_cost_table(
    unit_costs: pd.DataFrame | Path | None, con: duckdb.DuckDBPyConnection, problems: list[Problem]
) -> dict[str, int]:
    """Weekly cost in pence of each line; the shipped table when ``unit_costs`` is None."""
    if isinstance(unit_costs, pd.DataFrame):
        out: dict[str, int] = {}
        for i, (line, cost) in enumerate(unit_costs[["line", "weekly_cost"]].itertuples(index=False)):
            try:
                out[str(line).strip()] = pence_from_text(str(cost))
            except ValueError:
                problems.append(Problem("unit_costs", i + 2, "weekly_cost", f"'{cost}' is not an amount"))
        return out
    path = template_path("unit_costs.csv") if unit_costs is None else Path(unit_costs)
    bad = input_problem(path, "unit-costs file")
    if bad:
        problems.append(bad)
        return {}
    try:
        raw = load_text(con, path, UNIT_COSTS, "raw_903_costs")
    except ImportFailed as exc:
        problems.extend(exc.problems)
        return {}
    problems.extend(parse_table(con, raw, UNIT_COSTS, "parsed_903_costs", _NO_YEAR))
    rows = con.execute(
        "SELECT _row, trim(line), weekly_cost_p FROM parsed_903_costs WHERE line IS NOT NULL ORDER BY _row"
    ).fetchall()
    out = {}
    seen: dict[str, int] = {}
    for row, line, pence in rows:
        if pence is None:
            continue
        if pence <= 0:
            problems.append(
                Problem(
                    raw.file,
                    int(row),
                    "weekly_cost",
                    f"{money_text(pence)} a week: it should be more than £0",
                )
            )
        if line in seen and out.get(line) != pence:
            problems.append(
                Problem(raw.file, int(row), "line", f"'{line}' has a weekly cost on row {seen[line]} already")
            )
        seen.setdefault(line, int(row))
        out.setdefault(line, int(pence))
    return out


def _lines(eps: pd.DataFrame, codes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Line of each episode and the rule that gave it: exact (place, provider), then (place, *),
    (*, provider), (*, *)."""
    table = {
        (str(p).strip().upper(), str(v).strip().upper()): str(line).strip()
        for p, v, line in codes[["place", "provider", "line"]].itertuples(index=False)
    }
    place = eps["PLACE"].str.strip().str.upper()
    prov = eps["PLACE_PROVIDER"].str.strip().str.upper()
    star = pd.Series("*", index=eps.index)
    out = pd.Series([None] * len(eps), index=eps.index, dtype=object)
    rule = pd.Series([None] * len(eps), index=eps.index, dtype=object)
    for a, b, label in (
        (place, prov, "exact"),
        (place, star, "a PLACE, * rule"),
        (star, prov, "a *, PLACE_PROVIDER rule"),
        (star, star, "the catch-all rule *, *"),
    ):
        found = pd.Series([table.get(k) for k in zip(a, b, strict=True)], index=eps.index, dtype=object)
        rule = rule.where(out.notna() | found.isna(), label)
        out = out.where(out.notna(), found)
    return out, rule


def _unheaded(eps: pd.DataFrame, heads: pd.DataFrame) -> list[Problem]:
    """A warning per episodes file whose children have no row in the header file of the return (the header
    holds each child's date of birth); counts and rows only, never the child."""
    out = []
    known = set(heads["_child"])
    for file, group in eps[~eps["_child"].isin(known)].groupby("_file", sort=False):
        rows = sorted(int(r) for r in group["_row"])
        first = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        out.append(
            Problem(
                str(file),
                rows[0],
                "CHILD",
                f"{len(rows)} episode(s) of {group['_child'].nunique()} child(ren) have no row in the header file "
                f"(first rows: {first}): their dates of birth are unknown",
                WARNING,
            )
        )
    return out


def _unknown_codes(placed: pd.DataFrame, children: set[str]) -> list[Problem]:
    """Warnings for placements whose PLACE or PLACE_PROVIDER is not an SSDA903 code, with the line each went to
    (a catch-all rule must not hide a mistyped code); one warning per code and line, with its first rows."""
    out = []
    for col, known in (("PLACE", PLACE_CODES), ("PLACE_PROVIDER", PROVIDER_CODES)):
        code = placed[col].str.strip().str.upper()
        odd = placed[(code != "") & ~code.isin(known) & placed["line"].notna()]
        for (file, value, line, rule), group in odd.groupby(
            ["_file", odd[col].str.strip().str.upper(), "line", "_rule"], sort=False
        ):
            rows = sorted(int(r) for r in group["_row"])
            first = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
            by = "" if rule == "exact" else f" by {rule}"
            kind = "placement type" if col == "PLACE" else "placement provider"
            shown = shown_code(str(value), children)
            what = f"{shown} is not" if shown else "the cell is not"
            out.append(
                Problem(
                    str(file),
                    rows[0],
                    col,
                    f"{what} an SSDA903 {kind} code; {len(rows)} placement(s) (row{'s' if len(rows) > 1 else ''} "
                    f"{first}) put on line '{line}'{by}: check the code{'' if shown else ' ' + NOT_SHOWN}",
                    WARNING,
                )
            )
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
    placed = join_episodes(eps)
    line, rule = _lines(placed, rules)
    placed["line"], placed["_rule"] = line.to_numpy(), rule.to_numpy()
    problems.extend(_unknown_codes(placed, children))
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
