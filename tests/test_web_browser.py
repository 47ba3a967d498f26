"""The page in a real headless Chromium (selenium): an officer's month end from the demo's input files.

Needs Debian's ``chromium`` and ``chromium-driver`` (installed by .ci/run); skipped, saying why, without them.
Screenshots of each page at 1366×768 are saved in tests/screenshots/ (not committed) to be looked at."""

from __future__ import annotations

import io
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from budget.demo.authority import write_demo_inputs
from budget.demo.run import AUTHORITY, CONTRACT_VALUE, YEAR
from ledgers.store.workspace import Workspace, init_workspace

SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no headless browser here: apt-get install chromium chromium-driver (as .ci/run does)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Workspace]]:
    import uvicorn

    from budget.web.app import create_app

    ws = init_workspace(tmp_path / "ws", AUTHORITY, YEAR, CONTRACT_VALUE)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ws.path), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ws
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_window_size(1366, 768)
    yield driver
    driver.quit()


def shot(driver: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def import_file(driver: Any, base: str, kind: str, path: Path) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/imports")
    driver.find_element(By.ID, f"file-{kind}").send_keys(str(path))
    driver.find_element(By.ID, f"import-{kind}").click()
    WebDriverWait(driver, 300).until(lambda d: d.find_elements(By.ID, "import-result"))
    return str(driver.find_element(By.TAG_NAME, "main").text)


def test_an_officer_runs_the_december_month_end_in_the_browser(
    served: tuple[str, Workspace], browser: Any, tmp_path: Path
) -> None:
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    from typer.testing import CliRunner

    from budget.cli import app

    base, ws = served
    inputs = write_demo_inputs(tmp_path / "inputs")
    browser.get(base + "/")
    assert "import the code mapping" in browser.find_element(By.ID, "next-steps").text
    shot(browser, "1-workspace-empty")

    # a refused file first: every problem listed, nothing stored
    bad = tmp_path / "budget-typo.csv"
    lines = inputs.budget.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[2] = "12,0O0"  # a letter O typed for a zero
    bad.write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n", encoding="utf-8")
    text = import_file(browser, base, "budget", bad)
    assert "nothing was stored" in text
    rows = browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    assert rows and rows[0].find_elements(By.TAG_NAME, "td")[1].text == "4"
    shot(browser, "2-import-refused")

    for kind, path in (
        ("mapping", inputs.mapping),
        ("budget", inputs.budget),
        *(("ledger", p) for p in inputs.ledgers),
        ("placements", inputs.placements),
        ("savings", inputs.savings),
        ("adjustments", inputs.adjustments),
    ):
        text = import_file(browser, base, kind, path)
        assert "problem" not in browser.find_element(By.ID, "outcome").text, text
        if kind in ("budget", "ledger"):
            assert "reconciled to the penny" in text, text
    shot(browser, "3-import-reconciled")
    browser.get(base + "/")
    assert "P1–P9" in browser.find_element(By.ID, "stored").text
    shot(browser, "4-workspace-ready")

    browser.get(base + "/monthend")
    period = browser.find_element(By.ID, "period")
    assert period.get_attribute("value") == "2019-12"  # the last period the ledger holds
    period.clear()
    period.send_keys("Dec-19")  # any form the command line takes
    browser.find_element(By.ID, "detail").click()
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 300).until(ec.presence_of_element_located((By.ID, "headline")))
    shot(browser, "5-month-end")
    assert browser.find_elements(By.CSS_SELECTOR, "#variances tbody tr")
    browser.execute_script("document.getElementById('variances').scrollIntoView()")
    shot(browser, "6-variances")

    href = browser.find_element(By.ID, "download-outturn").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    book = httpx.get(href, cookies=cookies, timeout=60)
    assert book.status_code == 200
    detail = httpx.get(browser.find_element(By.ID, "download-detail").get_attribute("href"), cookies=cookies)
    assert detail.status_code == 200 and detail.content[:2] == b"PK"
    summary = openpyxl.load_workbook(io.BytesIO(book.content), data_only=True)["Summary"]
    header = next(r for r in summary.iter_rows(values_only=True) if "Forecast Net" in r)
    col = header.index("Forecast Net")
    shown = {r[0]: r[col] for r in summary.iter_rows(values_only=True) if isinstance(r[0], str)}
    got = CliRunner().invoke(app, ["outturn", "--period", "2019-12", "--json", "-w", str(ws.path)])
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    for heading in data["headings"]:
        assert round(shown[heading["name"]], 2) == heading["forecast_net"], heading["name"]

    browser.get(base + "/mtfs")
    browser.find_element(By.ID, "run-mtfs").click()
    WebDriverWait(browser, 300).until(ec.presence_of_element_located((By.ID, "mtfs-table")))
    shot(browser, "7-mtfs")
