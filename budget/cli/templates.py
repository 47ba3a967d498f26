"""``careladder templates OUTDIR``: copy the input templates (CSV and XLSX) out for an officer to fill in."""

from __future__ import annotations

from pathlib import Path

import typer

from budget.cli.console import UnusedWorkspaceOpt, handles_errors

app = typer.Typer(
    help="Copy the input templates (CSV and XLSX) into a folder.",
    context_settings={"allow_interspersed_args": True},  # OUTDIR --overwrite as well as --overwrite OUTDIR
)


@app.callback(invoke_without_command=True)
@handles_errors
def templates_command(
    outdir: Path = typer.Argument(..., help="Folder to copy the templates into (created if needed)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace templates already in OUTDIR."),
    workspace: UnusedWorkspaceOpt = Path("."),
) -> None:
    """Copy the input templates into OUTDIR; templates already there are kept unless --overwrite."""
    from budget.workbooks.templates import copy_templates  # xlsxwriter only for this command

    written = copy_templates(outdir, overwrite=overwrite)
    for path in written:
        typer.echo(f"wrote {path}", err=True)
    kept = "" if overwrite else " (existing files kept; --overwrite to replace them)"
    typer.echo(f"{len(written)} template(s) written to {outdir}{kept}", err=True)
