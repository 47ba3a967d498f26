"""Officer commentary: typed into a real outturn workbook, imported, carried forward with review marks."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from budget.cli.commentary import register
from budget.monthend.commentary import carried_text, needs_review, workbook_entries
from budget.monthend.report import OutturnReport
from budget.workbooks.outturn import write_outturn_workbook
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.plans import import_adjustments
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Workspace, init_workspace, load_workspace

from conftest import import_all, outturn_at, write

MONTH_ENDS = [
    "2019-04-30",
    "2019-05-31",
    "2019-06-30",
    "2019-07-31",
    "2019-08-31",
    "2019-09-30",
    "2019-10-31",
    "2019-11-30",
    "2019-12-31",
]

cli = typer.Typer()


@cli.callback()
def _root() -> None:
    """careladder (test harness holding only the commentary commands)."""


register(cli)
runner = CliRunner()


def build(tmp: Path, travel: bool = False) -> Workspace:
    """Staff: budget £600,000 (£50,000 a month), spending £52,000 a month → £24,000 overspend by run rate.
    Legal: budget £120,000 (£10,000 a month), spending £12,000 a month → £24,000 overspend.
    At P9 an officer adds £60,000 to Staff (agency pay uplift): its variance moves to £84,000 overspend.
    With ``travel``: Travel (Other Services) budget £12,000, spending £1,500 a month → £6,000 overspend,
    under the £10,000 threshold, so Other Services has an 'other variances' row."""
    ws = init_workspace(tmp / "ws", "Hand Trust", "2019/20", contract_value=0)
    toml = (
        (ws.path / "careladder.toml")
        .read_text()
        .replace("variance_threshold = 100000", "variance_threshold = 10000")
    )
    (ws.path / "careladder.toml").write_text(toml)
    ws = load_workspace(ws.path)
    write(
        tmp / "map.csv",
        "cost_centre,account,line,heading\nC2,*,Staff,Safeguarding\nC3,*,Legal,Other Services\n"
        "C4,*,Travel,Other Services\n",
    )
    write(
        tmp / "budget.csv",
        "line,heading,gross,income," + ",".join(f"p{i}" for i in range(1, 13)) + "\n"
        f"Staff,Safeguarding,600000,0,{','.join(['50000'] * 12)}\n"
        f"Legal,Other Services,120000,0,{','.join(['10000'] * 12)}\n"
        + (f"Travel,Other Services,12000,0,{','.join(['1000'] * 12)}\n" if travel else ""),
    )
    rows = ["date,cost_centre,account,amount"]
    for d in MONTH_ENDS:
        rows += [f"{d},C2,5000,52000", f"{d},C3,5000,12000"] + ([f"{d},C4,5000,1500"] if travel else [])
    write(tmp / "gl.csv", "\n".join(rows) + "\n")
    write(tmp / "adj.csv", "line,amount,reason,period\nStaff,60000,Agency pay uplift,P9\n")
    import_all(
        ws,
        (import_mapping, tmp / "map.csv"),
        (import_budget, tmp / "budget.csv"),
        (import_ledger, tmp / "gl.csv"),
        (import_adjustments, tmp / "adj.csv"),
    )
    return ws


def run(ws: Workspace, period: str) -> OutturnReport:
    return outturn_at(ws, period, models=())


def commentary(report: OutturnReport) -> dict[str, str]:
    return {f"{v.level}|{v.name}": v.commentary for v in report.variances if v.commentary}


def type_commentary(path: Path, words: dict[str, str]) -> None:
    """Open the workbook as an officer would and type into the Commentary column next to each key."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Variances"]
    for row in ws.iter_rows(min_row=6):
        key = row[7].value
        if isinstance(key, str) and key in words:
            row[6].value = words[key]
    wb.save(path)


def test_round_trip_carry_forward_and_review(tmp_path: Path) -> None:
    ws = build(tmp_path)
    p8 = run(ws, "2019-11")
    assert {v.name: v.amount_p for v in p8.variances if v.level == "line"} == {
        "Staff": -2_400_000,
        "Legal": -2_400_000,
    }
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(p8, book)
    type_commentary(
        book,
        {
            "line|Staff": "Two agency social workers covering vacancies.",
            "line|Legal": "Court fees above budget.",
        },
    )
    res = runner.invoke(
        cli, ["commentary", "import", str(book), "--author", "A. Officer", "-w", str(ws.path)]
    )
    assert res.exit_code == 0, res.output
    assert "2 comment(s) stored for P8" in res.output

    assert commentary(run(ws, "2019-11")) == {
        "line|Staff": "Two agency social workers covering vacancies.",
        "line|Legal": "Court fees above budget.",
    }
    p9 = run(ws, "2019-12")
    # Staff moved from £24,000 to £84,000 overspend (£60,000 > £50,000): review; Legal unchanged
    assert {v.name: v.amount_p for v in p9.variances if v.level == "line"} == {
        "Staff": -8_400_000,
        "Legal": -2_400_000,
    }
    assert commentary(p9) == {
        "line|Staff": "carried forward from P8 — review: Two agency social workers covering vacancies.",
        "line|Legal": "carried forward from P8: Court fees above budget.",
    }
    # re-running never loses the words
    assert commentary(run(ws, "2019-12")) == commentary(p9)

    # the officer reviews Staff in the P9 workbook and leaves Legal's carried-forward words as they were
    book9 = tmp_path / "outturn-2019-12.xlsx"
    write_outturn_workbook(p9, book9)
    type_commentary(book9, {"line|Staff": "Agency pay uplift of £60k added this month."})
    res = runner.invoke(cli, ["commentary", "import", str(book9), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert "1 comment(s) stored for P9" in res.output
    assert commentary(run(ws, "2019-12")) == {
        "line|Staff": "Agency pay uplift of £60k added this month.",
        "line|Legal": "carried forward from P8: Court fees above budget.",
    }
    # P8's own words are still there as written
    assert commentary(run(ws, "2019-11"))["line|Staff"] == "Two agency social workers covering vacancies."


def test_csv_import_needs_a_period_and_is_carried_forward(tmp_path: Path) -> None:
    ws = build(tmp_path)
    run(ws, "2019-11")
    csv = write(tmp_path / "c.csv", "Key,Commentary\nline|Legal,Solicitors' fees rising\n")
    res = runner.invoke(cli, ["commentary", "import", str(csv), "-w", str(ws.path)])
    assert res.exit_code != 0 and "--period" in res.output
    res = runner.invoke(cli, ["commentary", "import", str(csv), "--period", "2019-11", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    # the variance when written comes from the stored P8 run (£24,000 overspend); unchanged at P9
    assert commentary(run(ws, "2019-12"))["line|Legal"] == "carried forward from P8: Solicitors' fees rising"


def test_changed_layout_is_a_clear_error(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "o.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    wb = openpyxl.load_workbook(book)
    wb["Variances"]["H5"] = "Ref"
    wb.save(book)
    with pytest.raises(WorkspaceError, match=r"sheet 'Variances'.*'Key' and 'Commentary'.*H5 'Key'"):
        workbook_entries(book)
    wb["Variances"].title = "Variance notes"
    wb.save(book)
    with pytest.raises(WorkspaceError, match=r"no sheet named 'Variances' \(sheets: .*Variance notes"):
        workbook_entries(book)


def test_review_rule_ten_percent_or_fifty_thousand() -> None:
    # £400,000 → £445,000: moved £45,000, over 10% (£40,000) → review
    assert needs_review(40_000_000, 44_500_000)
    # £1,000,000 → £1,045,000: moved £45,000, under 10% and under £50k → no review
    assert not needs_review(100_000_000, 104_500_000)
    # £1,000,000 → £1,050,001: over £50k → review
    assert needs_review(100_000_000, 105_000_100)
    assert carried_text(8, "Text", 100_000_000, 100_000_000, 9) == "carried forward from P8: Text"
    assert carried_text(9, "Text", 1, 100_000_000, 9) == "Text"


def stored_commentary(ws: Workspace) -> list[tuple[int, str, str]]:
    s = ws.open()
    try:
        rows = s.con.execute("SELECT period, key, text FROM commentary ORDER BY key").fetchall()
    finally:
        s.close()
    return [(int(p), k, t) for p, k, t in rows]


def test_commentary_on_an_inserted_row_without_a_key_stops_the_import(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    type_commentary(book, {"line|Staff": "Two agency social workers covering vacancies."})
    wb = openpyxl.load_workbook(book)
    sheet = wb["Variances"]
    sheet.insert_rows(7)
    sheet["G7"] = "Legal: court fees above budget."
    wb.save(book)
    assert sheet["H7"].value is None
    res = runner.invoke(cli, ["commentary", "import", str(book), "-w", str(ws.path)])
    assert res.exit_code == 2, res.output
    assert (
        "Variances!G7: commentary on a row with no Key — the row was added or the Key deleted; "
        "move the text to a row with a Key or add the key" in res.output
    )
    # all or nothing: Staff's keyed words were not stored either
    assert stored_commentary(ws) == []

    # a CSV row with words but no key is refused the same way
    csv = write(tmp_path / "c.csv", "key,commentary\nline|Legal,Court fees\n,Staff agency cover\n")
    res = runner.invoke(cli, ["commentary", "import", str(csv), "--period", "2019-11", "-w", str(ws.path)])
    assert res.exit_code == 2 and "c.csv row 3: commentary with no key" in res.output
    assert stored_commentary(ws) == []


def test_key_matching_no_row_of_the_period_is_warned_and_kept(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    wb = openpyxl.load_workbook(book)
    sheet = wb["Variances"]
    cells = {row[7].value: row[7].coordinate for row in sheet.iter_rows(min_row=6) if row[7].value}
    assert "heading|Safeguarding" in cells and "line|Staff" in cells
    staff = cells["line|Staff"]
    sheet[staff] = "line|Staffing"  # an officer edited the key
    sheet[staff.replace("H", "G")] = "Agency cover."
    sheet[cells["heading|Safeguarding"].replace("H", "G")] = "Safeguarding overspend."
    wb.save(book)
    res = runner.invoke(cli, ["commentary", "import", str(book), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert f"warning: Variances!{staff}: key 'line|Staffing' matches no line or heading" in res.output
    assert "heading|Safeguarding'" not in res.output  # a real heading key is not warned about
    assert "2 comment(s) stored for P8" in res.output
    assert stored_commentary(ws) == [
        (8, "heading|Safeguarding", "Safeguarding overspend."),
        (8, "line|Staffing", "Agency cover."),
    ]

    csv = write(
        tmp_path / "c.csv",
        "key,commentary\nother|Other Services,Small lines.\nline|Nope,Typed against a typo.\n",
    )
    res = runner.invoke(cli, ["commentary", "import", str(csv), "--period", "2019-11", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert "warning: c.csv row 3: key 'line|Nope' matches no line or heading" in res.output
    assert "other|Other Services'" not in res.output
    assert (8, "line|Nope", "Typed against a typo.") in stored_commentary(ws)

    # a period with no stored run: the keys cannot be checked, said once, and the words are kept
    res = runner.invoke(cli, ["commentary", "import", str(csv), "--period", "2019-10", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert res.output.count("warning:") == 1 and "no stored outturn run for P7 (2019-10)" in res.output


def import_book(ws: Workspace, book: Path) -> str:
    res = runner.invoke(cli, ["commentary", "import", str(book), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    return res.output


def test_words_appended_to_carried_forward_commentary_are_stored(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    type_commentary(book, {"line|Staff": "Agency cover.", "line|Legal": "Court fees above budget."})
    import_book(ws, book)
    book9 = tmp_path / "outturn-2019-12.xlsx"
    write_outturn_workbook(run(ws, "2019-12"), book9)
    type_commentary(
        book9,
        {
            "line|Staff": "carried forward from P8 — review: Agency cover. December: £60k pay uplift added.",
            "line|Legal": "carried forward from P8: Court fees above budget. December: two more hearings.",
        },
    )
    assert "2 comment(s) stored for P9" in import_book(ws, book9)
    assert commentary(run(ws, "2019-12")) == {
        "line|Staff": "Agency cover. December: £60k pay uplift added.",
        "line|Legal": "Court fees above budget. December: two more hearings.",
    }
    # the regenerated P9 workbook imported again stores nothing new; a mark left untouched is skipped too
    write_outturn_workbook(run(ws, "2019-12"), book9)
    type_commentary(
        book9,
        {"line|Legal": "carried forward from P8: Court fees above budget. December: two more hearings."},
    )
    assert "0 comment(s) stored for P9" in import_book(ws, book9)


def test_other_variances_row_is_not_marked_for_review_when_unchanged(tmp_path: Path) -> None:
    ws = build(tmp_path, travel=True)
    p8 = run(ws, "2019-11")
    other = [v for v in p8.variances if v.level == "other"]
    # Travel: £12,000 budget against £18,000 forecast by run rate → £6,000 overspend, the only small line
    assert [(v.heading, v.amount_p) for v in other] == [("Other Services", -600_000)]
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(p8, book)
    type_commentary(book, {"other|Other Services": "Travel claims.", "line|Legal": "Court fees."})
    import_book(ws, book)  # saved by openpyxl: no cached Amount values in the workbook
    s = ws.open()
    try:
        kept = dict(s.con.execute("SELECT key, variance_p FROM commentary").fetchall())
    finally:
        s.close()
    assert kept == {"other|Other Services": -600_000, "line|Legal": -2_400_000}
    shown = commentary(run(ws, "2019-12"))
    assert shown["other|Other variances under £10k"] == "carried forward from P8: Travel claims."
    assert shown["line|Legal"] == "carried forward from P8: Court fees."


def test_changing_the_variance_sign_alone_marks_nothing_for_review(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    type_commentary(book, {"line|Staff": "Agency cover.", "line|Legal": "Court fees."})
    import_book(ws, book)
    toml = ws.path / "careladder.toml"
    toml.write_text(toml.read_text().replace('"budget-minus-forecast"', '"forecast-minus-budget"', 1))
    ws = load_workspace(ws.path)
    assert ws.settings.variance_sign == "forecast-minus-budget"
    p9 = run(ws, "2019-12")
    assert {v.name: v.amount_p for v in p9.variances if v.level == "line"} == {
        "Staff": 8_400_000,
        "Legal": 2_400_000,
    }
    # Legal is £24,000 overspend in both periods; Staff really moved £60,000
    assert commentary(p9) == {
        "line|Staff": "carried forward from P8 — review: Agency cover.",
        "line|Legal": "carried forward from P8: Court fees.",
    }


def test_the_same_key_on_two_rows_stops_the_import(tmp_path: Path) -> None:
    ws = build(tmp_path)
    book = tmp_path / "outturn-2019-11.xlsx"
    write_outturn_workbook(run(ws, "2019-11"), book)
    type_commentary(book, {"line|Staff": "Agency cover.", "line|Legal": "Court fees."})
    wb = openpyxl.load_workbook(book)
    sheet = wb["Variances"]
    cells = {row[7].value: row[7].coordinate for row in sheet.iter_rows(min_row=6) if row[7].value}
    sheet[cells["line|Legal"]] = "line|Staff"
    wb.save(book)
    res = runner.invoke(cli, ["commentary", "import", str(book), "-w", str(ws.path)])
    assert res.exit_code == 2, res.output
    first, second = sorted([cells["line|Staff"], cells["line|Legal"]], key=lambda c: int(c[1:]))
    assert f"Variances!{first} and Variances!{second}: the same Key 'line|Staff' is on 2 rows" in res.output
    assert stored_commentary(ws) == []
