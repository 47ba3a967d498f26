"""The web page (budget.web) through its own HTTP client: the same importers and month end as the CLI."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from budget.web.app import create_app
from budget.web.security import CSRF_COOKIE
from ledgers.store.workspace import Workspace

DATA = Path(__file__).parent / "data"


def client(ws: Workspace, **kwargs: object) -> TestClient:
    c = TestClient(create_app(ws.path, **kwargs))  # type: ignore[arg-type]
    c.get("/")  # sets the CSRF cookie, as a browser's first visit does
    return c


def csrf(c: TestClient) -> str:
    return str(c.cookies.get(CSRF_COOKIE))


def upload(c: TestClient, kind: str, path: Path, name: str | None = None, token: str | None = None):
    return c.post(
        f"/imports/{kind}",
        data={"csrf": csrf(c) if token is None else token},
        files=[("files", (name or path.name, path.read_bytes(), "text/csv"))],
    )


def count(ws: Workspace, table: str) -> int:
    s = ws.open(read_only=True)
    try:
        return int(s.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    finally:
        s.close()


def test_a_fresh_workspace_says_what_to_import(workspace: Workspace) -> None:
    page = client(workspace).get("/").text
    steps = re.search(r'<ul id="next-steps">(.*?)</ul>', page, re.S)
    assert steps is not None
    assert "import the code mapping" in steps.group(1)
    assert "import the 2019/20 budget" in steps.group(1)
    assert "import the ledger export for 2019/20" in steps.group(1)


def test_imports_through_the_page_reconcile_and_are_stored(workspace: Workspace) -> None:
    c = client(workspace)
    for kind, name in (("mapping", "mapping.csv"), ("budget", "budget.csv"), ("ledger", "ledger.csv")):
        r = upload(c, kind, DATA / name)
        assert r.status_code == 200, r.text
        assert ("reconciled to the penny" in r.text) == (kind != "mapping")  # a mapping has no money to total
    # the file's amounts added by hand: 98,765.43 + 100,000.00 + 200,000.50 − 50,000.00 − 12,000.00
    # + 250,000.00 + 1,234.56 = £588,000.49
    s = workspace.open(read_only=True)
    try:
        stored = s.con.execute("SELECT sum(amount_p), count(*) FROM ledger").fetchone()
    finally:
        s.close()
    assert stored == (58_800_049, 7)
    home = c.get("/").text
    assert "Ledger 2019/20" in home and "import #3 ledger.csv" in home


def test_a_refused_file_lists_every_problem_and_stores_nothing(workspace: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "budget-bad.csv"
    bad.write_text(
        "line,heading,gross,income\nIFA,Children Looked After,12x0,0\nResidential,Children Looked After,5,abc\n",
        encoding="utf-8",
    )
    c = client(workspace)
    r = upload(c, "budget", bad)
    assert r.status_code == 422
    assert "nothing was stored" in r.text
    table = re.search(r'<table class="grid sortable" id="problems">(.*?)</table>', r.text, re.S)
    assert table is not None
    cells = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(\d*)</td><td>(.*?)</td>", table.group(1))
    assert ("budget-bad.csv", "2", "gross") in cells
    assert ("budget-bad.csv", "3", "income") in cells
    link = re.search(r'href="(/problems/\d+\.csv)"', r.text)
    assert link is not None
    download = list(csv.DictReader(io.StringIO(c.get(link.group(1)).text)))
    assert {(d["row"], d["column"]) for d in download} == {("2", "gross"), ("3", "income")}
    assert count(workspace, "budget") == 0


def test_a_form_without_its_token_is_refused(workspace: Workspace) -> None:
    c = client(workspace)
    r = upload(c, "mapping", DATA / "mapping.csv", token="forged")
    assert r.status_code == 403
    assert count(workspace, "mapping") == 0


def test_another_address_needs_the_printed_token(workspace: Workspace) -> None:
    c = TestClient(create_app(workspace.path, token="s3cret-token"))
    assert c.get("/").status_code == 403
    assert c.get("/?token=wrong").status_code == 403
    assert c.get("/?token=s3cret-token").status_code == 200
    assert c.get("/imports").status_code == 200  # the cookie carries it from then on


def test_an_upload_over_the_limit_is_refused_whole(workspace: Workspace, tmp_path: Path) -> None:
    big = tmp_path / "mapping.csv"
    big.write_text((DATA / "mapping.csv").read_text(encoding="utf-8") + "x" * 5000, encoding="utf-8")
    c = client(workspace, upload_limit=2000)
    r = upload(c, "mapping", big)
    assert r.status_code == 413
    assert count(workspace, "mapping") == 0


def test_uploads_stay_inside_the_workspace(workspace: Workspace) -> None:
    c = client(workspace)
    r = upload(c, "mapping", DATA / "mapping.csv", name="../../../escaped.csv")
    assert r.status_code == 200
    assert not (workspace.path.parent / "escaped.csv").exists()
    kept = list((workspace.path / "uploads").rglob("escaped.csv"))
    assert len(kept) == 1 and workspace.path.resolve() in kept[0].resolve().parents
    assert c.get("/download/..%2Fcareladder.toml").status_code == 404
    assert c.get("/templates/..%2F..%2Fpyproject.toml").status_code == 404


def test_a_busy_workspace_is_a_message_not_an_error_page(workspace: Workspace) -> None:
    c = client(workspace)
    holder = subprocess.Popen(  # another careladder command, in its own process, holds the store
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from ledgers.store.workspace import load_workspace; "
            "s = load_workspace(Path(sys.argv[1])).open(); print('ready', flush=True); time.sleep(60)",
            str(workspace.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = upload(c, "mapping", DATA / "mapping.csv")
    finally:
        holder.kill()
        holder.wait()
    assert r.status_code == 409
    assert "workspace is busy" in r.text
    assert "Traceback" not in r.text
    assert count(workspace, "mapping") == 0


def test_month_end_and_commentary_from_the_page(workspace: Workspace) -> None:
    from typer.testing import CliRunner

    from budget.cli import app

    c = client(workspace)
    for kind, name in (("mapping", "mapping.csv"), ("budget", "budget.csv"), ("ledger", "ledger.csv")):
        assert upload(c, kind, DATA / name).status_code == 200
    r = c.post("/monthend", data={"csrf": csrf(c), "period": "2019-12"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"]).text
    got = CliRunner().invoke(app, ["outturn", "--period", "2019-12", "--json", "-w", str(workspace.path)])
    assert got.exit_code == 0, got.output
    import json

    data = json.loads(got.stdout)
    total_k = round(sum(h["forecast_net"] for h in data["headings"]) / 1000)
    shown = re.search(r'<td class="num" id="total-forecast">([^<]*)</td>', page)
    assert shown is not None
    assert shown.group(1) == (f"({abs(total_k):,})" if total_k < 0 else f"{total_k:,}")
    keys = re.findall(r'name="c:([^"]+)"', page)
    assert keys, "every explained variance takes commentary"
    form = {
        "csrf": csrf(c),
        "period": "2019-12",
        "author": "A Officer",
        f"c:{keys[0]}": "Two IFA placements ended.",
    }
    saved = c.post("/commentary", data=form, follow_redirects=True)
    assert "1 comment(s) stored" in saved.text
    assert "Two IFA placements ended." in saved.text
    s = workspace.open(read_only=True)
    try:
        stored = s.con.execute("SELECT key, text, author FROM commentary").fetchall()
    finally:
        s.close()
    assert stored == [(keys[0], "Two IFA placements ended.", "A Officer")]
    book = c.get("/download/outturn-2019-12.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"


def test_a_scenario_is_saved_to_the_settings_and_checked(workspace: Workspace) -> None:
    c = client(workspace)
    r = c.post(
        "/mtfs/scenario",
        data={"csrf": csrf(c), "name": "demand-up", "description": "More children", "demand_change": "12%"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    settings = tomllib.loads((workspace.path / "careladder.toml").read_text(encoding="utf-8"))
    assert settings["scenarios"]["demand-up"] == {"description": "More children", "demand_change": 0.12}
    before = (workspace.path / "careladder.toml").read_text(encoding="utf-8")
    bad = c.post("/mtfs/scenario", data={"csrf": csrf(c), "name": "x", "price_change": "lots"})
    assert bad.status_code == 422 and "is not a fraction" in bad.text
    assert (workspace.path / "careladder.toml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("path", ["/", "/imports", "/monthend", "/mtfs"])
def test_every_page_opens_on_a_fresh_workspace(workspace: Workspace, path: str) -> None:
    r = client(workspace).get(path)
    assert r.status_code == 200
    assert "Traceback" not in r.text
