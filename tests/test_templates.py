"""The input templates: the contract's columns, example rows that parse, XLSX twins, and copying them out."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from budget.cli.templates import app
from budget.workbooks.templates import INPUT_TEMPLATES, copy_templates, templates_dir, xlsx_from_csv
from ledgers.readers.money import pence_from_text

COLUMNS = {
    "mapping": ["cost_centre", "account", "line", "heading", "kind"],
    "budget": ["line", "heading", "gross", "income", *[f"p{i}" for i in range(1, 13)], "method",
               "budget_numbers", "budget_unit_cost", "funded_by"],
    "ledger": ["date", "cost_centre", "account", "amount", "description", "supplier", "reference", "placement_id"],
    "placements": ["placement_id", "child_ref", "line", "start_date", "weekly_cost", "end_date",
                   "planned_end_date", "provider", "placement_type"],
    "savings": ["scheme", "line", "year", "target", "delivered", "forecast", "rag", "owner", "recurrent",
                "model_from_line", "model_to_line", "model_start", "model_count", "model_every_months",
                "model_weekly_cost", "model_annual_running_cost"],
    "adjustments": ["line", "amount", "reason", "period", "one_off"],
    "funding": ["fund", "line", "total", "start_year", "end_year", "spent_to_date"],
    "cash": ["date", "balance"],
}  # fmt: skip


def table(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("name", INPUT_TEMPLATES)
def test_csv_template_has_the_contract_columns_and_a_few_examples(name: str) -> None:
    rows = table(templates_dir() / f"{name}.csv")
    assert rows[0] == COLUMNS[name]
    # the budget example holds every line the other examples use, so that the templates import together
    assert 3 <= len(rows) - 1 <= (12 if name == "budget" else 5)
    assert all(len(r) == len(rows[0]) for r in rows)


def test_example_amounts_parse_and_budget_profiles_add_up() -> None:
    folder = templates_dir()
    for r in csv.DictReader((folder / "budget.csv").open(encoding="utf-8")):
        net = pence_from_text(r["gross"]) + pence_from_text(r["income"])
        if r["p1"]:
            assert sum(pence_from_text(r[f"p{i}"]) for i in range(1, 13)) == net, r["line"]
    ledger = list(csv.DictReader((folder / "ledger.csv").open(encoding="utf-8")))
    assert [pence_from_text(r["amount"]) for r in ledger][2:] == [44_821_055, 10_840_000, -123_456]
    placements = list(csv.DictReader((folder / "placements.csv").open(encoding="utf-8")))
    assert pence_from_text(placements[0]["weekly_cost"]) == 77_700


@pytest.mark.parametrize("name", INPUT_TEMPLATES)
def test_xlsx_template_holds_the_csv_rows(name: str) -> None:
    csv_rows = table(templates_dir() / f"{name}.csv")
    sheet = openpyxl.load_workbook(templates_dir() / f"{name}.xlsx").worksheets[0]
    xlsx_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert xlsx_rows[0] == csv_rows[0]
    assert len(xlsx_rows) == len(csv_rows)
    for want_row, got_row in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        for column, want, got in zip(csv_rows[0], want_row, got_row, strict=True):
            if want == "":
                assert got is None
            elif isinstance(got, datetime):
                assert got.strftime("%Y-%m-%d") == want
            elif isinstance(got, int | float):
                assert got == pytest.approx(float(want)), column
            else:
                assert got == want, column  # codes such as account 5620 stay text


def test_xlsx_templates_are_rebuilt_identically(tmp_path: Path) -> None:
    for name in INPUT_TEMPLATES:
        rebuilt = xlsx_from_csv(templates_dir() / f"{name}.csv", tmp_path / f"{name}.xlsx")
        assert rebuilt.read_bytes() == (templates_dir() / f"{name}.xlsx").read_bytes(), name


def test_copy_templates_writes_every_template_and_keeps_an_officers_copy(tmp_path: Path) -> None:
    written = copy_templates(tmp_path / "out")
    names = {p.name for p in written}
    assert {f"{n}.{ext}" for n in INPUT_TEMPLATES for ext in ("csv", "xlsx")} <= names
    edited = tmp_path / "out" / "budget.csv"
    edited.write_text("line,heading,gross,income\nMy line,My heading,1.00,0.00\n", encoding="utf-8")
    assert copy_templates(tmp_path / "out") == []
    assert edited.read_text(encoding="utf-8").startswith("line,heading,gross,income\nMy line")
    again = copy_templates(tmp_path / "out", overwrite=True)
    assert edited in again and table(edited)[0] == COLUMNS["budget"]


def test_templates_command_copies_into_outdir(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [str(tmp_path / "t"), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "placements.xlsx").is_file() and (tmp_path / "t" / "mapping.csv").is_file()


def test_the_templates_import_together_into_a_fresh_workspace(tmp_path: Path) -> None:
    """An officer trying careladder with the templates alone gets every file accepted."""
    from budget.workbooks.templates import templates_dir
    from ledgers.importers.budgets import import_budget
    from ledgers.importers.cash import import_cash_balances
    from ledgers.importers.funding import import_funding
    from ledgers.importers.ledger import import_ledger
    from ledgers.importers.mapping import import_mapping
    from ledgers.importers.placements import import_placements
    from ledgers.importers.plans import import_adjustments, import_savings
    from ledgers.store.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", "Template Trust", "2019/20")
    fy = ws.settings.financial_year
    d = templates_dir()
    store = ws.open()
    try:
        for fn, name in (
            (import_mapping, "mapping.csv"),
            (import_budget, "budget.csv"),
            (import_ledger, "ledger.csv"),
            (import_placements, "placements.csv"),
            (import_savings, "savings.csv"),
            (import_adjustments, "adjustments.csv"),
            (import_funding, "funding.csv"),
            (import_cash_balances, "cash.csv"),
        ):
            out = fn(store, d / name, fy)
            assert out.rows_stored > 0 and out.control_total_p == out.stored_total_p, name
            xlsx = fn(store, d / name.replace(".csv", ".xlsx"), fy)
            assert xlsx.skipped or xlsx.stored_total_p == out.stored_total_p, name
    finally:
        store.close()
