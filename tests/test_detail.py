"""The drill-down workbook: placements by key (never a child reference), postings for other lines, links."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from small_authority import small_authority
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.detail import pseudonym
from ledgers.importers.ledger import import_ledger
from ledgers.readers.problems import WorkspaceError
from ledgers.store.secret import SECRET_FILE, workspace_secret
from ledgers.store.workspace import Workspace

from conftest import outturn_at

THRESHOLD = "variance_threshold = 1000"


def workbook_texts(path: Path) -> list[str]:
    """Every sheet name and every cell value of a workbook, as text."""
    wb = openpyxl.load_workbook(path)
    out = list(wb.sheetnames)
    for ws in wb.worksheets:
        out += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    return out


def detail_of(ws: Workspace, period: str, outdir: Path) -> Path:
    res = CliRunner().invoke(
        app, ["outturn", "--period", period, "-w", str(ws.path), "--out", str(outdir / "o.xlsx"), "--detail"]
    )
    assert res.exit_code == 0, res.output
    return outdir / f"outturn-{period}-detail.xlsx"


def test_placement_line_detail_worked_by_hand(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, top=THRESHOLD)
    path = detail_of(ws, "2019-12", tmp_path)
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb.sheetnames == ["Index", "01 Fostering", "02 Staff"]
    sheet = wb["01 Fostering"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] == "Key")
    key, start, planned, weekly, kind, days, to_date, to_end = rows[at + 1][:8]
    assert key == pseudonym(workspace_secret(ws.path), "PL1") and key.startswith("K-") and len(key) == 12
    assert (start.date().isoformat(), planned, weekly, kind) == (
        "2019-01-01", None, 700, "Independent fostering agency",
    )  # fmt: skip
    # 1 April to 31 December is 275 days at £100; January to March 2020 is 31 + 29 + 31 = 91 days
    assert (days, to_date, to_end) == (366, 27500, 9100)
    assert rows[at + 2][6:8] == [27500, 9100]  # the total row
    by_label = {r[0]: r for r in rows if isinstance(r[0], str)}
    # actual £27,000 + adjustments £0 + forecast after £9,100 = forecast net £36,100; all of it committed
    assert by_label["Actual net to date £"][4] == 27000 and by_label["Forecast net £"][4] == 36100
    assert by_label["Forecast net after the period end"][7] == 9100
    assert by_label["Rest of the forecast after the period end"][7] == 0
    texts = workbook_texts(path)
    assert not [t for t in texts if "CH900001" in t or t == "PL1"]
    assert not [t for t in texts if "Acorn" in t]  # the placement line's supplier is left out
    staff = [[c.value for c in r] for r in wb["02 Staff"].iter_rows()]
    first = next(i for i, r in enumerate(staff) if r[0] == "Supplier") + 1
    assert staff[first][:4] == ["(no supplier)", "2019-04", 1, 80000]
    assert staff[first + 10][:4] == ["All postings of the line to date", None, 9, 720000]


def test_keys_stable_across_months_and_runs_and_change_with_the_secret(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, top=THRESHOLD)
    keys = {}
    for period, sub in (("2019-11", "a"), ("2019-12", "b"), ("2019-12", "c")):
        (tmp_path / sub).mkdir()
        sheet = openpyxl.load_workbook(detail_of(ws, period, tmp_path / sub))["01 Fostering"]
        keys[sub] = [c.value for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith("K-")]
    assert keys["a"] == keys["b"] == keys["c"] and len(keys["a"]) == 1
    (ws.path / SECRET_FILE).unlink()
    (tmp_path / "d").mkdir()
    sheet = openpyxl.load_workbook(detail_of(ws, "2019-12", tmp_path / "d"))["01 Fostering"]
    new = [c.value for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith("K-")]
    assert len(new) == 1 and new != keys["a"]


def test_a_child_reference_in_any_cell_stops_the_workbook(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, top=THRESHOLD)
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "date,cost_centre,account,amount,description,supplier,reference,placement_id\n"
        "2019-12-20,FOS1,5100,10.00,Contact visit ch900001,Taxi for CH900001,TX1,\n"
        "2019-12-20,STF1,5000,99000.00,Agency,Cover for ch900001,TX2,\n",
        encoding="utf-8",
    )
    store = ws.open()
    try:
        import_ledger(store, extra, ws.settings.financial_year, append=True)
    finally:
        store.close()
    res = CliRunner().invoke(
        app,
        ["outturn", "--period", "2019-12", "-w", str(ws.path), "--detail", "--out", str(tmp_path / "o.xlsx")],
    )
    assert res.exit_code == 2
    assert "the detail workbook was not written: 1 cell(s) hold a child reference ('02 Staff'!A" in res.stderr
    assert "900001" not in res.output and "900001" not in res.stderr
    assert not (tmp_path / "outturn-2019-12-detail.xlsx").exists()
    assert not list(tmp_path.glob(".detail-*"))


def test_a_broken_secret_is_reported(tmp_path: Path) -> None:
    ws = small_authority(tmp_path)
    (ws.path / SECRET_FILE).write_text("not hex\n", encoding="ascii")
    with pytest.raises(WorkspaceError, match="is not a careladder secret"):
        workspace_secret(ws.path)


def test_outturn_without_detail_writes_no_detail(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, top=THRESHOLD)
    outturn_at(ws, "2019-12")
    assert not list(tmp_path.glob("*detail*"))
