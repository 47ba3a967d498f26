"""Income on mixed cost centres: each cost centre / account is expenditure or income, decided once.

A small authority, worked by hand, 2019/20 at P9 (December). Four lines, each on its own cost centre:

- Contract (heading Contract Value), K1/9000: -£62,500 a month; budget income -£750,000.
- Family Support (Other Services), F1: staff 5000 £9,000 a month; supplies 5200 £500 a month and in
  December a £6,000 refund (so supplies net -£1,500 for the year: a credit); grant 9100 -£2,000 a month.
  Budget gross £120,000, income -£24,000.
- Legal (Other Services), L1/5300: £10,000 a month, and in P1 the reversal of last year's £3,000 accrual.
  Budget gross £90,000.
- Residential (CWD) (Children Looked After), commitments, R1: one placement at £7,000 a week (£1,000 a day)
  from 1 April, open, invoiced month by month on 5100 (£275,000 for the 275 days to 31 December, so nothing
  to accrue); CHC contributions on 9200, -£5,000 a month, carrying the placement id. Budget gross £366,000,
  income -£72,000.

The ledger arrives as two year-to-date files: to November (P1-P8), then to December (P1-P9), which replaces
P1-P8 and adds the refund. Without a ``kind`` column every combination is decided by the sign of its net
postings when first seen, in the November file: the refund that makes supplies a net credit in December does
not turn them into income (it is warned about), nor does the P1 reversal turn Legal into income.

By hand, forecast outturn (gross / income, £):
- Contract: 0 / -750,000 (9 × -62,500 + 3 × -62,500). Variance 0.
- Family Support: gross actuals 8 × 9,500 + 3,500 = 79,500; December (3,500) is a one-off, out of the run
  rate, so 3 × 9,500 = 28,500 more: 108,000. Income 9 × -2,000 + 3 × -2,000 = -24,000. Net 84,000 against
  96,000: £12,000 underspend.
- Legal: 7,000 + 8 × 10,000 = 87,000, then 3 × 10,000: 117,000 against 90,000: £27,000 overspend.
- Residential: 275,000 invoiced + Jan-Mar (31 + 29 + 31 days) £91,000 = 366,000 gross; CHC income
  9 × -5,000 + 3 × -5,000 = -60,000 against the -72,000 budgeted: £12,000 short, an overspend.
- Total: budget 576,000 / -846,000 (net -270,000); forecast 591,000 / -834,000 (net -243,000): £27,000
  overspend.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.report import OutturnReport
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.store.workspace import Workspace, init_workspace, load_workspace

from conftest import outturn_at, write

MONTH_ENDS = ["2019-04-30", "2019-05-31", "2019-06-30", "2019-07-31", "2019-08-31", "2019-09-30"]
MONTH_ENDS += ["2019-10-31", "2019-11-30", "2019-12-31"]
DAYS = [30, 31, 30, 31, 31, 30, 31, 30, 31]

MAPPING_PLAIN = (
    "cost_centre,account,line,heading\n"
    "K1,*,Contract,Contract Value\n"
    "F1,*,Family Support,Other Services\n"
    "L1,*,Legal,Other Services\n"
    "R1,*,Residential (CWD),Children Looked After\n"
)
MAPPING_KIND = (
    "cost_centre,account,line,heading,kind\n"
    "K1,*,Contract,Contract Value,income\n"
    "F1,5*,Family Support,Other Services,expenditure\n"
    "F1,9*,Family Support,Other Services,income\n"
    "L1,*,Legal,Other Services,expenditure\n"
    "R1,5*,Residential (CWD),Children Looked After,expenditure\n"
    "R1,9*,Residential (CWD),Children Looked After,income\n"
)
BUDGET = (
    "line,heading,gross,income,method\n"
    "Residential (CWD),Children Looked After,366000,-72000,commitments\n"
    "Family Support,Other Services,120000,-24000,run-rate\n"
    "Legal,Other Services,90000,0,run-rate\n"
    "Contract,Contract Value,0,-750000,run-rate\n"
)
PLACEMENTS = (
    "placement_id,child_ref,line,start_date,weekly_cost\nPL1,CH-1,Residential (CWD),2019-04-01,7000\n"
)


def ledger(periods: int) -> str:
    rows = ["date,cost_centre,account,amount,description,placement_id"]
    for i, (d, days) in enumerate(zip(MONTH_ENDS[:periods], DAYS, strict=False)):
        rows += [
            f"{d},K1,9000,-62500.00,Contract instalment,",
            f"{d},F1,5000,9000.00,Salaries,",
            f"{d},F1,5200,500.00,Supplies,",
            f"{d},F1,9100,-2000.00,Troubled families grant,",
            f"{d},L1,5300,10000.00,Counsel fees,",
            f"{d},R1,5100,{days * 1000}.00,Residential invoice,PL1",
            f"{d},R1,9200,-5000.00,CHC contribution,PL1",
        ]
        if i == 0:
            rows.append(f"{d},L1,5300,-3000.00,Reversal of 2018/19 accrual,")
        if i == 8:
            rows.append(f"{d},F1,5200,-6000.00,Supplier refund,")
    return "\n".join(rows) + "\n"


def authority(tmp: Path, mapping: str, settings: str = "") -> tuple[Workspace, list[object]]:
    """The workspace of the module docstring; returns it and the import outcomes."""
    ws = init_workspace(tmp / "ws", "Mixed Trust", "2019/20", contract_value=750_000)
    if settings:
        toml = ws.path / "careladder.toml"
        toml.write_text(settings + "\n" + toml.read_text())
        ws = load_workspace(ws.path)
    write(tmp / "map.csv", mapping)
    write(tmp / "budget.csv", BUDGET)
    write(tmp / "pl.csv", PLACEMENTS)
    write(tmp / "gl-nov.csv", ledger(8))
    write(tmp / "gl-dec.csv", ledger(9))
    income = ws.settings.income_accounts
    fy = ws.settings.financial_year
    s = ws.open()
    try:
        outcomes: list[object] = [
            import_mapping(s, tmp / "map.csv", fy, income_accounts=income),
            import_budget(s, tmp / "budget.csv", fy),
            import_placements(s, tmp / "pl.csv", fy),
            import_ledger(s, tmp / "gl-nov.csv", fy, income_accounts=income),
            import_ledger(s, tmp / "gl-dec.csv", fy, income_accounts=income),
        ]
    finally:
        s.close()
    return ws, outcomes


def figures(r: OutturnReport) -> dict[str, tuple[int, int, int, int]]:
    """Every line, heading and the total: (budget gross, budget income, forecast gross, forecast income)."""
    out = {}
    for level, items in (("line", r.lines), ("heading", r.headings)):
        for x in items:
            f = x.figures
            out[f"{level}|{x.name}"] = (
                f.budget_gross_p,
                f.budget_income_p,
                f.forecast_gross_p,
                f.forecast_income_p,
            )
    t = r.grand_total
    out["total"] = (t.budget_gross_p, t.budget_income_p, t.forecast_gross_p, t.forecast_income_p)
    return out


BY_HAND = {
    "line|Residential (CWD)": (36_600_000, -7_200_000, 36_600_000, -6_000_000),
    "line|Family Support": (12_000_000, -2_400_000, 10_800_000, -2_400_000),
    "line|Legal": (9_000_000, 0, 11_700_000, 0),
    "line|Contract": (0, -75_000_000, 0, -75_000_000),
    "heading|Children Looked After": (36_600_000, -7_200_000, 36_600_000, -6_000_000),
    "heading|Other Services": (21_000_000, -2_400_000, 22_500_000, -2_400_000),
    "heading|Contract Value": (0, -75_000_000, 0, -75_000_000),
    "total": (57_600_000, -84_600_000, 59_100_000, -83_400_000),
}


@pytest.mark.parametrize(
    "mapping, settings",
    [(MAPPING_KIND, ""), (MAPPING_PLAIN, ""), (MAPPING_PLAIN, 'income_accounts = ["9*"]')],
    ids=["kind-given", "by-sign", "by-setting"],
)
def test_mixed_cost_centres_give_the_hand_worked_outturn_however_classified(
    tmp_path: Path, mapping: str, settings: str
) -> None:
    ws, _ = authority(tmp_path, mapping, settings)
    r = outturn_at(ws, "2019-12")
    assert figures(r) == BY_HAND
    variances = {ln.name: ln.figures.variances(r.variance_sign) for ln in r.lines}
    assert variances["Family Support"] == (1_200_000, 0, 1_200_000)  # £12,000 underspend on spend
    assert variances["Residential (CWD)"] == (0, -1_200_000, -1_200_000)  # £12,000 of CHC income short
    assert variances["Legal"][2] == -2_700_000
    assert r.surplus.net_position_p == -2_700_000  # £27,000 overspend


def test_no_kind_column_gives_the_same_outturn_as_kind_given_to_the_penny(tmp_path: Path) -> None:
    given, _ = authority(tmp_path / "a", MAPPING_KIND)
    plain, _ = authority(tmp_path / "b", MAPPING_PLAIN)
    a, b = outturn_at(given, "2019-12"), outturn_at(plain, "2019-12")
    assert figures(a) == figures(b)
    assert [(v.level, v.name, v.amount_p) for v in a.variances] == [
        (v.level, v.name, v.amount_p) for v in b.variances
    ]


def test_each_combination_decided_once_and_a_refund_is_warned_about_not_reclassified(tmp_path: Path) -> None:
    ws, outcomes = authority(tmp_path, MAPPING_PLAIN)
    november, december = outcomes[3], outcomes[4]
    listed = " ".join(november.messages)  # type: ignore[attr-defined]
    assert "classified 7 new code combination(s)" in listed
    assert "F1/5200 expenditure: sign of its net postings when first seen: £4,000.00 debit" in listed
    assert "L1/5300 expenditure: sign of its net postings when first seen: £77,000.00 debit" in listed
    assert "R1/9200 income: sign of its net postings when first seen: £40,000.00 credit" in listed
    assert not any("classified" in m for m in december.messages)  # type: ignore[attr-defined]
    warnings = [str(w) for w in december.warnings]  # type: ignore[attr-defined]
    assert any(
        "F1 account 5200 was classified expenditure" in w
        and "now net to £1,500.00 credit: kept as expenditure" in w
        for w in warnings
    )
    s = ws.open()
    try:
        kinds = dict(
            ((cc, acct), kind)
            for cc, acct, kind in s.con.execute(
                "SELECT DISTINCT cost_centre, account, kind FROM ledger"
            ).fetchall()
        )
    finally:
        s.close()
    assert kinds[("F1", "5200")] == "expenditure" and kinds[("L1", "5300")] == "expenditure"
    assert kinds[("F1", "9100")] == "income" and kinds[("K1", "9000")] == "income"


def test_decisions_are_listed_on_the_notes_sheet_and_in_the_json(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    out = tmp_path / "outturn.xlsx"
    res = CliRunner().invoke(
        app, ["outturn", "--period", "2019-12", "--out", str(out), "--json", "-w", str(ws.path)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    kinds = {(c["cost_centre"], c["account"]): (c["kind"], c["reason"]) for c in data["classifications"]}
    assert kinds[("R1", "9200")][0] == "income"
    assert kinds[("F1", "5200")] == (
        "expenditure",
        "sign of its net postings when first seen: £4,000.00 debit; postings to date net £1,500.00 credit: "
        "kept as expenditure",
    )
    notes = openpyxl.load_workbook(out)["Notes"]
    rows = {r[0]: r[1:4] for r in notes.iter_rows(values_only=True) if r[0]}
    assert rows["R1 / 9200"] == (
        "sign of its net postings when first seen: £40,000.00 credit",
        "income",
        "Residential (CWD)",
    )
    assert rows["L1 / 5300"][1] == "expenditure"


def test_a_changed_setting_or_mapping_reclassifies_and_says_so(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    toml = ws.path / "careladder.toml"
    toml.write_text('income_accounts = ["92*"]\n' + toml.read_text())
    ws = load_workspace(ws.path)
    r = outturn_at(ws, "2019-12")
    said = " ".join(r.messages)
    assert "the setting income_accounts changed (was not set, now '92*')" in said
    assert "re-classified 2 stored code combination(s)" in said
    assert "F1/9100 income -> expenditure (account matches no income_accounts pattern ('92*'))" in said
    assert "K1/9000 income -> expenditure" in said
    contract = next(ln for ln in r.lines if ln.name == "Contract")
    assert (contract.figures.forecast_gross_p, contract.figures.forecast_income_p) == (-75_000_000, 0)
    # the setting removed again: back to the sign of the stored postings
    toml.write_text(toml.read_text().replace('income_accounts = ["92*"]\n', ""))
    r = outturn_at(load_workspace(ws.path), "2019-12")
    assert "K1/9000 expenditure -> income (sign of its net postings when first seen: £500,000.00 credit)" in (
        " ".join(r.messages)
    )
    assert figures(r) == BY_HAND
    # a mapping with a kind re-classifies the stored rows too, and the import says so
    write(
        tmp_path / "map2.csv",
        MAPPING_KIND.replace(
            "F1,5*,Family Support,Other Services,expenditure", "F1,5*,Family Support,Other Services,income"
        ),
    )
    s = ws.open()
    try:
        outcome = import_mapping(s, tmp_path / "map2.csv", ws.settings.financial_year)
    finally:
        s.close()
    said = " ".join(outcome.messages)
    assert "the mapping changed: re-classified 2 stored code combination(s)" in said
    assert "F1/5000 expenditure -> income (mapping kind 'income' (mapping row 3))" in said


def test_a_refund_first_seen_alone_is_income_until_the_mapping_says_otherwise(tmp_path: Path) -> None:
    """Only a refund in the file: by sign it is income (a credit); a kind in the mapping corrects it."""
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    write(tmp_path / "gl-jan.csv", "date,cost_centre,account,amount\n2020-01-15,F1,5400,-800.00\n")
    s = ws.open()
    try:
        fy = ws.settings.financial_year
        jan = import_ledger(s, tmp_path / "gl-jan.csv", fy)
        assert "F1/5400 income: sign of its net postings when first seen: £800.00 credit" in " ".join(
            jan.messages
        )
        write(
            tmp_path / "map2.csv",
            MAPPING_PLAIN.replace("heading\n", "heading,kind\n")
            + "F1,54*,Family Support,Other Services,expenditure\n",
        )
        again = import_mapping(s, tmp_path / "map2.csv", fy)
        assert "F1/5400 income -> expenditure (mapping kind 'expenditure' (mapping row 6))" in " ".join(
            again.messages
        )
        assert s.con.execute("SELECT kind FROM ledger WHERE account = '5400'").fetchall() == [
            ("expenditure",)
        ]
    finally:
        s.close()


def test_a_period_the_ledger_does_not_reach_is_refused_unless_allowed(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    runner = CliRunner()
    for command in ("forecast", "outturn"):
        res = runner.invoke(app, [command, "--period", "2020-02", "-w", str(ws.path)])
        assert res.exit_code == 2, res.output
        assert "the ledger holds 2019/20 postings to P9 (2019-12) only, not to P11 (2020-02)" in res.output
        assert "careladder ledger import FILE" in res.output and "--allow-missing-actuals" in res.output
        assert "Traceback" not in res.output
    out = tmp_path / "feb.xlsx"
    args = ["outturn", "--period", "2020-02", "--out", str(out), "--json", "--allow-missing-actuals"]
    res = runner.invoke(app, [*args, "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert "P10–P11 forecast, not actuals" in data["missing_actuals"]
    # P10 and P11 are forecast from the December actuals, so the year lands where December's outturn did
    r = outturn_at(ws, "2020-02", allow_missing_actuals=True)
    assert figures(r) == BY_HAND
    book = openpyxl.load_workbook(out)
    for sheet in book.worksheets:
        assert "ACTUALS MISSING: the ledger holds 2019/20 postings to P9 (2019-12) only" in str(
            sheet["A1"].value
        )
    res = runner.invoke(
        app, ["forecast", "--period", "2020-02", "--json", "--allow-missing-actuals", "-w", str(ws.path)]
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["missing_actuals"] == data["missing_actuals"]
    assert "warning: ACTUALS MISSING" in res.stderr


def test_the_stored_forecast_keeps_gross_and_income_and_placement_income_is_forecast(tmp_path: Path) -> None:
    """Family Support and the placement line forecast statistically ('forecast'), with a year of history."""
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    write(
        tmp_path / "budget.csv",
        BUDGET.replace(",run-rate\nLegal", ",forecast\nLegal").replace(",commitments", ",forecast"),
    )
    history = (
        ledger(9).replace("2019-", "2018-").replace("2018-12-31,F1,5200,-6000.00,Supplier refund,\n", "")
    )
    history += "".join(
        f"{d},F1,5000,9000.00,Salaries,\n{d},F1,9100,-2000.00,Grant,\n"
        for d in ("2019-01-31", "2019-02-28", "2019-03-31")
    )
    write(tmp_path / "gl-history.csv", history)
    # this year without the refund, so no month comes in a lump (a lumpy line keeps the run-rate rules)
    write(tmp_path / "gl-dec2.csv", ledger(9).replace("2019-12-31,F1,5200,-6000.00,Supplier refund,\n", ""))
    s = ws.open()
    try:
        fy = ws.settings.financial_year
        import_budget(s, tmp_path / "budget.csv", fy)
        import_ledger(s, tmp_path / "gl-history.csv", fy, history=True)
        import_ledger(s, tmp_path / "gl-dec2.csv", fy)
    finally:
        s.close()
    res = CliRunner().invoke(app, ["forecast", "--period", "2019-12", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    months = {ln["line"]: ln["months"] for ln in json.loads(res.stdout)["lines"]}
    family = months["Family Support"]
    assert all(
        m["income"] < 0 < m["gross"] and m["cost"] == pytest.approx(m["gross"] + m["income"]) for m in family
    )
    s = ws.open()
    try:
        stored = s.con.execute(
            "SELECT sum(gross_p), sum(income_p) FROM forecast_months WHERE line = 'Family Support' AND period = 9"
        ).fetchone()
    finally:
        s.close()
    assert stored is not None and stored[1] < 0 < stored[0]
    r = outturn_at(ws, "2019-12")
    line = {ln.name: ln for ln in r.lines}
    assert line["Family Support"].method == "forecast"
    assert line["Family Support"].method_note.startswith("stored by 'careladder forecast'")
    # the outturn reads back the stored split: actuals (gross £85,500, income -£18,000) + the stored months
    assert line["Family Support"].figures.forecast_gross_p == 8_550_000 + stored[0]
    assert line["Family Support"].figures.forecast_income_p == -1_800_000 + stored[1]
    # the placement line's gross comes from the placement model; its CHC income (-£5,000 a month) carries on
    assert line["Residential (CWD)"].figures.forecast_income_p == -6_000_000
    assert [m["income"] for m in months["Residential (CWD)"]] == [-5000.0, -5000.0, -5000.0]


def test_a_store_from_before_decisions_were_kept_is_upgraded_and_classified(tmp_path: Path) -> None:
    """An older version-1 store: no decisions table, forecasts stored net only. Opening it adds them; the
    first month end decides its stored rows by their net postings and says so."""
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    s = ws.open()
    try:
        s.con.execute("DROP TABLE account_kinds")
        s.con.execute("DELETE FROM meta WHERE key = 'income_accounts'")
        s.con.execute("ALTER TABLE forecast_months DROP COLUMN gross_p")
        s.con.execute("ALTER TABLE forecast_months DROP COLUMN income_p")
    finally:
        s.close()
    r = outturn_at(ws, "2019-12")
    said = " ".join(r.messages)
    assert "stored ledger rows classified for the first time: re-classified" in said
    # decided from the stored (December) postings: the refund's supplies are a net credit there
    assert (
        "F1/5200 unclassified -> income (sign of its net postings stored when re-classified: £1,500.00 credit)"
        in said
    )
    assert figures(r)["line|Contract"] == BY_HAND["line|Contract"]


def test_an_import_that_does_not_pass_the_setting_keeps_the_one_in_force(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN, 'income_accounts = ["9*"]')
    write(tmp_path / "gl-jan.csv", "date,cost_centre,account,amount\n2020-01-15,F1,9300,250.00\n")
    s = ws.open()
    try:
        jan = import_ledger(
            s, tmp_path / "gl-jan.csv", ws.settings.financial_year
        )  # no income_accounts given
        kinds = dict(s.con.execute("SELECT account, kind FROM ledger WHERE cost_centre = 'F1'").fetchall())
    finally:
        s.close()
    said = " ".join(jan.messages)
    assert "re-classified" not in said
    assert "F1/9300 income: account matches income_accounts '9*'" in said  # a debit, but a 9 account
    assert kinds == {"5000": "expenditure", "5200": "expenditure", "9100": "income", "9300": "income"}
