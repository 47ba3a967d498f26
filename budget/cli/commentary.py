"""`careladder commentary import FILE`: officers' words from an edited outturn workbook (or a CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from budget.cli.year import YearOpt, year_of
from ledgers.readers.periods import parse_month
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import load_workspace
from ledgers.store.years import refuse_if_closed

commentary_app = typer.Typer(
    help="Officer commentary on the variances, carried forward.", no_args_is_help=True
)


@commentary_app.command("import")
@handles_errors
def commentary_import(
    file: Annotated[Path, typer.Argument(help="The outturn workbook an officer edited (XLSX) or a CSV.")],
    author: Annotated[str | None, typer.Option("--author", help="Who wrote the commentary.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM the commentary is for (default: the workbook's).")
    ] = None,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Store the Commentary column of the Variances sheet (or a CSV with key, commentary) for its period.

    Commentary on a row with no key stops the import (nothing stored); a key the stored run of the period
    could not produce is warned about on stderr and its words are still stored. With --year, for an earlier
    year that is open (a closed year's reports are final: reopen it first)."""
    from budget.monthend.commentary import (  # loaded on use
        csv_entries,
        import_commentary,
        unknown_key_warnings,
        workbook_entries,
    )

    if not file.exists():
        raise WorkspaceError(f"{file}: no such file")
    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    stated: int | None = None
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        stated, entries = workbook_entries(file)
    else:
        entries = csv_entries(file)
    if period is not None:
        try:
            pfy, p = parse_month(period, fy)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        if pfy != fy:
            raise WorkspaceError(
                f"--period {period} is in {pfy.label}, not {fy.label}: give --year {pfy.label}"
            )
    elif stated is not None:
        p = stated
    else:
        raise WorkspaceError(f"{file.name}: no period stated in the file: give --period YYYY-MM")
    store = ws.open()
    try:
        refuse_if_closed(store.con, fy)
        for warning in unknown_key_warnings(store.con, fy, p, entries):
            err.print(f"warning: {warning}", markup=False)
        stored = import_commentary(
            store.con,
            fy,
            p,
            entries,
            author,
            ws.settings.variance_sign,
            ws.settings.variance_threshold_p,
        )
    finally:
        store.close()
    err.print(
        f"commentary  {file.name}: {stored} comment(s) stored for P{p} {fy.label} "
        f"({len(entries) - stored} unchanged or still marked carried forward)",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add `commentary import` to the careladder app."""
    app.add_typer(commentary_app, name="commentary")
