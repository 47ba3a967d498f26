"""The inputs the page imports: each one's importer (the CLI's own), where uploads are kept, and the
problems of a refused file as CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, Problem, WorkspaceError
from ledgers.store.imports import ImportOutcome
from ledgers.store.schema import Store
from ledgers.store.workspace import Settings, load_workspace

UPLOADS = "uploads"


def _mapping(store: Store, path: Path, fy: FinancialYear, settings: Settings) -> ImportOutcome:
    return import_mapping(store, path, fy, income_accounts=settings.income_accounts)


def _ledger(store: Store, path: Path, fy: FinancialYear, settings: Settings) -> ImportOutcome:
    return import_ledger(store, path, fy, income_accounts=settings.income_accounts)


def _placements(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.placements import import_placements

    return import_placements(store, path, fy)


def _placements_903(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.placements import import_903

    return import_903(store, path, fy)


def _savings(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.plans import import_savings

    return import_savings(store, path, fy)


def _adjustments(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.plans import import_adjustments

    return import_adjustments(store, path, fy)


def _funding(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.funding import import_funding

    return import_funding(store, path, fy)


def _cash_balances(store: Store, path: Path, fy: FinancialYear) -> ImportOutcome:
    from ledgers.importers.cash import import_cash_balances

    return import_cash_balances(store, path, fy)


@dataclass(frozen=True)
class ImportKind:
    """One input of the contract: what the page calls it, its template and the importer the CLI uses."""

    kind: str
    label: str
    template: str
    run: Callable[..., ImportOutcome]  # (store, path, year) or, for imports that read settings, + settings
    folder: bool = False  # SSDA903: several files making one return
    settings: bool = False  # the importer takes the workspace settings too (income_accounts)


IMPORTS: dict[str, ImportKind] = {
    k.kind: k
    for k in (
        ImportKind("mapping", "Code mapping", "mapping.xlsx", _mapping, settings=True),
        ImportKind("budget", "Budget", "budget.xlsx", lambda s, p, fy: import_budget(s, p, fy)),
        ImportKind("ledger", "Ledger export (year to date)", "ledger.csv", _ledger, settings=True),
        ImportKind("placements", "Placements list", "placements.xlsx", _placements),
        ImportKind(
            "placements-903",
            "SSDA903 return (header, episodes)",
            "placement_codes.csv",
            _placements_903,
            True,
        ),
        ImportKind("savings", "Savings plan", "savings.xlsx", _savings),
        ImportKind("adjustments", "Forecast adjustments", "adjustments.xlsx", _adjustments),
        ImportKind("funding", "Ring-fenced funds", "funding.xlsx", _funding),
        ImportKind("cash", "Bank balances (month ends)", "cash.xlsx", _cash_balances),
    )
}


def safe_name(name: str) -> str:
    """A file name with no folders and nothing but letters, digits, '-', '_', '.' and spaces."""
    base = Path(name.replace("\\", "/")).name
    cleaned = "".join(c if c.isalnum() or c in "-_. " else "_" for c in base).strip(" .")
    return cleaned or "upload"


def upload_path(workspace: Path, kind: str, name: str) -> Path:
    """Where an uploaded file is kept: ``WS/uploads/<time>-<kind>/<name>``, never outside the workspace."""
    folder = (workspace / UPLOADS / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{safe_name(kind)}").resolve()
    root = workspace.resolve()
    if root not in folder.parents:
        raise WorkspaceError("uploads must stay inside the workspace")
    folder.mkdir(parents=True, exist_ok=False)
    return folder / safe_name(name)


def run_import(workspace: Path, kind: str, files: list[Path]) -> ImportOutcome:
    """Run the importer for ``kind`` on the uploaded file (or, for SSDA903, the folder of its files)."""
    spec = IMPORTS.get(kind)
    if spec is None:
        raise WorkspaceError(f"unknown input '{kind}': choose one of {', '.join(IMPORTS)}")
    if not files:
        raise WorkspaceError("choose a file to import")
    target = files[0].parent if spec.folder else files[0]
    ws = load_workspace(workspace)
    store = ws.open()
    try:
        fy = ws.settings.financial_year
        return spec.run(store, target, fy, ws.settings) if spec.settings else spec.run(store, target, fy)
    finally:
        store.close()


def problems_csv(problems: list[Problem]) -> str:
    """The problems of a refused file as CSV (file, row, column, severity, message) for download."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["file", "row", "column", "severity", "message"])
    for p in problems:
        w.writerow([p.file, "" if p.row is None else p.row, p.column or "", p.severity or ERROR, p.message])
    return buf.getvalue()
