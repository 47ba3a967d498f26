"""Hostile files through the CLI, table-driven: each is refused with the right `file:row: column`, exit 2, no
traceback and nothing of it stored; or it is stored, reconciled to the penny, with its doubtful rows named.

Every file is built here, small, in tmp_path. The workspace has the hand-checked mapping and budget of
tests/data (CLA10 5* -> Independent Fostering Agencies, ...).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from budget.cli import app
from ledgers.importers.budgets import import_budget
from ledgers.importers.mapping import import_mapping
from ledgers.store.workspace import init_workspace

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()

# what is stored of each kind: (rows, total pence)
STORED = {
    "ledger": "SELECT count(*), COALESCE(sum(amount_p), 0) FROM ledger",
    "budget": "SELECT count(*), COALESCE(sum(gross_p + income_p), 0) FROM budget",
    "mapping": "SELECT count(*), 0 FROM mapping",
    "placements": "SELECT count(*), COALESCE(sum(weekly_cost_p), 0) FROM placements",
    "savings": "SELECT count(*), COALESCE(sum(target_p), 0) FROM savings",
    "adjustments": "SELECT count(*), COALESCE(sum(amount_p), 0) FROM adjustments",
}
TABLE = {k: k for k in STORED}

GL = "date,cost_centre,account,amount,description\n"
IFA = "Independent Fostering Agencies"
BUDGET = "line,heading,gross,income\n"
SAVINGS = "scheme,line,year,target,mitigation\n"
ADJ = "line,amount,reason\n"
PLACEMENTS = "placement_id,child_ref,line,start_date,weekly_cost\n"


def xlsx(rows: list[list[object]], at: dict[str, object] | None = None) -> Callable[[], bytes]:
    """An XLSX file of ``rows`` from A1 (None = empty cell), then cells ``at`` set by address."""

    def build() -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        for ref, v in (at or {}).items():
            ws[ref] = v
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    return build


def truncated_xlsx() -> bytes:
    return xlsx([["date", "cost_centre", "account", "amount"], ["2019-12-02", "CLA10", "5100", 1]])()[:300]


def encrypted_workbook() -> bytes:
    # an OLE compound file holding an EncryptionInfo stream: what Excel writes for a password-protected .xlsx
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 64
    )


def xlsx_named_csv() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()


Body = bytes | str | Callable[[], bytes] | None  # None: the path is a folder; "MISSING": no file


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the CLI group: ledger, budget, mapping, placements, savings, adjustments
    name: str  # the file's name
    body: Body
    said: tuple[str, ...]  # lines (or parts) the output must hold, exactly
    stored: tuple[int, int] | None = None  # accepted: (rows, pence) stored of that kind afterwards
    args: tuple[str, ...] = ()
    before: tuple[tuple[str, str], ...] = ()  # earlier imports of the same kind: (file name, text)
    query: tuple[str, object] | None = None  # accepted: a SQL check on the store and its answer
    never_said: tuple[str, ...] = ()  # text that must not appear (a child reference)


CASES = [
    # --- ragged and shifted rows -------------------------------------------------------------------------
    Case(
        "ledger-unquoted-comma-shifts-row",
        "ledger",
        "gl.csv",
        "date,description,cost_centre,account,amount\n2019-12-01,Fees,CLA10,5100,100.00\n"
        "2019-12-02,Fees, December,CLA10,5620,200.00\n",
        (
            "gl.csv:3: has 6 fields but the header (row 1) has 5: a comma inside unquoted text shifts the "
            "columns",
        ),
    ),
    Case(
        "ledger-extra-empty-field-still-refused",
        "ledger",
        "gl.csv",
        "date,description,cost_centre,account,amount\n2019-12-02,Fees, December,CLA10,5620,\n",
        ("gl.csv:2: has 6 fields but the header (row 1) has 5",),
    ),
    Case(
        "ledger-short-row-missing-optional-description",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,fees\n2019-12-03,CLA10,5100,50.25\n",
        ("reconciled to the penny",),
        stored=(2, 15_025),
    ),
    Case(
        "ledger-short-row-missing-amount",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,fees\n2019-12-03,CLA10,5100\n",
        ("gl.csv:3: has 3 fields but the header (row 1) has 5: no amount",),
    ),
    Case(
        "ledger-footer-total-skipped",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,a\n2019-12-03,CLA10,5100,200.50,b\n,,,300.50,Total\n",
        (
            "gl.csv:4: total row (no date, cost_centre or account; amount £300.50, the sum of the rows above) "
            "skipped as a footer",
            "reconciled to the penny",
        ),
        stored=(2, 30_050),
    ),
    Case(
        "ledger-footer-labelled-total-in-date-column",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,a\n2019-12-03,CLA10,5100,200.50,b\nGrand Total,,,300.50,\n",
        ("gl.csv:4: total row", "reconciled to the penny"),
        stored=(2, 30_050),
    ),
    Case(
        "ledger-footer-that-is-not-the-sum",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,a\n2019-12-03,CLA10,5100,200.50,b\n,,,999.00,Total\n",
        (
            "gl.csv:4: column 'amount': looks like a total row (no date, cost_centre or account) but £999.00 is "
            "not the sum of the rows above (£300.50)",
        ),
    ),
    # --- blank lines, line breaks and line endings -------------------------------------------------------
    Case(
        "ledger-row-number-after-blank-lines",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,a\n\n\n2019-12-03,CLA10,5100,12x,b\n",
        ("gl.csv:5: column 'amount': '12x' is not an amount",),
    ),
    Case(
        "ledger-xlsx-row-number-after-blank-rows",
        "ledger",
        "gl.xlsx",
        xlsx(
            [
                ["GL export"],
                [],
                ["date", "cost_centre", "account", "amount"],
                ["2019-12-02", "CLA10", "5100", 100],
                [],
                ["2019-12-03", "CLA10", "5100", "12x"],
            ]
        ),
        ("gl.xlsx:6: column 'amount': '12x' is not an amount",),
    ),
    Case(
        "ledger-quoted-line-break-read",
        "ledger",
        "gl.csv",
        GL + '2019-12-02,CLA10,5100,100.00,"two\nlines"\n2019-12-03,CLA10,5100,0.99,b\n',
        ("reconciled to the penny",),
        stored=(2, 10_099),
        query=("SELECT description FROM ledger WHERE amount_p = 10000", "two\nlines"),
    ),
    Case(
        "ledger-row-number-after-quoted-line-break",
        "ledger",
        "gl.csv",
        GL + '2019-12-02,CLA10,5100,100.00,"two\r\nlines"\r\n2019-12-03,CLA10,5100,1.234,b\r\n',
        ("gl.csv:3: column 'amount': '1.234' is not an amount",),
    ),
    Case(
        "ledger-row-number-after-quoted-break-and-blank-line",
        "ledger",
        "gl.csv",
        GL + '2019-12-02,CLA10,5100,100.00,"two\nlines"\n\n2019-12-03,CLA10,5100,1.234,b\n',
        ("gl.csv:4: column 'amount': '1.234' is not an amount",),
    ),
    Case(
        "ledger-lone-cr-between-crlf-rows",
        "ledger",
        "gl.csv",
        GL.replace("\n", "\r\n") + "2019-10-03,CLA10,5100,100.00,a\r2019-10-04,CLA10,5100,400.00,b\r\n",
        ("reconciled to the penny",),
        stored=(2, 50_000),
        query=("SELECT min(date) FROM ledger WHERE amount_p = 40000", date(2019, 10, 4)),
    ),
    Case(
        "ledger-old-mac-cr-only",
        "ledger",
        "gl.csv",
        (GL + "2019-10-03,CLA10,5100,100.00,a\n2019-10-04,CLA10,5100,400.00,b\n").replace("\n", "\r"),
        ("reconciled to the penny",),
        stored=(2, 50_000),
        query=("SELECT max(date) FROM ledger", date(2019, 10, 4)),
    ),
    Case(
        "ledger-unterminated-quote",
        "ledger",
        "gl.csv",
        GL + '2019-12-02,CLA10,5100,100.00,"fees\n2019-12-03,CLA10,5100,200.00,b\n',
        ('a quote (") opens a field but is not closed where the field ends',),
    ),
    # --- header problems ---------------------------------------------------------------------------------
    Case(
        "ledger-duplicate-amount-columns",
        "ledger",
        "gl.csv",
        "date,cost_centre,account,amount,description,Amount\n2019-12-02,CLA10,5100,100.00,a,200.00\n",
        ("gl.csv:1: columns D 'amount' and F 'Amount' have the same name: rename or remove one",),
    ),
    Case(
        "ledger-missing-account-column",
        "ledger",
        "gl.csv",
        "date,cost_centre,amount\n2019-12-02,CLA10,100.00\n",
        ("gl.csv:1: no header row with the required columns for a ledger file: missing account",),
    ),
    Case(
        "ledger-header-below-title-rows",
        "ledger",
        "gl.csv",
        "Council GL,,,\nPrinted 06/01/2020,,,\n"
        + GL
        + "2019-12-02,CLA10,5100,100.00,a\n2019-12-03,CLA10,5100,£,b\n",
        ("gl.csv:5: column 'amount': '£' is not an amount",),
    ),
    Case(
        "ledger-header-only",
        "ledger",
        "gl.csv",
        GL,
        ("gl.csv:1: the file has no ledger rows, only a header",),
    ),
    Case("ledger-empty-file", "ledger", "gl.csv", b"", ("gl.csv: the file is empty: no header row found",)),
    # --- encodings and what the file really is -----------------------------------------------------------
    Case(
        "ledger-utf16",
        "ledger",
        "gl.csv",
        (GL + "2019-12-02,CLA10,5100,100.00,a\n").encode("utf-16"),
        ("gl.csv: is a UTF-16 (Unicode) text file: open it in Excel and save it as 'CSV UTF-8",),
    ),
    Case(
        "ledger-cp1252-pound-sign",
        "ledger",
        "gl.csv",
        (GL + '2019-12-02,CLA10,5100,"£1,234.56",Café\n').encode("cp1252"),
        ("reconciled to the penny",),
        stored=(1, 123_456),
        query=("SELECT description FROM ledger", "Café"),
    ),
    Case(
        "ledger-binary-file",
        "ledger",
        "gl.csv",
        b"date,cost_centre,account,amount\n" + bytes(range(256)) * 4,
        ("gl.csv: is not a text (CSV) file: it holds binary data",),
    ),
    Case(
        "ledger-xlsx-saved-as-csv-name",
        "ledger",
        "gl.csv",
        xlsx_named_csv,
        ("gl.csv: is an Excel workbook with a .csv name: rename it to .xlsx",),
    ),
    Case(
        "ledger-truncated-xlsx",
        "ledger",
        "gl.xlsx",
        truncated_xlsx,
        ("gl.xlsx: is damaged or not a complete Excel workbook: open it in Excel and save it again",),
    ),
    Case(
        "ledger-password-protected-workbook",
        "ledger",
        "gl.xlsx",
        encrypted_workbook,
        ("gl.xlsx: is a password-protected workbook: remove the password",),
    ),
    # --- Excel cells -------------------------------------------------------------------------------------
    Case(
        "ledger-xlsx-formula-without-stored-value",
        "ledger",
        "gl.xlsx",
        xlsx(
            [["date", "cost_centre", "account", "amount"], ["2019-12-02", "CLA10", "5100", None]],
            {"D2": "=1+2"},
        ),
        (
            "gl.xlsx:2: column 'amount': is a formula with no stored value: open and save the file in Excel so "
            "values are stored",
        ),
    ),
    Case(
        "ledger-xlsx-excel-error-cost-centre",
        "ledger",
        "gl.xlsx",
        xlsx([["date", "cost_centre", "account", "amount"], ["2019-12-02", "#N/A", "5100", 10]]),
        ("gl.xlsx:2: column 'cost_centre': is the Excel error #N/A: correct the formula in the workbook",),
    ),
    Case(
        "ledger-csv-excel-error-amount",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,#REF!,a\n",
        ("gl.csv:2: column 'amount': is the Excel error #REF!",),
    ),
    Case(
        "ledger-xlsx-1e20-amount",
        "ledger",
        "gl.xlsx",
        xlsx([["date", "cost_centre", "account", "amount"], ["2019-12-02", "CLA10", "5100", 1e20]]),
        ("gl.xlsx:2: column 'amount': '100000000000000000000' is too large for an amount",),
    ),
    Case(
        "ledger-xlsx-value-right-of-header",
        "ledger",
        "gl.xlsx",
        xlsx(
            [["date", "cost_centre", "account", "amount"], ["2019-12-02", "CLA10", "5100", 10, None, "note"]]
        ),
        ("gl.xlsx:2: has a value in column F, right of the header's last column D",),
    ),
    # --- amounts, dates, huge values ---------------------------------------------------------------------
    Case(
        "ledger-20-digit-amount",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,12345678901234567890,a\n",
        ("gl.csv:2: column 'amount': '12345678901234567890' is too large for an amount",),
    ),
    Case(
        "ledger-amounts-in-wrong-forms",
        "ledger",
        "gl.csv",
        GL
        + '2019-12-02,CLA10,5100,"1.234,56",a\n2019-12-02,CLA10,5100,12.345,b\n2019-12-02,CLA10,5100,"1,23",c\n'
        "2019-12-02,CLA10,5100,1e5,d\n2019-12-02,CLA10,5100,(-5),e\n",
        (
            "gl.csv:2: column 'amount': '1.234,56' is not an amount",
            "gl.csv:3: column 'amount': '12.345' is not an amount",
            "gl.csv:4: column 'amount': '1,23' is not an amount",
            "gl.csv:5: column 'amount': '1e5' is not an amount",
            "gl.csv:6: column 'amount': '(-5)' is not an amount",
        ),
    ),
    Case(
        "ledger-bad-and-ambiguous-dates",
        "ledger",
        "gl.csv",
        GL + "31/02/2020,CLA10,5100,1,a\n2019-13-01,CLA10,5100,1,b\n12/31/2019,CLA10,5100,1,c\n"
        "0019-10-04,CLA10,5100,1,d\n",
        (
            "gl.csv:2: column 'date': '31/02/2020' is not a date",
            "gl.csv:3: column 'date': '2019-13-01' is not a date",
            "gl.csv:4: column 'date': '12/31/2019' is not a date",
            "gl.csv:5: column 'date': '0019-10-04' is not a date",
        ),
    ),
    Case(
        "ledger-3mb-narrative-read",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00," + "x" * 3_000_000 + "\n2019-12-03,CLA10,5100,1.00,b\n",
        ("reconciled to the penny",),
        stored=(2, 10_100),
        query=("SELECT max(length(description)) FROM ledger", 3_000_000),
    ),
    Case(
        "ledger-formula-injection-stays-text",
        "ledger",
        "gl.csv",
        GL + '2019-12-02,CLA10,5100,100.00,"=HYPERLINK(""http://x"",""y"")"\n',
        ("reconciled to the penny",),
        stored=(1, 10_000),
        query=("SELECT description FROM ledger", '=HYPERLINK("http://x","y")'),
    ),
    # --- paths -------------------------------------------------------------------------------------------
    Case("ledger-folder-as-file", "ledger", "folder", None, ("folder: is a folder, not a file",)),
    Case("ledger-missing-file", "ledger", "nothere.csv", "MISSING", ("nothere.csv: file not found",)),
    # --- sequences ---------------------------------------------------------------------------------------
    Case(
        "ledger-ytd-again-after-december-correction",
        "ledger",
        "ytd.csv",
        GL + "2019-11-30,CLA10,5100,100.00,a\n2019-12-31,CLA10,5100,200.00,b\n",
        ("replaced stored periods 2019/20-P08, 2019/20-P09", "reconciled to the penny"),
        stored=(2, 30_000),
        before=(
            ("ytd.csv", GL + "2019-11-30,CLA10,5100,100.00,a\n2019-12-31,CLA10,5100,200.00,b\n"),
            ("dec.csv", GL + "2019-12-31,CLA10,5100,999.00,corrected\n"),
        ),
    ),
    Case(
        "ledger-append-same-file-twice-is-skipped",
        "ledger",
        "gl.csv",
        GL + "2019-12-02,CLA10,5100,100.00,a\n",
        ("nothing to do",),
        stored=(1, 10_000),
        args=("--append",),
        before=(("gl.csv", GL + "2019-12-02,CLA10,5100,100.00,a\n"),),
    ),
    # --- budget ------------------------------------------------------------------------------------------
    Case(
        "budget-header-only",
        "budget",
        "b.csv",
        BUDGET,
        ("b.csv:1: the file has no budget rows, only a header",),
    ),
    Case(
        "budget-header-only-with-clear-empties-it",
        "budget",
        "b.csv",
        BUDGET,
        ("Imported budget from b.csv",),
        stored=(0, 0),
        args=("--clear",),
    ),
    Case(
        "budget-total-row-skipped",
        "budget",
        "b.csv",
        BUDGET + f"{IFA},CLA,1000,0\nDSG,CLA,0,-250.50\nTotal,,1000,-250.50\n",
        ("b.csv:4: total row", "reconciled to the penny"),
        stored=(2, 74_950),
    ),
    Case(
        "budget-duplicate-gross",
        "budget",
        "b.csv",
        "line,heading,gross,income,Gross\nA,H,1,0,2\n",
        ("b.csv:1: columns C 'gross' and E 'Gross' have the same name",),
    ),
    Case(
        "budget-shifted-row",
        "budget",
        "b.csv",
        BUDGET + "Fostering, IFA,CLA,1000,0\n",
        ("b.csv:2: has 5 fields but the header (row 1) has 4",),
    ),
    # --- mapping -----------------------------------------------------------------------------------------
    Case(
        "mapping-header-only",
        "mapping",
        "m.csv",
        "cost_centre,account,line,heading\n",
        ("m.csv:1: the file has no mapping rows, only a header",),
    ),
    Case(
        "mapping-xlsx-formula-line-without-value",
        "mapping",
        "m.xlsx",
        xlsx(
            [["cost_centre", "account", "line", "heading"], ["CLA10", "5*", None, "CLA"]], {"C2": '=A1&"x"'}
        ),
        ("m.xlsx:2: column 'line': is a formula with no stored value",),
    ),
    # --- savings -----------------------------------------------------------------------------------------
    Case(
        "savings-header-only",
        "savings",
        "s.csv",
        SAVINGS,
        ("s.csv:1: the file has no savings rows, only a header",),
    ),
    Case(
        "savings-target-tbc",
        "savings",
        "s.csv",
        SAVINGS + f"Step down,{IFA},2019/20,tbc,\n",
        ("s.csv:2: column 'target': 'tbc' is not an amount",),
    ),
    Case(
        "savings-formula-injection-mitigation-stored-as-text",
        "savings",
        "s.csv",
        SAVINGS + f"Step down,{IFA},2019/20,\"50,000\",=cmd|' /C calc'!A0\n",
        ("reconciled to the penny",),
        stored=(1, 5_000_000),
        query=("SELECT mitigation FROM savings", "=cmd|' /C calc'!A0"),
    ),
    # --- adjustments -------------------------------------------------------------------------------------
    Case(
        "adjustments-header-only", "adjustments", "a.csv", ADJ, ("a.csv:1: the file has no adjustments rows",)
    ),
    Case(
        "adjustments-huge-amount",
        "adjustments",
        "a.csv",
        ADJ + f"{IFA},99999999999999999,known pressure\n",
        ("a.csv:2: column 'amount': '99999999999999999' is too large for an amount",),
    ),
    # --- placements --------------------------------------------------------------------------------------
    Case(
        "placements-shifted-row-never-echoes-child-ref",
        "placements",
        "p.csv",
        PLACEMENTS + f"P1,CHREF0001,{IFA},01/04/2019,800\nP2,CHREF0002,{IFA}, extra,01/04/2019,800\n",
        ("p.csv:3: has 6 fields but the header (row 1) has 5",),
        never_said=("CHREF",),
    ),
    Case(
        "placements-header-only-with-clear",
        "placements",
        "p.csv",
        PLACEMENTS,
        ("Imported placements from p.csv",),
        stored=(0, 0),
        args=("--clear",),
    ),
]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    w = init_workspace(tmp_path / "ws", "Test Trust", "2019/20", contract_value=1_000_000)
    s = w.open()
    try:
        import_mapping(s, DATA / "mapping.csv", w.settings.financial_year)
        import_budget(s, DATA / "budget.csv", w.settings.financial_year)
    finally:
        s.close()
    return w.path


def _contents(ws: Path, kind: str) -> list[tuple[object, ...]]:
    from ledgers.store.workspace import load_workspace

    s = load_workspace(ws).open()
    try:
        return s.con.execute(f"SELECT * FROM {TABLE[kind]} ORDER BY ALL").fetchall()
    finally:
        s.close()


def _ask(ws: Path, sql: str) -> object:
    from ledgers.store.workspace import load_workspace

    s = load_workspace(ws).open()
    try:
        row = s.con.execute(sql).fetchone()
        assert row is not None
        return row if len(row) > 1 else row[0]
    finally:
        s.close()


def _file(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.name
    if case.body is None:
        path.mkdir()
    elif case.body == "MISSING":
        pass
    elif isinstance(case.body, str):
        path.write_bytes(case.body.encode("utf-8"))
    elif isinstance(case.body, bytes):
        path.write_bytes(case.body)
    else:
        path.write_bytes(case.body())
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_file_case(case: Case, ws: Path, tmp_path: Path) -> None:
    for name, text in case.before:
        f = tmp_path / "before" / name
        f.parent.mkdir(exist_ok=True)
        f.write_text(text)
        res = runner.invoke(app, [case.kind, "import", str(f), "-w", str(ws), *case.args])
        assert res.exit_code == 0, res.output
    before = _contents(ws, case.kind)
    path = _file(tmp_path, case)
    res = runner.invoke(app, [case.kind, "import", str(path), "-w", str(ws), *case.args])
    out = " ".join(res.output.split())  # rich wraps long lines on narrow terminals
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    for text in case.said:
        assert " ".join(text.split()) in out, res.output
    for text in case.never_said:
        assert text not in res.output
    if case.stored is None:
        assert res.exit_code == 2, res.output
        assert "nothing was imported" in out or "error:" in out
        assert _contents(ws, case.kind) == before  # nothing of the file stored
    else:
        assert res.exit_code == 0, res.output
        assert _ask(ws, STORED[case.kind]) == case.stored
        if case.query is not None:
            assert _ask(ws, case.query[0]) == case.query[1]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 35
    assert {c.kind for c in CASES} == set(STORED)
