"""What the web page does, as plain functions over the same importers and month-end functions as the CLI.

Nothing here knows about HTTP: each function opens the workspace, does one thing and closes it, so the page
and the command line cannot drift apart (and the store's busy lock serialises them as it does commands)."""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgers.readers.periods import month_label
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Workspace, load_workspace

OUTPUTS = "outputs"


_month_end_lock = threading.Lock()


@dataclass
class MonthEnd:
    """A month end run from the page: the report, its JSON and the workbook written into the workspace."""

    report: Any  # budget.monthend.report.OutturnReport
    data: dict[str, Any]
    workbook: Path
    detail: Path | None = None


def outputs_dir(workspace: Path) -> Path:
    folder = workspace / OUTPUTS
    folder.mkdir(exist_ok=True)
    return folder


def month_of(workspace: Path, period: str) -> str:
    """The month end as YYYY-MM from any form the CLI takes (2019-12, Dec-19, December 2019, P9)."""
    from ledgers.readers.periods import parse_month

    ws = load_workspace(workspace)
    try:
        fy, p = parse_month(period.strip(), ws.settings.financial_year)
    except ValueError as exc:
        raise WorkspaceError(str(exc)) from None
    return month_label(fy, p)


def run_month_end(
    workspace: Path, period: str, *, detail: bool = False, allow_missing_actuals: bool = False
) -> MonthEnd:
    """Forecast and outturn for ``period``, as `careladder forecast` then `careladder outturn [--detail]`."""
    from budget.monthend.outturn import forecast_run, outturn_report
    from budget.monthend.outturn_json import outturn_json
    from budget.workbooks.outturn import write_outturn_workbook

    if not _month_end_lock.acquire(blocking=False):
        raise WorkspaceError("a month end is already running for this workspace: wait for it to finish")
    try:
        month = month_of(workspace, period)
        ws = load_workspace(workspace)
        store = ws.open()
        written: Path | None = None
        try:
            forecast_run(store.con, ws.settings, month, allow_missing_actuals=allow_missing_actuals)
            report = outturn_report(
                store.con, ws.settings, month, with_cash=True, allow_missing_actuals=allow_missing_actuals
            )
            if detail:
                from budget.workbooks.detail import write_detail

                written = write_detail(store.con, ws.path, report, outputs_dir(workspace))
        finally:
            store.close()
        out = outputs_dir(workspace) / f"outturn-{month}.xlsx"
        write_outturn_workbook(report, out)
        return MonthEnd(report, outturn_json(report), out, written)
    finally:
        _month_end_lock.release()


def stored_month_end(workspace: Path, period: str) -> MonthEnd | None:
    """The month end already run for ``period`` (read back, not re-forecast; None when none was run), with its
    workbook in the workspace's outputs folder (written now if it is not there yet)."""
    from budget.monthend.outturn import outturn_report
    from budget.monthend.outturn_json import outturn_json
    from budget.workbooks.outturn import write_outturn_workbook
    from ledgers.readers.periods import parse_month

    ws = load_workspace(workspace)
    period = month_of(workspace, period)
    pfy, p = parse_month(period)
    store = ws.open()
    try:
        run = store.con.execute(
            "SELECT count(*) FROM outturn_lines WHERE fy = ? AND period = ?", [pfy.start_year, p]
        ).fetchone()
        if run is None or run[0] == 0:
            return None
        report = outturn_report(
            store.con, ws.settings, period, save=False, with_cash=True, allow_missing_actuals=True
        )
    finally:
        store.close()
    out = outputs_dir(workspace) / f"outturn-{period}.xlsx"
    if not out.exists():
        write_outturn_workbook(report, out)
    detail = outputs_dir(workspace) / f"outturn-{period}-detail.xlsx"
    return MonthEnd(report, outturn_json(report), out, detail if detail.exists() else None)


def store_commentary(workspace: Path, period: str, texts: dict[str, str], author: str | None) -> int:
    """Officer commentary typed on the page, stored exactly as `commentary import` stores it."""
    from budget.monthend.commentary import Entry, import_commentary
    from ledgers.readers.periods import parse_month

    ws = load_workspace(workspace)
    fy = ws.settings.financial_year
    pfy, p = parse_month(period)
    if pfy != fy:
        raise WorkspaceError(f"{period} is in {pfy.label}, but the workspace is for {fy.label}")
    entries = [Entry(key, text, where=f"the page ({key})") for key, text in texts.items() if text.strip()]
    store = ws.open()
    try:
        return import_commentary(
            store.con, fy, p, entries, author, ws.settings.variance_sign, ws.settings.variance_threshold_p
        )
    finally:
        store.close()


@dataclass
class ScenarioRow:
    name: str
    description: str
    years: list[tuple[str, int, int]]  # (year label, gap pence, savings required pence)


def run_mtfs(
    workspace: Path, years: int, names: list[str] | None
) -> tuple[list[ScenarioRow], Path, list[str]]:
    """`careladder mtfs`: the years' gap and savings required per scenario, and the workbook."""
    from budget.mtfs.projection import mtfs_report
    from budget.workbooks.mtfs import write_mtfs_workbook

    ws = load_workspace(workspace)
    store = ws.open()
    try:
        report = mtfs_report(store.con, ws.settings, years=years, names=names or None)
    finally:
        store.close()
    out = outputs_dir(workspace) / "mtfs.xlsx"
    write_mtfs_workbook(report, out)
    rows = [
        ScenarioRow(
            s.spec.name,
            s.spec.description,
            [(y.label, y.gap_p, y.savings_required_p) for y in s.years],
        )
        for s in report.scenarios
    ]
    return rows, out, list(report.warnings)


def scenario_settings(workspace: Path) -> list[dict[str, Any]]:
    """The named scenarios of careladder.toml as the page edits them (demand and price change on all lines)."""
    from budget.plans.scenarios import scenario_specs

    ws = load_workspace(workspace)
    out = []
    for s in scenario_specs(ws.settings):
        out.append(
            {
                "name": s.name,
                "description": s.description,
                "demand_change": _uniform(s.demand_change),
                "price_change": _uniform(s.price_change),
                "by_line": len(s.demand_change) > 1 or len(s.price_change) > 1,
                "savings": s.savings,
            }
        )
    return out


def _uniform(values: dict[str, Any]) -> str:
    """'0.10' when one fraction applies to every line (or a single line), else '' (edited by line in the toml)."""
    if len(set(values.values())) == 1:
        return str(next(iter(values.values())))
    return ""


def save_scenario(
    workspace: Path, name: str, description: str, demand: str, price: str, savings: bool
) -> None:
    """Write one named scenario into careladder.toml (comments kept), checked as the workspace checks it."""
    import tomlkit

    from ledgers.store.workspace import SETTINGS_FILE

    ws: Workspace = load_workspace(workspace)
    clean = name.strip()
    if not clean or not all(c.isalnum() or c in "-_" for c in clean):
        raise WorkspaceError(f"scenario name '{clean}': use letters, digits, '-' and '_' only")
    path = workspace / SETTINGS_FILE
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    scenarios = doc.setdefault("scenarios", tomlkit.table(is_super_table=True))
    table = tomlkit.table()
    if description.strip():
        table["description"] = description.strip()
    for key, text in (("demand_change", demand), ("price_change", price)):
        if text.strip():
            try:
                value = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
            except ValueError:
                raise WorkspaceError(
                    f"{key}: '{text}' is not a fraction (0.10) or a percentage (10%)"
                ) from None
            if not -1 < value < 5:
                raise WorkspaceError(f"{key}: {text} is outside -100% … +500%")
            existing = ws.settings.section("scenarios").get(clean, {}).get(key)
            if isinstance(existing, dict) and len(existing) > 1:
                raise WorkspaceError(
                    f"scenario '{clean}' sets {key} line by line in {SETTINGS_FILE}: edit it there"
                )
            table[key] = value
    if savings:
        table["savings"] = True
    scenarios[clean] = table  # type: ignore[index]
    text = tomlkit.dumps(doc)
    backup = path.with_suffix(".toml.bak")
    shutil.copyfile(path, backup)
    path.write_text(text, encoding="utf-8")
    try:
        load_workspace(workspace)  # the same checks every command makes
        from budget.plans.scenarios import scenario_specs

        scenario_specs(load_workspace(workspace).settings)
    except Exception:
        shutil.copyfile(backup, path)
        raise
    finally:
        backup.unlink(missing_ok=True)


def rewrite_workbook(workspace: Path, period: str) -> Path:
    """The outturn workbook of ``period`` written again from the stored run (after commentary was typed)."""
    from budget.workbooks.outturn import write_outturn_workbook

    result = stored_month_end(workspace, period)
    if result is None:
        raise WorkspaceError(f"no month end has been run for {period} on this page: run it first")
    write_outturn_workbook(result.report, result.workbook)
    return result.workbook


def trajectory_points(workspace: Path, period_no: int) -> tuple[list[tuple[str, int | None]], int]:
    """The grand total's forecast net outturn at each month end P1 … ``period_no`` (None where none was run),
    and the net budget."""
    ws = load_workspace(workspace)
    fy = ws.settings.financial_year
    store = ws.open(read_only=True)
    try:
        from budget.monthend.history import month_end_history

        history = month_end_history(store.con, fy)  # the one month-end history (movement, trajectory, …)
    finally:
        store.close()
    by_period: dict[int, tuple[int, int]] = {}
    for ln in history.lines:
        if ln.period <= period_no:
            forecast, budget = by_period.get(ln.period, (0, 0))
            by_period[ln.period] = (forecast + ln.forecast_net_p, budget + ln.budget_net_p)
    points = [(f"P{p}", by_period[p][0] if p in by_period else None) for p in range(1, period_no + 1)]
    budget = by_period[max(by_period)][1] if by_period else 0
    return points, budget


def run_backtest(workspace: Path) -> Path:
    """`careladder backtest --out`: how right the forecasts would have been, as a workbook in the workspace."""
    from budget.monthend.accuracy import DEFAULT_MODELS, accuracy_report
    from budget.workbooks.backtest import write_backtest_workbook

    ws = load_workspace(workspace)
    store = ws.open()
    try:
        report = accuracy_report(store.con, ws.settings, None, models=DEFAULT_MODELS)
    finally:
        store.close()
    out = outputs_dir(workspace) / f"accuracy-{report.period}.xlsx"
    write_backtest_workbook(report, out)
    return out
