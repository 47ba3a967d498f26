"""Placements list import (one row per placement; open ones have no end date) and reading it back."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ledgers.importers.ssda903 import read_903
from ledgers.readers.columns import DATE, MONEY, TEXT, Col, Spec
from ledgers.readers.money import money_text
from ledgers.readers.parse import extra_json
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, NOT_SHOWN, WARNING, ImportFailed, Problem
from ledgers.store.imports import ImportContext, ImportOutcome, file_sha256, run_import, supersede, warn
from ledgers.store.placements import COLUMNS, check_placements, placements_frame
from ledgers.store.schema import Store

SPEC = Spec(
    "placements",
    (
        Col("placement_id", TEXT, True, ("placement", "placement_ref", "placement_number")),
        Col("child_ref", TEXT, True, ("child", "child_id", "child_reference", "lac_id", "person_id")),
        Col("line", TEXT, True, ("budget_line", "care_ladder_line")),
        Col("start_date", DATE, True, ("start", "date_started", "placement_start", "decom")),
        Col("weekly_cost", MONEY, True, ("weekly_rate", "cost_per_week", "weekly_fee", "rate")),
        Col("end_date", DATE, False, ("end", "date_ended", "placement_end", "dec")),
        Col("planned_end_date", DATE, False, ("planned_end", "expected_end_date")),
        Col("provider", TEXT, False, ("supplier", "provider_name", "agency")),
        Col("placement_type", TEXT, False, ("type", "place")),
        Col("date_of_birth", DATE, False, ("dob", "birth_date", "child_date_of_birth")),
    ),
    personal=True,
)
# The child's date of birth (ends care at 18 in the placement model) is kept in the row's ``extra`` JSON,
# read back by ``stored_placements`` only, and never written to any output.
_DOB = "CAST(extra->>'date_of_birth' AS DATE)"


def import_placements(
    store: Store, path: Path, fy: FinancialYear, sheet: str | None = None, *, clear: bool = False
) -> ImportOutcome:
    """Import the placements list; it replaces the stored list (a list is a snapshot of all placements).
    ``clear``: a file of no rows may empty it; otherwise such a file is refused."""
    return run_import(store, path, SPEC, fy, _validate, _save, sheet, {"clear": clear})


def _frame(ctx: ImportContext) -> pd.DataFrame:
    df = ctx.con.execute(
        f"SELECT _row AS row, trim(placement_id) AS placement_id, trim(child_ref) AS child_ref, trim(line) AS line, "
        f"start_date, end_date, planned_end_date, weekly_cost_p, provider, placement_type FROM {ctx.parsed} "
        "ORDER BY _row"
    ).df()
    return df


def _validate(ctx: ImportContext) -> list[Problem]:
    df = _frame(ctx)
    if df.empty:
        return []  # a file of no rows is refused (or, with --clear, empties the list) by run_import
    # the frame checks need every cell parsed (the cell problems are listed already); the line check does
    # not. Ends before starts are warned once, by rows, when saved.
    problems = (
        [] if ctx.parse_failed else [p for p in check_placements(df, ctx.raw.file) if p.severity == ERROR]
    )
    lines = {
        r[0] for r in ctx.con.execute("SELECT line FROM budget WHERE fy = ?", [ctx.fy.start_year]).fetchall()
    }
    if lines:
        known = ", ".join(sorted(lines))
        for i in (df["line"].notna() & ~df["line"].isin(lines)).to_numpy().nonzero()[0]:
            problems.append(
                Problem(
                    ctx.raw.file,
                    int(df["row"].iloc[i]),
                    "line",
                    f"is not a line of the {ctx.fy.label} budget (lines: {known}) {NOT_SHOWN}",
                    ERROR,
                )
            )
    return problems


def _save(ctx: ImportContext) -> None:
    con, out, file = ctx.con, ctx.outcome, ctx.raw.file
    replaced = supersede(con, "placements", "placements")
    con.execute(
        f"INSERT INTO placements SELECT trim(placement_id), trim(child_ref), trim(line), start_date, end_date, "
        f"planned_end_date, weekly_cost_p, provider, placement_type, _row, {ctx.import_id}, "
        f"CASE WHEN date_of_birth IS NULL THEN {extra_json(ctx.raw, SPEC)} ELSE json_merge_patch("
        f"COALESCE({extra_json(ctx.raw, SPEC)}, '{{}}'::JSON), to_json(struct_pack(date_of_birth := "
        f"strftime(date_of_birth, '%Y-%m-%d')))) END FROM {ctx.parsed}"
    )
    n, total = con.execute(
        "SELECT count(*), COALESCE(sum(weekly_cost_p), 0) FROM placements WHERE import_id = ?",
        [ctx.import_id],
    ).fetchall()[0]
    out.rows_stored = int(n)
    out.control_total_p = int(
        con.execute(f"SELECT COALESCE(sum(weekly_cost_p), 0) FROM {ctx.parsed}").fetchall()[0][0]
    )
    out.stored_total_p = int(total)
    as_at = ctx.fy.end
    open_n, open_cost = con.execute(
        "SELECT count(*), COALESCE(sum(weekly_cost_p), 0) FROM placements WHERE import_id = ? AND end_date IS NULL",
        [ctx.import_id],
    ).fetchall()[0]
    out.by_period.append(("open placements (weekly cost)", int(open_n), int(open_cost)))
    out.messages.append(
        f"{n} placements, {open_n} open; weekly cost of open placements {money_text(open_cost)}"
    )
    if replaced:
        out.messages.append(f"replaced the stored placements list (import #{', #'.join(map(str, replaced))})")
    ends = [p for p in check_placements(_frame(ctx), file) if p.severity == WARNING]
    if ends:
        warn(
            out,
            file,
            [p.row for p in ends if p.row],
            len(ends),
            "end_date",
            "placements ending before they start",
        )
    rows = [
        int(r[0])
        for r in con.execute(
            "SELECT source_row FROM placements WHERE import_id = ? AND start_date > ? ORDER BY 1 LIMIT 10",
            [ctx.import_id, as_at],
        ).fetchall()
    ]
    n_future = int(
        con.execute(
            "SELECT count(*) FROM placements WHERE import_id = ? AND start_date > ?", [ctx.import_id, as_at]
        ).fetchall()[0][0]
    )
    warn(out, file, rows, n_future, "start_date", f"placements starting after the end of {ctx.fy.label}")


def stored_placements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The stored placements as the placements frame (stage boundary; holds child_ref — never print it)."""
    df = con.execute(
        "SELECT placement_id, child_ref, line, start_date, end_date, planned_end_date, weekly_cost_p, provider, "
        f"placement_type, {_DOB} AS date_of_birth FROM placements ORDER BY start_date, placement_id"
    ).df()
    df["date_of_birth"] = pd.to_datetime(df["date_of_birth"]).astype("datetime64[ns]")
    return placements_frame(df)


def import_903(
    store: Store,
    folder: Path,
    fy: FinancialYear,
    *,
    codes: Path | None = None,
    unit_costs: Path | None = None,
    la: str | None = None,
) -> ImportOutcome:
    """Placements from SSDA903 returns (episodes joined into placements, codes mapped to lines, weekly costs
    from the unit-cost table); replaces the stored placements list. Errors: nothing stored."""
    folder = Path(folder)
    frame, problems = read_903(folder, codes, unit_costs, la=la)
    digest = hashlib.sha256()
    inputs = sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []
    for p in [*inputs, *(x for x in (codes, unit_costs) if x is not None and Path(x).is_file())]:
        digest.update(file_sha256(Path(p)).encode())
    sha = digest.hexdigest() + (f":{la}" if la else "")
    outcome = ImportOutcome("placements", folder.name, None, rows_read=0)
    errors = [p for p in problems if p.severity == ERROR]
    if not errors and frame.empty:
        errors.append(
            Problem(str(folder), None, None, "no placements found: the stored list is left as it was")
        )
    if errors:
        raise ImportFailed(errors)
    outcome.warnings += [p for p in problems if p.severity == WARNING]
    con = store.con
    with store.transaction():
        import_id = int(con.execute("SELECT nextval('import_ids')").fetchall()[0][0])
        outcome.import_id = import_id
        replaced = supersede(con, "placements", "placements")
        rows = frame[[c for c in frame.columns if c in COLUMNS or c == "episodes"]].copy()
        rows["dob"] = frame["date_of_birth"].dt.strftime("%Y-%m-%d") if "date_of_birth" in frame else None
        rows["source_row"] = range(1, len(rows) + 1)
        rows["import_id"] = import_id
        con.register("_placements_903", rows)
        con.execute(
            "INSERT INTO placements SELECT placement_id, child_ref, line, CAST(start_date AS DATE), "
            "CAST(end_date AS DATE), CAST(planned_end_date AS DATE), weekly_cost_p, provider, placement_type, "
            "source_row, import_id, "
            + (
                "to_json(struct_pack(ssda903_episodes := episodes, date_of_birth := dob))"
                if "episodes" in rows
                else "CAST(NULL AS JSON)"
            )
            + " FROM _placements_903"
        )
        con.unregister("_placements_903")
        n, total = con.execute(
            "SELECT count(*), COALESCE(sum(weekly_cost_p), 0) FROM placements WHERE import_id = ?",
            [import_id],
        ).fetchall()[0]
        outcome.rows_read = outcome.rows_stored = int(n)
        outcome.control_total_p = int(frame["weekly_cost_p"].sum())
        outcome.stored_total_p = int(total)
        for line, count in frame.groupby("line").size().items():
            outcome.by_period.append(
                (f"line: {line}", int(count), int(frame.loc[frame["line"] == line, "weekly_cost_p"].sum()))
            )
        budget = {
            r[0] for r in con.execute("SELECT line FROM budget WHERE fy = ?", [fy.start_year]).fetchall()
        }
        if budget:
            missing = sorted(set(frame["line"]) - budget)
            if missing:
                warn(
                    outcome,
                    outcome.file,
                    [],
                    int(frame["line"].isin(missing).sum()),
                    "line",
                    "placements on lines with no budget line (" + ", ".join(missing) + ")",
                )
        if replaced:
            outcome.messages.append(
                f"replaced the stored placements list (import #{', #'.join(map(str, replaced))})"
            )
        con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                "placements",
                f"{Path(folder).name} (SSDA903)",
                sha,
                int(n),
                outcome.control_total_p,
                None,
                datetime.now(),
                "replace",
                "; ".join(outcome.messages) or None,
            ],
        )
    return outcome
