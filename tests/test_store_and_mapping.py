"""Store: schema version, busy workspace, transactions; mapping specificity and ties; budget and placements."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledgers.importers.budgets import import_budget
from ledgers.importers.mapping import Resolver, Rule, import_mapping
from ledgers.importers.placements import import_placements, stored_placements
from ledgers.importers.plans import import_adjustments, import_savings
from ledgers.readers.problems import ImportFailed, WorkspaceError
from ledgers.store.schema import Store
from ledgers.store.workspace import Workspace, load_workspace

from conftest import DATA, write


def test_other_schema_version_is_a_clear_message(workspace: Workspace) -> None:
    s = workspace.open()
    s.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    s.close()
    with pytest.raises(WorkspaceError, match="schema version 99, this careladder uses version 2"):
        workspace.open()


def test_second_writer_gets_workspace_is_busy(workspace: Workspace) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
            "time.sleep(20)",
            str(workspace.store_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(WorkspaceError, match="workspace is busy"):
            workspace.open()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    workspace.open().close()


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a careladder workspace"):
        load_workspace(tmp_path)


def test_resolver_ranks_cost_centre_before_account() -> None:
    rules = [
        Rule("*", "*", "Catch all", "H", None, 2),
        Rule("CLA*", "5*", "CLA spend", "H", None, 3),
        Rule("CLA1*", "*", "CLA1 anything", "H", None, 4),
        Rule("CLA10", "*", "CLA10 anything", "H", None, 5),
        Rule("*", "5100", "Account 5100", "H", None, 6),
    ]
    r = Resolver(rules)
    assert r.resolve("CLA10", "5100").line == "CLA10 anything"  # type: ignore[union-attr]
    assert r.resolve("CLA11", "5100").line == "CLA1 anything"  # type: ignore[union-attr]
    assert r.resolve("CLA20", "5100").line == "CLA spend"  # type: ignore[union-attr]
    assert r.resolve("XYZ", "5100").line == "Account 5100"  # type: ignore[union-attr]
    assert r.resolve("XYZ", "9999").line == "Catch all"  # type: ignore[union-attr]


def test_ambiguous_mapping_names_the_clashing_rows(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "m.csv", "cost_centre,account,line,heading\nCLA*,5*,IFA,CLA\nCLA*,5*,OOA,CLA\nX,*,Y,Z\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_mapping(store, f, workspace.settings.financial_year)
    assert [str(p) for p in exc.value.problems] == [
        "m.csv:3: column 'cost_centre': cost centre 'CLA*' with account '5*' is mapped more than once "
        "(rows 2, 3): row 2 -> IFA; row 3 -> OOA; keep one"
    ]
    assert store.con.execute("SELECT count(*) FROM mapping").fetchone() == (0,)


def test_budget_profile_must_sum_to_net_and_income_is_negative(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    fy = workspace.settings.financial_year
    months = ",".join(f"p{i}" for i in range(1, 13))
    ok = ",".join(["1000"] * 11 + ["1000.12"])
    bad = ",".join(["1000"] * 12)
    f = write(
        tmp_path / "b.csv",
        f"line,heading,gross,income,{months}\nA,H,12000.12,0,{ok}\nB,H,12000,0,{bad}\n"
        f"C,H,0,500,{','.join(['0'] * 11 + ['500'])}\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_budget(store, f, fy)
    msgs = [str(p) for p in exc.value.problems]
    assert msgs == ["b.csv:4: column 'income': income 500.00 is positive: write income as a negative amount"]
    f2 = write(
        tmp_path / "b2.csv", f"line,heading,gross,income,{months}\nA,H,12000.12,0,{ok}\nB,H,12001,0,{bad}\n"
    )
    with pytest.raises(ImportFailed, match="sums to 12,000.00 but the net budget is 12,001.00"):
        import_budget(store, f2, fy)
    out = import_budget(store, DATA / "budget.csv", fy)
    assert out.stored_total_p == 660_000_000
    # no profile given: twelve equal months, the odd pennies in March
    prof = store.con.execute(
        "SELECT profile_p FROM budget WHERE line = 'Independent Fostering Agencies'"
    ).fetchone()
    assert prof is not None and prof[0] == [10_000_000] * 12


def test_budget_line_given_twice_names_every_row(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "dup.csv",
        "line,heading,gross,income\nIFA,CLA,1200,0\nStaff,S,600,0\nIFA,CLA,1200,0\nIFA,CLA,10,0\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_budget(store, f, workspace.settings.financial_year)
    assert [str(p) for p in exc.value.problems] == [
        "dup.csv:2: column 'line': line 'IFA' appears 3 times (rows 2, 4, 5); one row per line"
    ]
    assert store.con.execute("SELECT count(*) FROM budget").fetchone() == (0,)


def test_placements_import_round_trip_and_checks(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    fy = workspace.settings.financial_year
    import_budget(store, DATA / "budget.csv", fy)
    f = write(
        tmp_path / "pl.csv",
        "placement_id,child_ref,line,start_date,end_date,weekly_cost,provider\n"
        "P1,C1,Independent Fostering Agencies,01/04/2019,,£800.00,Acorn\n"
        'P2,C2,Out of Area Residential,2019-06-01,2019-05-01,"4,500.50",Castle\n',
    )
    out = import_placements(store, f, fy)
    assert out.stored_total_p == 80_000 + 450_050
    assert any("ending before they start" in str(w) and "pl.csv:3" in str(w) for w in out.warnings)
    df = stored_placements(store.con)
    assert list(df["weekly_cost_p"]) == [80_000, 450_050]
    bad = write(
        tmp_path / "bad.csv",
        "placement_id,child_ref,line,start_date,weekly_cost\n"
        "P1,C1,Nowhere,01/04/2019,800\nP1,C2,Independent Fostering Agencies,01/04/2019,0\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_placements(store, bad, fy)
    msgs = [str(p) for p in exc.value.problems]
    assert any(
        m.startswith("bad.csv:2: column 'line': is not a line of the 2019/20 budget (lines: ") for m in msgs
    )
    assert "Nowhere" not in msgs  # a placements cell is never echoed: it may hold a child reference
    assert any(m.startswith("bad.csv:3: column 'weekly_cost'") for m in msgs)
    assert any(m.startswith("bad.csv:3: column 'placement_id'") for m in msgs)
    assert all("C1" not in m and "C2" not in m for m in msgs)  # child refs never in messages
    assert len(stored_placements(store.con)) == 2


def test_savings_and_adjustments(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    fy = workspace.settings.financial_year
    import_budget(store, DATA / "budget.csv", fy)
    s = write(
        tmp_path / "s.csv",
        "scheme,line,year,target,delivered,recurrent\n"
        'Two-bed homes,Out of Area Residential,2020/21,"£400,000",0,yes\n'
        "Pool cars,Social Work Teams,2019/20,25000,12500.50,no\n",
    )
    out = import_savings(store, s, fy)
    assert out.stored_total_p == 42_500_000
    a = write(
        tmp_path / "a.csv",
        "line,amount,reason,period\nSocial Work Teams,200000,Agency pay uplift,P9\n"
        "Agency Social Workers,(5000),Vacancy,\n",
    )
    out = import_adjustments(store, a, fy)
    assert out.stored_total_p == 20_000_000 - 500_000
    rows = store.con.execute("SELECT line, amount_p, period FROM adjustments ORDER BY source_row").fetchall()
    assert rows == [("Social Work Teams", 20_000_000, 9), ("Agency Social Workers", -500_000, None)]


def test_an_empty_placements_file_never_wipes_the_stored_list(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    fy = workspace.settings.financial_year
    f = write(
        tmp_path / "pl.csv", "placement_id,child_ref,line,start_date,weekly_cost\nP1,C1,IFA,01/04/2019,800\n"
    )
    import_placements(store, f, fy)
    empty = write(tmp_path / "empty.csv", "placement_id,child_ref,line,start_date,weekly_cost\n")
    with pytest.raises(ImportFailed, match="no placements"):
        import_placements(store, empty, fy)
    assert len(stored_placements(store.con)) == 1


def test_903_with_an_unknown_authority_is_refused(store: Store, workspace: Workspace) -> None:
    from ledgers.importers.placements import import_903

    from conftest import SHARED

    folder = SHARED / "data" / "synthetic_ssda903" / "cs_demand_model_regional_v1"
    if not folder.exists():
        pytest.skip("shared data not present")
    with pytest.raises(ImportFailed, match="no episodes for LA 'Nowhere'.*Bromley"):
        import_903(store, folder, workspace.settings.financial_year, la="Nowhere")


def test_budget_method_spelling_is_forgiving(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "b.csv", "line,heading,gross,income,method\nA,H,100,0,Run Rate\nB,H,100,0,Commitments\n"
    )
    import_budget(store, f, workspace.settings.financial_year)
    assert store.con.execute("SELECT method FROM budget ORDER BY line").fetchall() == [
        ("run-rate",),
        ("commitments",),
    ]
