"""The careladder command line: thin commands over plain functions."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from budget.cmd_imports import (
    adjustments_app,
    budget_app,
    ledger_app,
    mapping_app,
    placements_app,
    savings_app,
)
from budget.console import err, handles_errors
from ledgers.workspace import init_workspace

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
app.add_typer(placements_app, name="placements")
app.add_typer(savings_app, name="savings")
app.add_typer(adjustments_app, name="adjustments")


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
    err.print(f"Workspace for {ws.settings.authority} {ws.settings.financial_year.label} created in {path}",
              markup=False)


def _register_optional() -> None:
    """Command groups that live in their own modules."""
    for module, attr, name in (
        ("budget.cmd_series", "app", "series"),
        ("budget.cmd_templates", "app", "templates"),
        ("budget.cmd_month_end", "register", None),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        if name is None:
            getattr(mod, attr)(app)
        else:
            app.add_typer(getattr(mod, attr), name=name)


_register_optional()


def main() -> None:
    app()
