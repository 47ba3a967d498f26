"""Shared harness of the hostile-input corpus (tests/badinput/).

Every case runs the real CLI (typer's CliRunner on ``budget.cli.app``) against a real workspace whose store
already holds a mapping, a budget and a ledger, and asserts the exact outcome an officer sees:

- ``refused(...)``: exit code 2, the exact ``file:row: column: message`` line among the output lines, no
  traceback, and the store unchanged (a dump of every table before and after is equal);
- ``accepted(...)``: exit code 0 and no traceback (the case then checks what was stored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import Result
from typer.testing import CliRunner

from budget.cli import app
from ledgers.store.schema import STORE_FILE

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


def run(*args: object) -> Result:
    """The CLI's result for these arguments (paths as strings)."""
    return runner.invoke(app, [str(a) for a in args])


def store_dump(ws: Path) -> dict[str, list[str]]:
    """Every table of the workspace's store, rows sorted, as text (for before/after comparison)."""
    path = ws / STORE_FILE
    if not path.is_file():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    finally:
        con.close()


def output_lines(res: Result) -> list[str]:
    """The lines printed (stdout and stderr), stripped, with a leading ``error: `` removed."""
    out = []
    for line in res.output.splitlines():
        line = line.strip()
        out.append(line.removeprefix("error: "))
    return out


def no_traceback(res: Result) -> None:
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)


def refused(args: Sequence[object], ws: Path | None, line: str, *, absent: Iterable[str] = ()) -> Result:
    """Run the CLI; assert exit 2, ``line`` printed exactly, no traceback, ``absent`` texts not printed and
    the store of ``ws`` unchanged."""
    before = store_dump(ws) if ws is not None else {}
    res = run(*args)
    no_traceback(res)
    assert res.exit_code == 2, res.output
    assert line in output_lines(res), f"expected line:\n{line}\ngot:\n{res.output}"
    for text in absent:
        assert text not in res.output, f"{text!r} must not be printed:\n{res.output}"
    if ws is not None:
        assert store_dump(ws) == before, "the store changed after a refusal"
    return res


def accepted(args: Sequence[object]) -> Result:
    """Run the CLI; assert exit 0 and no traceback."""
    res = run(*args)
    no_traceback(res)
    assert res.exit_code == 0, res.output
    return res


def string_cells(path: Path, text: str) -> list[str]:
    """Data types of every cell of a workbook whose value contains ``text`` ('s' = string, 'f' = formula)."""
    wb = openpyxl.load_workbook(path)  # not data_only: a formula would show as 'f'
    try:
        return [
            cell.data_type
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and text in cell.value
        ]
    finally:
        wb.close()


@pytest.fixture(scope="session")
def stocked_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2019/20 workspace holding the small hand-checked mapping, budget and ledger (built once)."""
    ws = tmp_path_factory.mktemp("stocked") / "ws"
    accepted(["init", ws, "--authority", "Test Trust", "--year", "2019/20", "--contract-value", "6600000"])
    for kind in ("mapping", "budget", "ledger"):
        accepted([kind, "import", DATA / f"{kind}.csv", "-w", ws])
    return ws


@pytest.fixture
def ws(stocked_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the stocked workspace for one case."""
    copy = tmp_path / "ws"
    shutil.copytree(stocked_workspace, copy)
    return copy
