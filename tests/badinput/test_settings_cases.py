"""Bad careladder.toml settings: every one named with the file, the setting and the values it accepts, exit 2,
no traceback, nothing stored; on every command that opens the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from badinput.conftest import DATA, accepted, refused, run, string_cells

BASE = 'authority = "Test Trust"\nfinancial_year = "2019/20"\n'
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

PCT = "use a fraction from -1 to 1, such as 0.03 for 3% a year (-0.02 for a 2% fall)"
SHARE = "use a fraction from 0 to 1, such as 0.90 for 90%"
RAG = "use a fraction from 0 to 1, such as 0.02 for 2% of the budget"
CHANGE = "use a fraction from -1 to 5, such as 0.10 for 10% more (-0.10 for 10% fewer)"
POUNDS = "write a number of pounds such as 100000 (no £ or commas, at most 2 decimal places)"

# (case id, careladder.toml body after authority and financial_year, the line expected after "<file>: ")
CASES = [
    (
        "share-above-1",
        "[contract]\nsurplus_share_to_council = 1.5\n",
        f"[contract] surplus_share_to_council: 1.5 is more than 1; {SHARE}",
    ),
    (
        "share-negative",
        "[contract]\nsurplus_share_to_council = -0.1\n",
        f"[contract] surplus_share_to_council: -0.1 is less than 0; {SHARE}",
    ),
    (
        "overspend-share-2",
        "[contract]\noverspend_share_to_council = 2\n",
        f"[contract] overspend_share_to_council: 2 is more than 1; {SHARE}",
    ),
    (
        "share-as-text",
        '[contract]\nsurplus_share_to_council = "ninety percent"\n',
        f"[contract] surplus_share_to_council: 'ninety percent' is not a number; {SHARE}",
    ),
    (
        "contract-is-a-number",
        "contract = 51642000\n",
        "[contract]: 51642000 is a single value where a table of settings belongs; "
        "write [contract] with value = 51642000 on the line below",
    ),
    (
        "contract-value-pounds-sign",
        '[contract]\nvalue = "£51,642,000"\n',
        f"[contract] value: '£51,642,000' is not a number of pounds; {POUNDS}",
    ),
    ("contract-value-negative", "[contract]\nvalue = -5\n", f"[contract] value: -5 is negative; {POUNDS}"),
    (
        "retained-band-negative",
        "[contract]\nretained_in_full = -250000\n",
        f"[contract] retained_in_full: -250000 is negative; {POUNDS}",
    ),
    ("rag-amber-list", "rag_amber = [0.02]\n", f"rag_amber: [0.02] (a list) is not a number; {RAG}"),
    ("rag-red-percent", "rag_red = 5\n", f"rag_red: 5 is more than 1; {RAG}"),
    (
        "rag-amber-above-red",
        "rag_amber = 0.10\nrag_red = 0.05\n",
        "rag_amber: 0.1 is above rag_red (0.05); amber must start at or below red",
    ),
    ("rag-nan", "rag_amber = nan\n", f"rag_amber: nan is not a number; {RAG}"),
    ("rag-bool", "rag_red = true\n", f"rag_red: true (true/false) is not a number; {RAG}"),
    (
        "threshold-with-commas",
        'variance_threshold = "100,000"\n',
        f"variance_threshold: '100,000' is not a number of pounds; {POUNDS}",
    ),
    ("threshold-negative", "variance_threshold = -1\n", f"variance_threshold: -1 is negative; {POUNDS}"),
    (
        "threshold-sub-penny",
        "variance_threshold = 100000.555\n",
        f"variance_threshold: 100000.555 has more than 2 decimal places; {POUNDS}",
    ),
    (
        "threshold-huge",
        "variance_threshold = 1e15\n",
        f"variance_threshold: 1000000000000000.0 is more than £1,000,000,000,000; {POUNDS}",
    ),
    (
        "sign-unknown",
        'variance_sign = "budget - forecast"\n',
        "variance_sign: 'budget - forecast' is not allowed; use 'budget-minus-forecast' or 'forecast-minus-budget'",
    ),
    (
        "threshold-misspelt",
        "variance_treshold = 50000\n",
        "variance_treshold: is not a setting; did you mean variance_threshold?",
    ),
    (
        "income-accounts-not-a-list",
        'income_accounts = "9*"\n',
        "income_accounts: '9*' is not a list of codes; write a list of account codes or prefixes ending in *, "
        'such as ["9*"]',
    ),
    ("inflation-percent", "[forecast]\ninflation = 3\n", f"[forecast] inflation: 3 is more than 1; {PCT}"),
    (
        "inflation-text",
        '[forecast]\ninflation = "3%"\n',
        f"[forecast] inflation: '3%' is not a number; {PCT}",
    ),
    (
        "uplift-is-a-number",
        "[forecast]\nuplift = 0.05\n",
        "[forecast.uplift]: 0.05 is not a table; write a [forecast.uplift] section with one line = fraction per "
        'budget line, such as "Out of Area Residential" = 0.05',
    ),
    (
        "uplift-line-text",
        '[forecast.uplift]\n"Out of Area Residential" = "five"\n',
        f"[forecast.uplift] \"Out of Area Residential\": 'five' is not a number; {PCT}",
    ),
    (
        "pay-award-bool",
        "[mtfs]\npay_award = true\n",
        f"[mtfs] pay_award: true (true/false) is not a number; {PCT}",
    ),
    (
        "contract-line-number",
        "[mtfs]\ncontract_line = 5\n",
        '[mtfs] contract_line: 5 is not a name; write text in quotes, such as "Contract Value"',
    ),
    (
        "mtfs-is-a-list",
        "mtfs = [1, 2]\n",
        "[mtfs]: [1, 2] (a list) is a single value where a table of settings belongs; "
        "write [mtfs] with pay_award = 0.02 on the line below",
    ),
    (
        "red-at-risk-above-1",
        "[savings]\nred_at_risk = 1.25\n",
        "[savings] red_at_risk: 1.25 is more than 1; use a fraction from 0 to 1, such as 0.25 for 25% of the target",
    ),
    (
        "scenario-demand-percent",
        "[scenarios.high-demand]\ndemand_change = 10\n",
        f"[scenarios.high-demand] demand_change: 10 is more than 5; {CHANGE}",
    ),
    (
        "scenario-price-text",
        '[scenarios.shock]\nprice_change = { "Secure" = "high" }\n',
        f"[scenarios.shock.price_change] Secure: 'high' is not a number; {CHANGE}",
    ),
    (
        "scenario-savings-yes",
        '[scenarios.plan]\nsavings = "yes"\n',
        "[scenarios.plan] savings: 'yes' is not true or false; write true or false (no quotes)",
    ),
    (
        "scenario-unknown-key",
        "[scenarios.plan]\ndemnd_change = 0.1\n",
        "[scenarios.plan] demnd_change: is not a setting; did you mean demand_change?",
    ),
    (
        "scenario-other-key",
        "[scenarios.plan]\nstarts = 0.1\n",
        "[scenarios.plan] starts: is not a setting here; use contract_growth, demand_change, description, "
        "pay_award, price_change, savings",
    ),
    (
        "scenarios-a-value",
        'scenarios = "none"\n',
        "[scenarios]: 'none' is a single value where a table of settings belongs; write [scenarios.NAME] tables",
    ),
    (
        "scenario-a-value",
        "[scenarios]\nplan = 0.1\n",
        "[scenarios.plan]: 0.1 is a single value where a table of settings belongs; "
        "write [scenarios.high-demand] with demand_change = 0.10",
    ),
    ("year-a-number", "", 'financial_year: 2019 is not a financial year; write it in quotes, like "2019/20"'),
    (
        "year-not-consecutive",
        "",
        "financial_year: '2019/21' is not a financial year; write it in quotes, like \"2019/20\"",
    ),
    ("authority-empty", "", "authority: '' is not a name; write text in quotes, such as \"Contract Value\""),
]
BASES = {
    "year-a-number": 'authority = "Test Trust"\nfinancial_year = 2019\n',
    "year-not-consecutive": 'authority = "Test Trust"\nfinancial_year = "2019/21"\n',
    "authority-empty": 'authority = ""\nfinancial_year = "2019/20"\n',
}


def settings_file(ws: Path, text: str) -> Path:
    path = ws / "careladder.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_setting_is_named_with_the_values_it_accepts(
    ws: Path, body: str, line: str, request: pytest.FixtureRequest
) -> None:
    case = request.node.callspec.id
    toml = settings_file(ws, BASES.get(case, BASE) + body)
    res = refused(["outturn", "--period", "2019-12", "-w", ws], ws, f"{toml}: {line}")
    assert "class" not in res.output and "Decimal" not in res.output  # never a Python class name


def _commands(tmp: Path) -> dict[str, list[object]]:
    folder = tmp / "903"
    folder.mkdir()
    comments = tmp / "comments.csv"
    comments.write_text("key,commentary\nX,words\n", encoding="utf-8")
    return {
        "ledger import": ["ledger", "import", DATA / "ledger.csv"],
        "budget import": ["budget", "import", DATA / "budget.csv"],
        "mapping import": ["mapping", "import", DATA / "mapping.csv"],
        "placements import": ["placements", "import", TEMPLATES / "placements.csv"],
        "placements import-903": ["placements", "import-903", folder],
        "savings import": ["savings", "import", TEMPLATES / "savings.csv"],
        "adjustments import": ["adjustments", "import", TEMPLATES / "adjustments.csv"],
        "forecast": ["forecast", "--period", "2019-12"],
        "outturn": ["outturn", "--period", "2019-12", "--out", tmp / "o.xlsx"],
        "mtfs": ["mtfs", "--out", tmp / "m.xlsx"],
        "backtest": ["backtest"],
        "commentary import": ["commentary", "import", comments, "--period", "2019-12"],
    }


COMMANDS = [
    "ledger import",
    "budget import",
    "mapping import",
    "placements import",
    "placements import-903",
    "savings import",
    "adjustments import",
    "forecast",
    "outturn",
    "mtfs",
    "backtest",
    "commentary import",
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            "contract = 51642000\n",
            "[contract]: 51642000 is a single value where a table of settings belongs; "
            "write [contract] with value = 51642000 on the line below",
        ),
        ("rag_amber = [0.02]\n", f"rag_amber: [0.02] (a list) is not a number; {RAG}"),
    ],
    ids=["contract-a-number", "rag-amber-a-list"],
)
def test_wrong_shape_is_refused_by_every_command(
    ws: Path, tmp_path: Path, command: str, body: str, line: str
) -> None:
    toml = settings_file(ws, BASE + body)
    refused([*_commands(tmp_path)[command], "-w", ws], ws, f"{toml}: {line}")


def test_every_wrong_setting_is_listed_at_once(ws: Path) -> None:
    toml = settings_file(ws, BASE + "rag_red = 5\n[contract]\nsurplus_share_to_council = 1.5\n")
    res = refused(
        ["forecast", "--period", "2019-12", "-w", ws],
        ws,
        f"{toml}: 2 settings are wrong; fix them and run again",
    )
    assert f"{toml}: rag_red: 5 is more than 1; {RAG}" in res.output
    assert f"{toml}: [contract] surplus_share_to_council: 1.5 is more than 1; {SHARE}" in res.output


def test_missing_setting_is_named(ws: Path) -> None:
    toml = settings_file(ws, 'financial_year = "2019/20"\n')
    refused(
        ["outturn", "--period", "2019-12", "-w", ws],
        ws,
        f"{toml}: authority: the setting is missing; add authority = ...",
    )


def test_toml_syntax_error_names_the_file_and_line(ws: Path) -> None:
    toml = settings_file(ws, BASE + "rag_amber = 0,02\n")
    res = run("outturn", "--period", "2019-12", "-w", ws)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"error: {toml}: is not valid TOML: " in res.output and "(at line 3, column" in res.output


def test_settings_saved_in_windows_1252_are_refused_plainly(ws: Path) -> None:
    toml = ws / "careladder.toml"
    toml.write_bytes(('authority = "Trust £"\nfinancial_year = "2019/20"\n').encode("cp1252"))
    refused(
        ["outturn", "--period", "2019-12", "-w", ws],
        ws,
        f"{toml}: is not UTF-8 text; open it in a text editor and save it as UTF-8",
    )


def test_settings_file_that_is_a_folder(ws: Path) -> None:
    toml = ws / "careladder.toml"
    toml.unlink()
    toml.mkdir()
    refused(["outturn", "--period", "2019-12", "-w", ws], ws, f"{toml}: is a folder, not the settings file")


def test_workspace_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    refused(
        ["outturn", "--period", "2019-12", "-w", missing],
        None,
        f"{missing} is not a careladder workspace (no careladder.toml); create one with: careladder init PATH "
        "--authority NAME --year 2019/20",
    )


def test_quoted_plain_numbers_and_the_shipped_template_are_accepted(ws: Path) -> None:
    """Control: the settings init writes, and quoted plain numbers, open and are used."""
    accepted(["ledger", "import", DATA / "ledger.csv", "-w", ws])  # the template as init wrote it
    settings_file(ws, BASE + '[contract]\nvalue = "6600000"\nsurplus_share_to_council = "0.5"\n')
    from ledgers.store.workspace import load_workspace

    s = load_workspace(ws).settings
    assert s.contract_value_p == 660_000_000 and str(s.surplus_share_to_council) == "0.5"


def test_settings_free_text_reaches_the_workbook_as_text(ws: Path, tmp_path: Path) -> None:
    """An authority name or scenario description that looks like a formula is written as a string cell."""
    evil = '=HYPERLINK("http://example.invalid","open me")'
    text = (ws / "careladder.toml").read_text(encoding="utf-8")
    text = text.replace('authority = "Test Trust"', "authority = '" + evil + "'")
    text = text.replace('description = "10% more children', "description = '=1+2' # \"10% more children")
    settings_file(ws, text)
    out = tmp_path / "o.xlsx"
    accepted(["outturn", "--period", "2019-06", "--out", out, "-w", ws])
    types = string_cells(out, "HYPERLINK")
    assert types and set(types) == {"s"}
    mtfs = tmp_path / "m.xlsx"
    accepted(["mtfs", "--out", mtfs, "-w", ws])
    assert set(string_cells(mtfs, "HYPERLINK")) == {"s"}
    assert string_cells(mtfs, "=1+2") == ["s"] or set(string_cells(mtfs, "=1+2")) == {"s"}


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (["--contract-value", "-5"], f"init: --contract-value: -5 is negative; {POUNDS}"),
        (["--year", "2019"], "financial year '2019' should be written like 2019/20"),
    ],
    ids=["negative-contract-value", "year-without-slash"],
)
def test_init_refuses_bad_settings_and_writes_nothing(tmp_path: Path, extra: list[str], line: str) -> None:
    target = tmp_path / "new"
    args = [
        "init",
        target,
        "--authority",
        "Trust",
        *(extra if "--year" in extra else ["--year", "2019/20", *extra]),
    ]
    refused(args, None, line)
    assert not target.exists()  # nothing written: the corrected command can run again
    accepted(["init", target, "--authority", "Trust", "--year", "2019/20"])
