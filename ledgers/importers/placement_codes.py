"""The SSDA903 code tables: placement type and provider codes, the (place, provider) → line rules (with
``*`` wildcards) and the unit-cost table (line, weekly cost in pounds), the shipped templates by default;
the line each placement goes to, and warnings for codes that are not SSDA903 codes."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from ledgers.readers.columns import MONEY, TEXT, Col, Spec
from ledgers.readers.money import money_text, pence_from_text
from ledgers.readers.parse import parse_table
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import NOT_SHOWN, WARNING, ImportFailed, Problem
from ledgers.readers.tables import load_text
from ledgers.readers.templates import template_path

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


def input_problem(path: Path, what: str) -> Problem | None:
    """A path an officer gave that is missing or a folder where a file belongs (or the reverse)."""
    if not path.exists():
        return Problem(str(path), None, None, f"{what} not found")
    if what.endswith("folder") and not path.is_dir():
        return Problem(str(path), None, None, f"is a file; give the {what} (it holds the CSV files)")
    if not what.endswith("folder") and path.is_dir():
        return Problem(str(path), None, None, f"is a folder; give the {what} (a CSV file)")
    return None


def shown_code(value: str, children: set[str]) -> str | None:
    """A code cell quoted for a message when it has the shape of a code and is no child's id, else None."""
    v = str(value).strip()
    return f"'{v}'" if _CODE.match(v) and v not in children else None


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


def episode_lines(eps: pd.DataFrame, codes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
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


def unknown_codes(placed: pd.DataFrame, children: set[str]) -> list[Problem]:
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
