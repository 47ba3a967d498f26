"""The import commands through typer's CliRunner: reconciliation printed, errors exit 2 naming file/row/column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from budget.cli import app

from conftest import DATA, write

runner = CliRunner()


def _init(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    res = runner.invoke(app, ["init", str(ws), "--authority", "Test Trust", "--year", "2019/20"])
    assert res.exit_code == 0, res.output
    return ws


def test_imports_print_a_reconciliation(tmp_path: Path) -> None:
    ws = _init(tmp_path)
    for kind, f in (("mapping", "mapping.csv"), ("budget", "budget.csv"), ("ledger", "ledger.csv")):
        res = runner.invoke(app, [kind, "import", str(DATA / f), "-w", str(ws)])
        assert res.exit_code == 0, res.output
    assert "588,000.49" in res.output and "reconciled to the penny" in res.output
    assert "2019/20-P02" in res.output and "unmapped code combinations" in res.output
    res = runner.invoke(app, ["ledger", "import", str(DATA / "ledger.csv"), "-w", str(ws)])
    assert res.exit_code == 0 and "nothing to do" in res.output


def test_bad_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    ws = _init(tmp_path)
    bad = write(tmp_path / "bad.csv", "line,heading,gross,income\nA,H,12x,0\nB,H,5,(1.234)\n")
    res = runner.invoke(app, ["budget", "import", str(bad), "-w", str(ws)])
    assert res.exit_code == 2
    assert "bad.csv:2: column 'gross': '12x' is not an amount" in res.output
    assert "bad.csv:3: column 'income': '(1.234)' is not an amount" in res.output
    assert "nothing was imported" in res.output


def test_not_a_workspace_and_init_twice(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ledger", "import", str(DATA / "ledger.csv"), "-w", str(tmp_path)])
    assert res.exit_code == 2 and "not a careladder workspace" in res.output
    ws = _init(tmp_path)
    res = runner.invoke(app, ["init", str(ws), "--authority", "X", "--year", "2019/20"])
    assert res.exit_code == 2 and "already holds a careladder workspace" in res.output
    res = runner.invoke(app, ["init", str(tmp_path / "y"), "--authority", "X", "--year", "2019"])
    assert res.exit_code == 2 and "2019/20" in res.output


def test_demo_runs_and_writes_its_workbook(tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    out = tmp_path / "demo" / "outturn-2019-12.xlsx"
    assert out.exists() and (tmp_path / "demo" / "inputs" / "placements.csv").exists()
    assert "underspend" in res.output or "overspend" in res.output
    wb = openpyxl.load_workbook(out, data_only=True)
    assert {"Summary", "Lines", "Variances", "Surplus share", "Trajectory", "Monthly", "Notes"} <= set(
        wb.sheetnames
    )
    # 2018/19 closed in the same workspace: December's Trajectory carries its accuracy table, filled
    assert "2018/19 closed: final net outturn" in res.output
    texts = [v for row in wb["Trajectory"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any(t.startswith("How right we were: 2018/19") for t in texts)
    assert "Month ends run: P3, P6, P9, P12" in texts
    assert texts.count("not run") <= 6  # only the suspense line, first seen after P9
    # no child reference anywhere in the workbook
    children = {
        line.split(",")[1]
        for line in (tmp_path / "demo" / "inputs" / "placements.csv").read_text().splitlines()[1:]
    }
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v in children)


def test_import_903_folder_becomes_the_placements_list(tmp_path: Path) -> None:
    import pytest

    from conftest import SHARED

    folder = SHARED / "data" / "synthetic_ssda903" / "cs_demand_model_combined"
    if not folder.exists():
        pytest.skip("shared data not present")
    ws = _init(tmp_path)
    res = runner.invoke(app, ["placements", "import-903", str(folder), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    assert "2103" in res.output and "reconciled to the penny" in res.output
    import duckdb

    con = duckdb.connect(str(ws / "careladder.duckdb"), read_only=True)
    n = con.execute(
        "SELECT count(*) FROM placements WHERE line = 'Independent Fostering Agencies'"
    ).fetchall()
    con.close()
    assert n == [(602,)]


def test_init_takes_the_contract_value_as_officers_write_it(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "init",
            str(tmp_path / "a"),
            "--authority",
            "A Trust",
            "--year",
            "2019/20",
            "--contract-value",
            "£51.6m",
        ],
    )
    assert ok.exit_code == 0, ok.output
    toml = (tmp_path / "a" / "careladder.toml").read_text(encoding="utf-8")
    assert "value = 51600000 " in toml and 'retained_by = "Trust"' in toml
    assert "[scenarios." not in toml.replace("# [scenarios.", "")  # no demo scenarios in a new workspace
    council = runner.invoke(
        app,
        [
            "init",
            str(tmp_path / "b"),
            "--authority",
            "Lowmoor Council",
            "--year",
            "2019/20",
            "--contract-value",
            "51,642,000",
        ],
    )
    assert (
        council.exit_code == 0
        and 'retained_by = "Service"' in (tmp_path / "b" / "careladder.toml").read_text()
    )
    bad = runner.invoke(
        app,
        ["init", str(tmp_path / "c"), "--authority", "X", "--year", "2019/20", "--contract-value", "lots"],
    )
    assert bad.exit_code == 2 and "51,642,000, £51,642,000.00, £51.6m or £51,642k" in bad.output
    assert not (tmp_path / "c").exists()
