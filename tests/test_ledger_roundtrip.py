"""Property: any ledger CSV the import accepts round-trips. The stored rows' amounts, dates and codes equal the
file's own, row by row (at the row an officer sees in Excel), and sum to the file's total."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgers.importers.ledger import import_ledger
from ledgers.readers.tables import EXCEL_ERRORS
from ledgers.store.workspace import init_workspace

YEAR_START = date(2019, 4, 1)


def money_text(pence: int, form: int) -> str:
    """``pence`` written as an export might: plain, £ with thousands, (negative), trailing minus, whole."""
    pounds = Decimal(abs(pence)) / 100
    plain, grouped = f"{pounds:.2f}", f"{pounds:,.2f}"
    neg = pence < 0
    if form == 0:
        return ("-" if neg else "") + plain
    if form == 1:
        return f"(£{grouped})" if neg else f"£{grouped}"
    if form == 2:
        return f"{grouped}-" if neg else grouped
    if form == 3 and pence % 100 == 0:
        return ("-" if neg else "") + str(abs(pence) // 100)
    return f"({plain})" if neg else plain


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d %b %Y")

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x01")
    | st.sampled_from([",", '"', "\n", " ", "£", "é"]),  # a lone CR would be unquoted: a new row
    max_size=12,
).filter(lambda s: s.strip() not in EXCEL_ERRORS)

row = st.tuples(
    st.integers(0, 365),  # day of the year
    st.sampled_from(DATE_FORMATS),
    st.from_regex(r"[A-Z]{2,4}[0-9]{1,3}", fullmatch=True),  # cost centre
    st.from_regex(r"[0-9]{4,5}", fullmatch=True),  # account
    st.integers(-(10**12), 10**12),  # pence
    st.integers(0, 4),  # how the amount is written
    text,  # description: commas, quotes, line breaks
    st.booleans(),  # a blank line after this row
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(row, min_size=1, max_size=12),
    ending=st.sampled_from(["\n", "\r\n"]),
    title=st.booleans(),
    blank_lines=st.booleans(),
)
def test_accepted_ledger_round_trips(
    rows: list[tuple[int, str, str, str, int, int, str, bool]], ending: str, title: bool, blank_lines: bool
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=ending)
    excel_row = 0
    if title:
        w.writerow(["Council GL export", "", "", "", ""])
        excel_row += 1
    w.writerow(["Transaction Date", "Cost Centre", "Subjective", "Amount", "Description"])
    excel_row += 1
    expected: list[tuple[int, date, str, str, int]] = []
    for day, fmt, cc, acct, pence, form, desc, blank in rows:
        d = YEAR_START + timedelta(days=day)
        w.writerow([d.strftime(fmt), cc, acct, money_text(pence, form), desc])
        excel_row += 1
        expected.append((excel_row, d, cc, acct, pence))
        if blank and blank_lines:
            buf.write(ending)  # a blank line: a blank row in Excel, counted
            excel_row += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gl.csv"
        path.write_bytes(buf.getvalue().encode("utf-8"))
        ws = init_workspace(Path(tmp) / "ws", "T", "2019/20")
        store = ws.open()
        try:
            out = import_ledger(store, path, ws.settings.financial_year)
            stored = store.con.execute(
                "SELECT source_row, date, cost_centre, account, amount_p FROM ledger ORDER BY source_row"
            ).fetchall()
        finally:
            store.close()
    assert stored == expected
    total = sum(e[4] for e in expected)
    assert out.control_total_p == out.stored_total_p == total
    assert out.rows_read == out.rows_stored == len(expected)
