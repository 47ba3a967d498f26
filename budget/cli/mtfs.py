"""`careladder mtfs`: multi-year scenario sheets from the current year's outturn and the placement model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from budget.cli.year import YearOpt, year_of
from ledgers.readers.money import words
from ledgers.store.workspace import load_workspace


@handles_errors
def mtfs(
    out: Annotated[Path, typer.Option("--out", help="Workbook to write (.xlsx).")],
    years: Annotated[int, typer.Option("--years", help="Years ahead of the current year.")] = 3,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="A scenario named in careladder.toml (scenarios.NAME); repeat for more; default: all.",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="Month end YYYY-MM to start from (default: the latest stored outturn)."
        ),
    ] = None,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Baseline and scenarios N years ahead: expenditure, income, net, gap, savings required. With --year,
    from an earlier year's outturn (e.g. the final outturn of a closed year)."""
    from budget.monthend.story import settings_for_year
    from budget.mtfs.projection import mtfs_report  # loaded on use: keeps every other command quick to start
    from budget.workbooks.mtfs import write_mtfs_workbook

    ws = load_workspace(workspace)
    settings = settings_for_year(ws.settings, year_of(ws.settings, year))
    store = ws.open()
    try:
        report = mtfs_report(store.con, settings, years=years, names=scenario or None, period=period)
    finally:
        store.close()
    write_mtfs_workbook(report, out)
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False)
    err.print(f"Wrote {out}", markup=False)
    for s in report.scenarios:
        last = s.years[-1]
        err.print(
            f"  {s.spec.name:<24} {last.label}: gap {words(last.gap_p)}"
            f"{'' if last.gap_p >= 0 else ' headroom'}, savings required {words(last.savings_required_p)}",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add the ``mtfs`` command to the careladder app."""
    app.command("mtfs")(mtfs)
