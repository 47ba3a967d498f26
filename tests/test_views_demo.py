"""The demo's detail workbook, Cash and Funding sheets: no child reference anywhere, keys stable under the
workspace secret, links that land, and LibreOffice recalculating every new sheet to the tool's figures."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from budget.demo.run import run_demo
from budget.monthend.detail import stored_child_refs
from budget.monthend.outturn import outturn_report
from budget.workbooks.detail import write_detail
from ledgers.store.secret import SECRET_FILE
from ledgers.store.workspace import load_workspace

from recalc import cache_mismatches, formula_cells, recalculated_copies, soffice


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("views") / "demo"
    run_demo(out, say=lambda _: None)
    return out


def refs_and_ids(demo: Path) -> tuple[set[str], set[str]]:
    store = load_workspace(demo / "workspace").open(read_only=True)
    try:
        ids = {str(r[0]) for r in store.con.execute("SELECT placement_id FROM placements").fetchall()}
        return stored_child_refs(store.con), ids
    finally:
        store.close()


def every_cell(path: Path) -> list[tuple[str, str, object]]:
    wb = openpyxl.load_workbook(path)
    out: list[tuple[str, str, object]] = [(name, "(sheet name)", name) for name in wb.sheetnames]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.append((ws.title, c.coordinate, c.value))
                if c.hyperlink is not None:
                    out.append((ws.title, c.coordinate, c.hyperlink.location))
    return out


def keys_of(path: Path) -> list[str]:
    return sorted(str(v) for _, _, v in every_cell(path) if isinstance(v, str) and v.startswith("K-"))


def test_no_child_reference_or_placement_id_in_any_cell(demo: Path) -> None:
    refs, ids = refs_and_ids(demo)
    assert len(refs) > 1000
    detail = demo / "outturn-2019-12-detail.xlsx"
    cells = every_cell(detail)
    assert len(cells) > 2000
    texts = [(s, c, str(v).lower()) for s, c, v in cells]
    lowered = {r.lower() for r in refs}
    hits = [(s, c) for s, c, t in texts if any(r in t for r in lowered)]
    assert hits == []
    assert [(s, c) for s, c, v in cells if str(v) in ids] == []
    # the meeting workbook holds no child-level detail at all: no keys and no references
    meeting = every_cell(demo / "outturn-2019-12.xlsx")
    assert not [
        v for _, _, v in meeting if isinstance(v, str) and (v.startswith("K-") or v.lower() in lowered)
    ]


def test_keys_same_in_two_runs_and_change_with_the_secret(demo: Path, tmp_path: Path) -> None:
    ws = load_workspace(demo / "workspace")
    first = keys_of(demo / "outturn-2019-12-detail.xlsx")
    assert len(first) > 300 and len(set(first)) > 0.4 * len(first)
    store = ws.open()
    try:
        report = outturn_report(store.con, ws.settings, "2019-12", save=False)
        (tmp_path / "again").mkdir()
        again = keys_of(write_detail(store.con, ws.path, report, tmp_path / "again"))
        secret = (ws.path / SECRET_FILE).read_text()
        (ws.path / SECRET_FILE).unlink()
        try:
            (tmp_path / "new").mkdir()
            changed = keys_of(write_detail(store.con, ws.path, report, tmp_path / "new"))
        finally:
            (ws.path / SECRET_FILE).write_text(secret)
    finally:
        store.close()
    assert again == first
    assert len(changed) == len(first) and not set(changed) & set(first)


def test_every_index_link_lands_on_its_sheet(demo: Path) -> None:
    wb = openpyxl.load_workbook(demo / "outturn-2019-12-detail.xlsx")
    index = wb["Index"]
    links = [(c.value, c.hyperlink.location) for c in index["F"] if c.hyperlink is not None]
    lines = [r[2].value for r in index.iter_rows(min_row=6) if r[0].value == "line"]
    assert len(links) >= len(lines) >= 10
    for text, location in links:
        sheet, cell = location.rsplit("!", 1)
        assert sheet.strip("'") == text and text in wb.sheetnames and cell == "A1"
        back = wb[text]["A4"]
        assert back.hyperlink is not None and back.hyperlink.location == "'Index'!A1"
    assert len({t for t, _ in links}) == len(wb.sheetnames) - 1  # every detail sheet is linked


def test_demo_meeting_workbook_has_cash_and_funding(demo: Path) -> None:
    wb = openpyxl.load_workbook(demo / "outturn-2019-12.xlsx", data_only=True)
    assert {"Cash", "Funding"} <= set(wb.sheetnames)
    funding = wb["Funding"]
    assert funding["A6"].value == "Innovation Programme (DfE Partners in Practice)"
    assert funding["E6"].value == 2390000
    cash = wb["Cash"]
    assert cash["A12"].value == "Month-end balance" and cash["C7"].value == 3000000


def test_libreoffice_recalculates_the_new_sheets_to_the_tools_figures(demo: Path, tmp_path: Path) -> None:
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    files = [demo / "outturn-2019-12.xlsx", demo / "outturn-2019-12-detail.xlsx"]
    copies = recalculated_copies(files, tmp_path)
    sheets = {s for f in files for s, _ in formula_cells(f)}
    assert {"Cash", "Funding", "01 Out of Area Residential"} <= sheets
    for original, copy in zip(files, copies, strict=True):
        assert cache_mismatches(original, copy) == {}, original.name


def test_new_sheets_print_one_page_across_at_a_readable_scale(demo: Path) -> None:
    """A4 landscape, one page wide; at most 141 column widths across as stored (xlsxwriter adds 0.71 of padding to
    each), which LibreOffice prints at >= 74%: measured from the rendered PDF's text height, the Cash sheet's 139.7
    printed at 75%, the Funding sheet's 138 at 78%."""
    books = [
        (demo / "outturn-2019-12.xlsx", ["Cash", "Funding"]),
        (demo / "outturn-2019-12-detail.xlsx", None),
    ]
    for path, names in books:
        wb = openpyxl.load_workbook(path)
        for ws in [wb[n] for n in names] if names else wb.worksheets:
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
            setup = ws.page_setup
            assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1), ws.title
            assert setup.fitToHeight == 0, ws.title  # as many pages down as it takes
            title = str(ws["A2"].value)
            assert ws.oddFooter.center.text == title and "2019/20 as at P9" in title, ws.title
            widths = {}
            for dim in ws.column_dimensions.values():
                for col in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
                    widths[col] = dim.width
            across = sum(widths.get(c, 8.43) for c in range(1, ws.max_column + 1))
            assert across <= 141, (ws.title, across)
