"""`careladder funding import FILE`: ring-fenced funds and the lines they pay for."""

from __future__ import annotations

from pathlib import Path

import typer

from budget.cli.console import SheetOpt, WorkspaceOpt, handles_errors
from budget.cli.imports import FileArg, run

app = typer.Typer(help="Ring-fenced funds (grants for a purpose over a span of years).", no_args_is_help=True)


@app.command("import")
@handles_errors
def funding_import(file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None) -> None:
    """Import funds (fund, line, total, start_year, end_year[, spent_to_date]); replaces the stored funds."""
    from ledgers.importers.funding import import_funding

    run(workspace, lambda s, fy: import_funding(s, file, fy, sheet))
