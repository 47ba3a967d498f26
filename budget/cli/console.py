"""Shared CLI plumbing: stderr console, the workspace option, and errors printed as file:row: messages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ledgers.readers.problems import ImportFailed, WorkspaceError
from ledgers.store.imports import ImportOutcome

err = Console(stderr=True, highlight=False, soft_wrap=True)

WorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="Workspace folder (careladder.toml + store).")
]
# Commands that need no workspace still accept -w, so that every command takes it (the contract's promise).
UnusedWorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="Accepted for uniformity; this command uses no workspace.")
]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Sheet of an XLSX file (default: the first).")]

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(fn: F) -> F:
    """Print import problems and workspace errors plainly and exit 2 (never a traceback with locals)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImportFailed as exc:
            err.print(
                f"[bold red]error:[/] {len(exc.problems)} problem(s); nothing was imported", markup=True
            )
            for line in exc.summary().splitlines()[1:]:
                err.print(line, markup=False)
            raise typer.Exit(2) from None
        except WorkspaceError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def print_outcome(outcome: ImportOutcome) -> None:
    """The reconciliation after an import: rows read and stored, control total against stored total."""
    if outcome.skipped:
        for m in outcome.messages:
            err.print(m, markup=False)
        return
    err.print(f"Imported {outcome.kind} from {outcome.file} as import #{outcome.import_id}", markup=False)
    table = Table(title="Reconciliation", show_lines=False)
    table.add_column("")
    table.add_column("rows", justify="right")
    table.add_column("total £", justify="right")
    table.add_row(
        "read from file",
        str(outcome.rows_read),
        "" if outcome.control_total_p is None else f"{outcome.control_total_p / 100:,.2f}",
    )
    table.add_row(
        "stored",
        str(outcome.rows_stored),
        "" if outcome.stored_total_p is None else f"{outcome.stored_total_p / 100:,.2f}",
    )
    for label, n, total in outcome.by_period:
        table.add_row(f"  {label}", str(n), f"{total / 100:,.2f}")
    err.print(table)
    if outcome.control_total_p is not None and outcome.stored_total_p is not None:
        ok = outcome.control_total_p == outcome.stored_total_p
        err.print(
            (
                "reconciled to the penny"
                if ok
                else "DOES NOT RECONCILE: the file's control total is "
                + f"£{abs(outcome.control_total_p - outcome.stored_total_p) / 100:,.2f} "
                + ("more" if outcome.control_total_p > outcome.stored_total_p else "less")
                + " than what was stored"
            ),
            markup=False,
        )
    for m in outcome.messages:
        err.print(m, markup=False)
    for w in outcome.warnings:
        err.print(f"warning: {w}", markup=False)
