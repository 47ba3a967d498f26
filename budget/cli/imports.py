"""`careladder <input> import FILE` for mapping, budget, ledger, placements, savings and adjustments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import SheetOpt, WorkspaceOpt, handles_errors, print_outcome
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.readers.periods import FinancialYear
from ledgers.store.imports import ImportOutcome
from ledgers.store.schema import Store
from ledgers.store.workspace import Settings, load_workspace

FileArg = Annotated[Path, typer.Argument(help="CSV or XLSX file.")]
ClearOpt = Annotated[
    bool,
    typer.Option("--clear", help="Accept a file with no rows (only a header): it empties what is stored."),
]

mapping_app = typer.Typer(help="Cost centre / account code mapping to budget lines.", no_args_is_help=True)
budget_app = typer.Typer(help="The year's budget by line.", no_args_is_help=True)
ledger_app = typer.Typer(help="General-ledger exports.", no_args_is_help=True)
placements_app = typer.Typer(help="The placements list (or SSDA903 returns).", no_args_is_help=True)
savings_app = typer.Typer(help="The MTFS savings plan.", no_args_is_help=True)
adjustments_app = typer.Typer(help="Officer adjustments to the forecast.", no_args_is_help=True)


def run(workspace: Path, fn: Callable[[Store, FinancialYear], ImportOutcome]) -> ImportOutcome:
    """Open the workspace, run one import in its transaction, print the reconciliation."""
    return run_with(workspace, lambda s, settings: fn(s, settings.financial_year))


def run_with(workspace: Path, fn: Callable[[Store, Settings], ImportOutcome]) -> ImportOutcome:
    """``run`` for an import that needs the workspace settings (not only the year)."""
    ws = load_workspace(workspace)
    store = ws.open()
    try:
        outcome = fn(store, ws.settings)
    finally:
        store.close()
    print_outcome(outcome)
    return outcome


@mapping_app.command("import")
@handles_errors
def mapping_import(
    file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None, clear: ClearOpt = False
) -> None:
    """Import the mapping (cost_centre, account, line, heading[, kind]); replaces the stored mapping."""
    run_with(
        workspace,
        lambda s, st: import_mapping(
            s, file, st.financial_year, sheet, income_accounts=st.income_accounts, clear=clear
        ),
    )


@budget_app.command("import")
@handles_errors
def budget_import(
    file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None, clear: ClearOpt = False
) -> None:
    """Import the budget (line, heading, gross, income[, p1 … p12, method, budget_numbers, budget_unit_cost])."""
    run(workspace, lambda s, fy: import_budget(s, file, fy, sheet, clear=clear))


@ledger_app.command("import")
@handles_errors
def ledger_import(
    file: FileArg,
    workspace: WorkspaceOpt = Path("."),
    sheet: SheetOpt = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add to the stored periods instead of replacing them.")
    ] = False,
    history: Annotated[bool, typer.Option("--history", help="The file holds prior years' history.")] = False,
) -> None:
    """Import a GL export; each period it holds replaces that stored period (unless --append)."""
    run_with(
        workspace,
        lambda s, st: import_ledger(
            s,
            file,
            st.financial_year,
            append=append,
            history=history,
            sheet=sheet,
            income_accounts=st.income_accounts,
        ),
    )


@placements_app.command("import")
@handles_errors
def placements_import(
    file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None, clear: ClearOpt = False
) -> None:
    """Import the placements list (placement_id, child_ref, line, start_date, weekly_cost[, end_date, …])."""
    from ledgers.importers.placements import import_placements  # pandas/pandera: loaded on use

    run(workspace, lambda s, fy: import_placements(s, file, fy, sheet, clear=clear))


@savings_app.command("import")
@handles_errors
def savings_import(
    file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None, clear: ClearOpt = False
) -> None:
    """Import the savings plan (scheme, line, year, target[, delivered, forecast, rag, owner, recurrent])."""
    from ledgers.importers.plans import import_savings

    run(workspace, lambda s, fy: import_savings(s, file, fy, sheet, clear=clear))


@adjustments_app.command("import")
@handles_errors
def adjustments_import(
    file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None, clear: ClearOpt = False
) -> None:
    """Import forecast adjustments (line, amount, reason[, period, one_off])."""
    from ledgers.importers.plans import import_adjustments

    run(workspace, lambda s, fy: import_adjustments(s, file, fy, sheet, clear=clear))


@placements_app.command("import-903")
@handles_errors
def placements_import_903(
    folder: Annotated[Path, typer.Argument(help="Folder with SSDA903 episodes (and header) CSV files.")],
    workspace: WorkspaceOpt = Path("."),
    codes: Annotated[
        Path | None, typer.Option("--codes", help="PLACE/PLACE_PROVIDER → line table (CSV).")
    ] = None,
    unit_costs: Annotated[
        Path | None, typer.Option("--unit-costs", help="line → weekly_cost table (CSV).")
    ] = None,
    la: Annotated[str | None, typer.Option("--la", help="One authority of a stacked regional file.")] = None,
) -> None:
    """Import placements from SSDA903 returns; replaces the stored placements list."""
    from ledgers.importers.placements import import_903

    run(workspace, lambda s, fy: import_903(s, folder, fy, codes=codes, unit_costs=unit_costs, la=la))
