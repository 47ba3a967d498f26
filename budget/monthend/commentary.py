"""Officer commentary: read back from an edited outturn workbook (or a CSV), stored, and carried forward.

Commentary is only ever added to the store, never deleted or overwritten, so nothing an officer wrote is lost
on a re-run. The next run shows the latest words for each Variances row; words from an earlier period are
prefixed 'carried forward from P8: ' — or 'carried forward from P8 — review: ' when the row's variance has
moved by more than 10% or £50k since they were written. Variances kept with the words are budget − forecast
(positive = underspend) whatever the workspace's variance_sign, so changing that setting moves nothing.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from budget.monthend.report import (
    BUDGET_MINUS_FORECAST,
    FORECAST_MINUS_BUDGET,
    VarianceRow,
    variance_key,
    variance_pence,
)
from ledgers.readers.money import pence_from_pounds
from ledgers.readers.periods import FinancialYear, month_label
from ledgers.readers.problems import WorkspaceError

SHEET = "Variances"
REVIEW_SHARE = Decimal("0.10")
REVIEW_PENCE = 5_000_000  # £50k
CARRIED = re.compile(r"^carried forward from P\d{1,2}( — review)?: ", re.IGNORECASE)
_PERIOD = re.compile(r"\bP(\d{1,2})\b")
NO_KEY = (
    "commentary on a row with no Key — the row was added or the Key deleted; "
    "move the text to a row with a Key or add the key"
)


@dataclass(frozen=True)
class Entry:
    """One officer's comment on a Variances row, keyed like the workbook's hidden Key column."""

    key: str
    text: str
    variance_p: int | None = None
    where: str = ""  # the key's cell ('Variances!H7') or CSV row ('c.csv row 2'), for messages


def _header(ws: Worksheet, path: Path) -> tuple[int, dict[str, int]]:
    """(row, column index by lower-case header) of the row holding 'Key' and 'Commentary'."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 30)):
        cols = {str(c.value).strip().lower(): int(c.column or 0) for c in row if isinstance(c.value, str)}
        if "key" in cols and "commentary" in cols:
            return int(row[0].row or 0), cols
    raise WorkspaceError(
        f"{path.name}: sheet '{SHEET}': no header row with 'Key' and 'Commentary' in rows 1–30 "
        "(the outturn workbook has them at G5 'Commentary' and H5 'Key'): was the layout changed? "
        "Put the commentary back in the workbook careladder wrote, or import a CSV with columns key, commentary"
    )


def workbook_entries(path: Path) -> tuple[int | None, list[Entry]]:
    """(period number stated by the workbook, entries with their Amount) from an edited outturn workbook.

    Commentary typed on a row without a Key (an inserted row, or a deleted key) is an error naming each such
    cell, so no words are silently dropped."""
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        reason = (
            "it is not an Excel workbook (or it is password-protected)"
            if isinstance(exc, zipfile.BadZipFile)
            else exc
        )
        raise WorkspaceError(f"{path.name}: cannot be read as an Excel workbook: {reason}") from None
    if SHEET not in wb.sheetnames:
        raise WorkspaceError(
            f"{path.name}: no sheet named '{SHEET}' (sheets: {', '.join(wb.sheetnames)}): "
            "was it renamed? The commentary is read from the 'Variances' sheet"
        )
    ws = wb[SHEET]
    header_row, cols = _header(ws, path)
    key_col, text_col, amount_col = cols["key"], cols["commentary"], cols.get("amount")
    key_letter, text_letter = get_column_letter(key_col), get_column_letter(text_col)
    entries: list[Entry] = []
    unkeyed: list[str] = []
    key_cells: dict[str, list[str]] = {}
    for n, row in enumerate(ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row), start=header_row + 1):
        key = row[key_col - 1].value if len(row) >= key_col else None
        text = row[text_col - 1].value if len(row) >= text_col else None
        if key is not None and str(key).strip():
            key_cells.setdefault(str(key).strip(), []).append(f"{SHEET}!{key_letter}{n}")
        if text is None or not str(text).strip():
            continue
        if key is None or not str(key).strip():
            unkeyed.append(f"{SHEET}!{text_letter}{n}: {NO_KEY}")
            continue
        amount = row[amount_col - 1].value if amount_col and len(row) >= amount_col else None
        variance = pence_from_pounds(amount) if isinstance(amount, int | float) else None
        entries.append(Entry(str(key).strip(), str(text).strip(), variance, f"{SHEET}!{key_letter}{n}"))
    with_text = {e.key for e in entries}
    unkeyed += [
        f"{' and '.join(cells)}: the same Key '{key}' is on {len(cells)} rows; only one row may carry it "
        "(delete the copied row or restore its own key)"
        for key, cells in key_cells.items()
        if len(cells) > 1 and key in with_text
    ]
    if unkeyed:
        raise WorkspaceError(f"{path.name}: nothing was imported:\n" + "\n".join(unkeyed))
    return _stated_period(wb), entries


def _stated_period(wb: openpyxl.Workbook) -> int | None:
    """The period on the Notes sheet ('P9 (2019-12)') or in the Variances title ('as at P9 …')."""
    if "Notes" in wb.sheetnames:
        for a, b in wb["Notes"].iter_rows(min_row=1, max_col=2, values_only=True):
            if a == "Period" and isinstance(b, str) and (m := _PERIOD.search(b)):
                return int(m.group(1))
    for (cell,) in wb[SHEET].iter_rows(min_row=1, max_row=3, max_col=1, values_only=True):
        if isinstance(cell, str) and "as at" in cell and (m := _PERIOD.search(cell)):
            return int(m.group(1))
    return None


def csv_entries(path: Path) -> list[Entry]:
    """Entries from a CSV with columns key and commentary (any case); commentary with no key is an error."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path.name}: cannot be read as a UTF-8 CSV: {exc}") from None
    if not rows:
        raise WorkspaceError(f"{path.name}: the file is empty; expected columns key, commentary")
    header = [h.strip().lower() for h in rows[0]]
    if "key" not in header or "commentary" not in header:
        raise WorkspaceError(
            f"{path.name}:1: the header should have columns key and commentary, found {rows[0]}"
        )
    k, c = header.index("key"), header.index("commentary")
    entries: list[Entry] = []
    unkeyed: list[str] = []
    for n, r in enumerate(rows[1:], start=2):
        key = r[k].strip() if len(r) > k else ""
        text = r[c].strip() if len(r) > c else ""
        if not text:
            continue
        if not key:
            unkeyed.append(f"{path.name} row {n}: commentary with no key; add the key or remove the row")
            continue
        entries.append(Entry(key, text, where=f"{path.name} row {n}"))
    if unkeyed:
        raise WorkspaceError("nothing was imported:\n" + "\n".join(unkeyed))
    return entries


def stored_variances(
    con: duckdb.DuckDBPyConnection, fy: int, period: int, threshold_p: int | None
) -> dict[str, int]:
    """Budget − forecast net variance by Variances key ('line|…', 'heading|…', 'other|…') of the stored run of
    ``period``; 'other|<heading>' (only when ``threshold_p`` is given) sums that heading's lines whose |variance|
    is under the threshold, as budget/variance.py does."""
    rows = con.execute(
        "SELECT line, heading, budget_gross_p, budget_income_p, forecast_gross_p + forecast_income_p "
        "FROM outturn_lines WHERE fy = ? AND period = ?",
        [fy, period],
    ).fetchall()
    out: dict[str, int] = {}
    for line, heading, budget_gross, budget_income, forecast in rows:
        v = variance_pence(
            int(budget_gross or 0) + int(budget_income or 0), int(forecast), BUDGET_MINUS_FORECAST
        )
        out[f"line|{line}"] = v
        out[f"heading|{heading}"] = out.get(f"heading|{heading}", 0) + v
        if threshold_p is not None and abs(v) < threshold_p:
            out[f"other|{heading}"] = out.get(f"other|{heading}", 0) + v
    return out


def budget_minus_forecast(variance_p: int, sign: str) -> int:
    """A variance under ``sign`` restated as budget − forecast (the convention the store keeps)."""
    return -variance_p if sign == FORECAST_MINUS_BUDGET else variance_p


def officer_words(text: str) -> str:
    """The words without a leading 'carried forward from P8[ — review]: ' mark."""
    return CARRIED.sub("", text, count=1).strip()


def unknown_key_warnings(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, entries: list[Entry]
) -> list[str]:
    """Warnings for entries whose key the stored run of ``period`` could not produce: not 'line|<line>',
    'heading|<heading>' or 'other|<heading>' of its outturn_lines (one warning if there is no stored run)."""
    rows = con.execute(
        "SELECT DISTINCT line, heading FROM outturn_lines WHERE fy = ? AND period = ?",
        [fy.start_year, period],
    ).fetchall()
    label = f"P{period} ({month_label(fy, period)}) {fy.label}"
    if not rows:
        return (
            [f"no stored outturn run for {label}: the keys cannot be checked; stored as given"]
            if entries
            else []
        )
    keys = {f"line|{line}" for line, _ in rows}
    keys |= {f"{level}|{heading}" for _, heading in rows for level in ("heading", "other")}
    return [
        f"{e.where or 'key'}: key '{e.key}' matches no line or heading of the stored run for {label} "
        "(a renamed line, an edited key or the wrong period?); the words are stored under that key and "
        "will show only when a row with that key does"
        for e in entries
        if e.key not in keys
    ]


def latest_commentary(
    con: duckdb.DuckDBPyConnection, fy: int, up_to_period: int
) -> dict[str, tuple[int, str, int | None]]:
    """Key → (period, text, variance when written) of the latest commentary at or before ``up_to_period``."""
    rows = con.execute(
        "SELECT key, period, text, variance_p FROM commentary WHERE fy = ? AND period <= ? "
        "ORDER BY period, entered_at",
        [fy, up_to_period],
    ).fetchall()
    return {r[0]: (int(r[1]), r[2], None if r[3] is None else int(r[3])) for r in rows}


def import_commentary(
    con: duckdb.DuckDBPyConnection,
    fy: FinancialYear,
    period: int,
    entries: list[Entry],
    author: str | None,
    sign: str,
    threshold_p: int,
) -> int:
    """Add the entries as ``period``'s commentary. A 'carried forward' mark is dropped; what remains is skipped
    when identical to the latest stored words for the key (untouched by the officer), else stored. The variance
    kept with the words is the stored run's (else the workbook's Amount), as budget − forecast. Returns how
    many were stored."""
    known = latest_commentary(con, fy.start_year, period)
    variances = stored_variances(con, fy.start_year, period, threshold_p)
    now = datetime.now()
    stored = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for e in entries:
            text = officer_words(e.text)
            if not text or (e.key in known and known[e.key][1] == text):
                continue
            variance = variances.get(e.key)
            if variance is None and e.variance_p is not None:
                variance = budget_minus_forecast(e.variance_p, sign)
            con.execute(
                "INSERT INTO commentary VALUES (?, ?, ?, ?, ?, ?, ?)",
                [fy.start_year, period, e.key, text, author, variance, now],
            )
            stored += 1
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return stored


def needs_review(then_p: int | None, now_p: int) -> bool:
    """True when the variance moved by more than 10% (of the earlier variance) or £50k since the words; both in
    one convention. False when the earlier variance is unknown (no claim of a review without evidence)."""
    if then_p is None:
        return False
    moved = abs(now_p - then_p)
    return moved > REVIEW_PENCE or Decimal(moved) > REVIEW_SHARE * abs(then_p)


def carried_text(written_period: int, text: str, then_p: int | None, now_p: int, period: int) -> str:
    """The words as shown in ``period``'s workbook: as written in that period, else marked carried forward."""
    if written_period == period:
        return text
    mark = " — review" if needs_review(then_p, now_p) else ""
    return f"carried forward from P{written_period}{mark}: {text}"


def with_commentary(con: duckdb.DuckDBPyConnection, fy: int, period: int, rows: list[VarianceRow]) -> None:
    """Fill each row's commentary with the latest words an officer wrote for its key (at or before ``period``).

    The row's variance is compared as budget − forecast (read from its direction, so the workspace's sign
    convention does not matter); words stored without a variance take the line or heading's variance from the
    stored run of the period they were written in."""
    known = latest_commentary(con, fy, period)
    runs: dict[int, dict[str, int]] = {}
    for row in rows:
        key = variance_key(row.level, row.name, row.heading)
        found = known.get(key)
        if found:
            written, text, then = found
            if then is None and written != period:
                if written not in runs:
                    runs[written] = stored_variances(con, fy, written, None)
                then = runs[written].get(key)
            now = abs(row.amount_p) if row.direction == "underspend" else -abs(row.amount_p)
            row.commentary = carried_text(written, text, then, now, period)
