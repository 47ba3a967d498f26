"""The careladder command line: thin commands over plain functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from budget.cli.backtest import register as register_backtest
from budget.cli.cash import app as cash_app
from budget.cli.commentary import register as register_commentary
from budget.cli.console import err, handles_errors
from budget.cli.funding import app as funding_app
from budget.cli.imports import (
    adjustments_app,
    budget_app,
    ledger_app,
    mapping_app,
    placements_app,
    savings_app,
)
from budget.cli.month_end import register as register_month_end
from budget.cli.mtfs import register as register_mtfs
from budget.cli.placements import register as register_placements
from budget.cli.series import app as series_app
from budget.cli.serve import register as register_serve
from budget.cli.templates import templates_command
from ledgers.store.workspace import init_workspace

app = typer.Typer(
    name="careladder",
    help="Children's services placement budgets: month-end forecast outturn, variances, surplus share and MTFS.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.add_typer(mapping_app, name="mapping")
app.add_typer(budget_app, name="budget")
app.add_typer(ledger_app, name="ledger")
register_placements(placements_app)
app.add_typer(placements_app, name="placements")
app.add_typer(savings_app, name="savings")
app.add_typer(adjustments_app, name="adjustments")
app.add_typer(funding_app, name="funding")
app.add_typer(cash_app, name="cash")


@app.command("init")
@handles_errors
def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new workspace.")],
    authority: Annotated[str, typer.Option("--authority", help="Name of the council or trust.")],
    year: Annotated[str, typer.Option("--year", help="Financial year, e.g. 2019/20.")],
    contract_value: Annotated[int, typer.Option("--contract-value", help="Contract sum in pounds.")] = 0,
) -> None:
    """Create a workspace: careladder.toml (settings) and an empty store."""
    try:
        ws = init_workspace(path, authority, year, contract_value)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    err.print(
        f"Workspace for {ws.settings.authority} {ws.settings.financial_year.label} created in {path}",
        markup=False,
    )


app.add_typer(series_app, name="series")
app.command("templates")(templates_command)
register_month_end(app)
register_mtfs(app)
register_commentary(app)
register_backtest(app)
register_serve(app)


def main() -> None:
    app()
