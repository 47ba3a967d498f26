"""Shared fixtures: a fresh workspace with the small hand-checked inputs of tests/data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from ledgers.store.schema import Store
from ledgers.store.workspace import Workspace, init_workspace

if TYPE_CHECKING:
    from budget.monthend.report import OutturnReport

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", "Test Trust", "2019/20", contract_value=1_000_000)


@pytest.fixture
def store(workspace: Workspace) -> Iterator[Store]:
    s = workspace.open()
    yield s
    s.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def import_all(ws: Workspace, *steps: tuple[Callable[..., object], Path]) -> None:
    """Run importers (function, file) in order against one open store of ``ws``."""
    s = ws.open()
    try:
        for fn, path in steps:
            fn(s, path, ws.settings.financial_year)
    finally:
        s.close()


def outturn_at(ws: Workspace, period: str, **kwargs: Any) -> OutturnReport:
    """The outturn of ``period`` computed (and its run stored) in ``ws``."""
    from budget.monthend.outturn import outturn_report

    s = ws.open()
    try:
        return outturn_report(s.con, ws.settings, period, **kwargs)
    finally:
        s.close()


def placements_of(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """A placements frame from (placement_id, child_ref, line, start, end, planned_end, weekly pence) rows."""
    from ledgers.store.placements import COLUMNS, placements_frame

    df = pd.DataFrame(rows, columns=COLUMNS[:7])
    for c in ("start_date", "end_date", "planned_end_date"):
        df[c] = pd.to_datetime(df[c])
    return placements_frame(df)
