"""Shared CLI plumbing: stderr console, the workspace option, and errors printed as file:row: messages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ledgers.readers.money import money_text
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
    """Print import problems and workspace errors plainly and exit 2 (never a traceback with locals).

    Bad input never shows a traceback: import problems and settings errors are listed as they are, and a
    path an officer gave that cannot be read or written (missing, a folder, no permission) is named with the
    reason. Anything else is a bug and keeps its traceback (typer shows it without local variables).
    """

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
            first, *rest = str(exc).splitlines() or [""]
            err.print(f"error: {first}", markup=False)
            for line in rest:
                err.print(line, markup=False)
            raise typer.Exit(2) from None
        except Exception as exc:
            cause = named_path_error(exc)
            if cause is None:
                raise  # a bug: typer shows the traceback, without local variables
            err.print(f"error: {path_problem(cause)}", markup=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def named_path_error(exc: BaseException) -> OSError | None:
    """The OSError on a named path behind ``exc`` (itself, or what a library re-raised it as, such as
    xlsxwriter's FileCreateError), or None when ``exc`` is not about a path."""
    seen: BaseException | None = exc
    for _ in range(3):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.filename is not None:
            return seen
        if seen.args and isinstance(seen.args[0], OSError) and seen.args[0].filename is not None:
            return seen.args[0]
        seen = seen.__cause__ or seen.__context__
    return None


def path_problem(exc: OSError) -> str:
    """``path: what is wrong`` for a file an officer named that could not be read or written."""
    reason = {
        FileNotFoundError: "not found (or its folder does not exist)",
        IsADirectoryError: "is a folder; give a file name",
        NotADirectoryError: "a part of the path is a file, not a folder",
        PermissionError: "permission denied (is it open in Excel, or read-only?)",
        FileExistsError: "already exists and is not a folder; give a folder name",
    }.get(type(exc), exc.strerror or type(exc).__name__)
    return f"{exc.filename}: {reason}"


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
        "" if outcome.control_total_p is None else money_text(outcome.control_total_p, symbol=False),
    )
    table.add_row(
        "stored",
        str(outcome.rows_stored),
        "" if outcome.stored_total_p is None else money_text(outcome.stored_total_p, symbol=False),
    )
    for label, n, total in outcome.by_period:
        table.add_row(f"  {label}", str(n), money_text(total, symbol=False))
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
