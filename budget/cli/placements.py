"""`careladder placements forecast`: month-end numbers and cost by line N years ahead, without a budget."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from ledgers.readers.money import console_money
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import load_workspace

_MIX = re.compile(r"^\s*(.+?)\s*>\s*(.+?)\s*:\s*([0-9.]+)\s*$")


def _fraction(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise WorkspaceError(
            f"{option} should be a fraction such as 0.05 or a percentage such as 5%"
        ) from None
    value = value / 100 if text.strip().endswith("%") else value
    if not -1 <= value <= 5:  # the range careladder.toml allows a scenario's changes
        raise WorkspaceError(f"{option} should be from -100% to 500% (-1 to 5); received '{text.strip()}'")
    return value


@handles_errors
def forecast(
    years: Annotated[int, typer.Option("--years", help="Years ahead of the as-at date.")] = 3,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Workbook to write (.xlsx); default placements_forecast.xlsx."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout (no workbook).")] = False,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", help="An MTFS scenario in careladder.toml (scenarios.NAME); repeat; default all."
        ),
    ] = None,
    demand: Annotated[
        str | None,
        typer.Option("--demand", help="What-if: children coming into care +x (0.05 or 5%) on every line."),
    ] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="What-if: weekly costs +y (0.03 or 3%) from the next April.")
    ] = None,
    mix: Annotated[
        list[str] | None,
        typer.Option(
            "--mix", help="What-if: 'FROM LINE>TO LINE:N' moves N children a month from the first month."
        ),
    ] = None,
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at",
            help="Forecast from this date (YYYY-MM-DD; default: the data's end); an earlier date uses the "
            "placements as known then (later starts and ends left out).",
        ),
    ] = None,
    reference: Annotated[
        str,
        typer.Option("--reference", help="Reference period of the rates: shrunk (default), year or history."),
    ] = "shrunk",
    draws: Annotated[int, typer.Option("--draws", help="Placement model draws.")] = 200,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Forecast month-end numbers and cost by line with 80% ranges from the stored placements (after
    `placements import-903`), baseline and the MTFS scenarios; writes a workbook (or --json)."""
    from budget.mtfs.outlook import placement_outlook  # loaded on use: keeps other commands quick
    from budget.plans.scenarios import ScenarioSpec
    from budget.workbooks.placements import outlook_json, write_placements_workbook

    when = None
    if as_at is not None:
        try:
            when = date.fromisoformat(as_at)
        except ValueError:
            raise WorkspaceError(f"--as-at should be a date YYYY-MM-DD; received '{as_at}'") from None
    d, p = _fraction(demand, "--demand"), _fraction(price, "--price")
    moves = []
    for text in mix or []:
        m = _MIX.match(text)
        if not m:
            raise WorkspaceError(f"--mix should look like 'IFA>In-house Fostering:2'; received '{text}'")
        moves.append((m.group(1), m.group(2), float(m.group(3))))
    extra = None
    if d is not None or p is not None or moves:
        extra = ScenarioSpec(
            "what-if",
            "Given on the command line"
            + "".join(f"; moves {t}" for t in mix or [])
            + ("" if not moves else " a month"),
            demand_change={"*": d} if d is not None else {},
            price_change={"*": p} if p is not None else {},
        )
    ws = load_workspace(workspace)
    store = ws.open()
    try:
        outlook = placement_outlook(
            store.con, ws.settings, years=years, names=scenario or None, as_at=when, extra=extra, mix=moves,
            reference=reference, draws=draws,
        )  # fmt: skip
    finally:
        store.close()
    for text in outlook.warnings:
        err.print(f"warning: {text}", markup=False)
    if as_json:
        sys.stdout.write(json.dumps(outlook_json(outlook)) + "\n")
        return
    path = out or Path("placements_forecast.xlsx")
    write_placements_workbook(outlook, path)
    err.print(f"Wrote {path}", markup=False)
    for sc in outlook.scenarios:
        last = sc.totals.iloc[-1]
        err.print(
            f"  {sc.spec.name:<16} {last['month']:%b %Y}: {last['month_end']:.0f} children "
            f"(80% {last['month_end_low']:.0f}–{last['month_end_high']:.0f}), "
            f"{console_money(int(sc.totals['cost_p'].sum()))} over the forecast",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``forecast`` to the placements command group."""
    app.command("forecast")(forecast)
