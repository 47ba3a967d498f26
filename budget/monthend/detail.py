"""What lies behind each explained variance, for the finance team (never the meeting workbook).

Placement lines: the placements open at the period end and those started or ended since the last month end,
each named only by a pseudonym (a keyed hash of its placement id under the workspace secret: the same every
month, and no way back to the child without the secret). The ledger's free-text fields (supplier, description,
reference) are left out of placement lines, since they can carry a child's name or reference. Other lines: the
year's largest postings by supplier and month.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from budget.monthend.report import LineResult, OutturnReport, VarianceRow
from forecasts.placements.commitments import actual_cost_by_month, commitments_by_month
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import FinancialYear, parse_month

KEY_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # consonants only: a key never holds a digit, so never a reference
KEY_LENGTH = 10  # 20^10 ≈ 10^13 keys: no two placements of an authority share one
TOP_POSTINGS = 25


def pseudonym(secret: bytes, placement_id: str) -> str:
    """The placement's key: HMAC-SHA256 of its id under the workspace secret, as ``K-`` and 10 letters."""
    digest = int.from_bytes(hmac.new(secret, placement_id.encode("utf-8"), hashlib.sha256).digest(), "big")
    letters = []
    for _ in range(KEY_LENGTH):
        digest, k = divmod(digest, len(KEY_ALPHABET))
        letters.append(KEY_ALPHABET[k])
    return "K-" + "".join(letters)


@dataclass
class PlacementRow:
    """One placement as the detail shows it: a key, never a child reference or the placement id."""

    key: str
    start: date
    end: date | None
    planned_end: date | None
    weekly_cost_p: int
    provider_type: str
    days_in_year: int  # days in placement this financial year: to date, plus committed to the year end
    cost_to_date_p: int  # cost of its days this year to the period end (day rule of the commitments)
    cost_to_year_end_p: int  # committed cost after the period end to its planned end or the year end


@dataclass
class PostingRow:
    supplier: str
    month: str  # "2019-12"
    rows: int
    amount_p: int


@dataclass
class LineDetail:
    """The detail behind one line's variance."""

    line: str
    heading: str
    variance: VarianceRow
    result: LineResult
    is_placement_line: bool
    open: list[PlacementRow] = field(default_factory=list)
    started: list[PlacementRow] = field(default_factory=list)
    ended: list[PlacementRow] = field(default_factory=list)
    postings: list[PostingRow] = field(default_factory=list)
    postings_total_p: int = 0  # the line's actual expenditure and income to date (all postings)
    postings_count: int = 0
    sheet: str = ""  # its sheet in the detail workbook

    @property
    def actual_net_p(self) -> int:
        return self.result.actual_gross_p + self.result.actual_income_p

    @property
    def forecast_after_p(self) -> int:
        """Forecast net after the period end, officer adjustments apart: forecast net = actual + adjustments + this."""
        r = self.result
        return r.figures.forecast_net_p - self.actual_net_p - r.adjustments_p

    @property
    def committed_p(self) -> int:
        return sum(p.cost_to_year_end_p for p in self.open)


@dataclass
class DetailReport:
    authority: str
    financial_year: str
    period: str
    period_no: int
    variance_sign: str
    since: date  # the last month end: started / ended are after it, to the period end
    period_end: date
    variances: list[VarianceRow]  # every explained variance, in the Variances sheet's order
    lines: list[LineDetail]


def sheet_name(index: int, line: str) -> str:
    """A detail sheet's name: number and line, within Excel's 31 characters and without []:*?/\\."""
    clean = re.sub(r"[\[\]:*?/\\']", " ", line).strip()
    return f"{index:02d} {clean}"[:31].rstrip()


def _placement_rows(
    placements: pd.DataFrame, secret: bytes, fy: FinancialYear, period_end: date
) -> dict[str, PlacementRow]:
    """Every placement with days in the year, keyed by placement id (computed with the commitments' rules, so
    the open placements' costs add up to the line's commitments to the penny)."""
    if not len(placements):
        return {}
    by_id = placements.assign(line=placements["placement_id"].astype(str))
    done = actual_cost_by_month(by_id, fy.start, period_end).groupby("line")[["days", "cost_p"]].sum()
    ahead = commitments_by_month(by_id, period_end, fy.end)
    later = ahead.groupby("line")[["days", "cost_p"]].sum() if len(ahead) else done.iloc[0:0]
    done_days, done_cost = done["days"].to_dict(), done["cost_p"].to_dict()
    ahead_days, ahead_cost = later["days"].to_dict(), later["cost_p"].to_dict()
    out: dict[str, PlacementRow] = {}
    for r in placements.to_dict("records"):
        pid = str(r["placement_id"])
        d_days, a_days = int(done_days.get(pid, 0)), int(ahead_days.get(pid, 0))
        if d_days == 0 and a_days == 0:
            continue  # no day of it falls in this year to the period end or after
        start = _as_date(r["start_date"])
        if start is None:
            continue
        out[pid] = PlacementRow(
            key=pseudonym(secret, pid),
            start=start,
            end=_as_date(r["end_date"]),
            planned_end=_as_date(r["planned_end_date"]),
            weekly_cost_p=int(r["weekly_cost_p"]),
            provider_type=str(r["placement_type"] or ""),
            days_in_year=d_days + a_days,
            cost_to_date_p=int(done_cost.get(pid, 0)),
            cost_to_year_end_p=int(ahead_cost.get(pid, 0)),
        )
    return out


def _as_date(value: object) -> date | None:
    """A frame's Timestamp (or NaT) as a date (or None)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _placement_detail(
    detail: LineDetail, placements: pd.DataFrame, rows: dict[str, PlacementRow], since: date, end: date
) -> None:
    on_line = placements[placements["line"] == detail.line]
    at, after = np.datetime64(end, "D"), np.datetime64(since, "D")
    start = on_line["start_date"].to_numpy(dtype="datetime64[D]")
    stop = on_line["end_date"].to_numpy(dtype="datetime64[D]")
    ids = on_line["placement_id"].astype(str).to_numpy()
    is_open = (start <= at) & (np.isnat(stop) | (stop > at))
    started = (start > after) & (start <= at)
    ended = ~np.isnat(stop) & (stop > after) & (stop <= at)
    order = lambda p: (p.start, p.key)  # noqa: E731
    detail.open = sorted((rows[i] for i in ids[is_open] if i in rows), key=order)
    detail.started = sorted((rows[i] for i in ids[started] if i in rows), key=order)
    detail.ended = sorted((rows[i] for i in ids[ended] if i in rows), key=order)


def _postings_by_line(
    con: duckdb.DuckDBPyConnection, lines: list[str], fy: int, period: int
) -> dict[str, list[tuple[str, int, int, int]]]:
    """(supplier, period, postings, pence) of each line's year to date, largest first: one pass of the ledger."""
    out: dict[str, list[tuple[str, int, int, int]]] = {line: [] for line in lines}
    if not lines:
        return out
    rows = con.execute(
        "SELECT line, COALESCE(NULLIF(trim(supplier), ''), '(no supplier)') AS supplier, period, count(*), "
        "sum(amount_p) FROM ledger WHERE fy = ? AND period <= ? AND list_contains(?, line) GROUP BY 1, 2, 3 "
        "ORDER BY 1, abs(sum(amount_p)) DESC, 2, 3",
        [fy, period, lines],
    ).fetchall()
    for line, supplier, p, n, amount in rows:
        out[str(line)].append((str(supplier), int(p), int(n), int(amount)))
    return out


def _posting_detail(detail: LineDetail, rows: list[tuple[str, int, int, int]], fy: int) -> None:
    """The line's largest postings of the year to date, by supplier and month."""
    year = FinancialYear(fy)
    detail.postings = [
        PostingRow(s, year.month(p).strftime("%Y-%m"), n, a) for s, p, n, a in rows[:TOP_POSTINGS]
    ]
    detail.postings_total_p = sum(a for *_, a in rows)
    detail.postings_count = sum(n for _, _, n, _ in rows)


def detail_report(con: duckdb.DuckDBPyConnection, report: OutturnReport, secret: bytes) -> DetailReport:
    """The detail behind every explained line variance of ``report``."""
    fy, p = parse_month(report.period)
    period_end = fy.month_end(p)
    since = fy.month_end(p - 1) if p > 1 else fy.start - timedelta(days=1)
    placements = stored_placements(con)
    placement_lines = set(placements["line"]) if len(placements) else set()
    explained = {v.name for v in report.variances if v.level == "line"} & placement_lines
    rows = _placement_rows(placements[placements["line"].isin(explained)], secret, fy, period_end)
    results = {(ln.heading, ln.name): ln for ln in report.lines}
    others = [v.name for v in report.variances if v.level == "line" and v.name not in placement_lines]
    postings = _postings_by_line(con, others, fy.start_year, p)
    details: list[LineDetail] = []
    for v in report.variances:
        if v.level != "line" or (v.heading, v.name) not in results:
            continue
        d = LineDetail(v.name, v.heading, v, results[(v.heading, v.name)], v.name in placement_lines)
        if d.is_placement_line:
            _placement_detail(d, placements, rows, since, period_end)
        else:
            _posting_detail(d, postings.get(d.line, []), fy.start_year)
        d.sheet = sheet_name(len(details) + 1, d.line)
        details.append(d)
    return DetailReport(
        report.authority,
        report.financial_year,
        report.period,
        report.period_no,
        report.variance_sign,
        since,
        period_end,
        [v for v in report.variances if v.level in ("heading", "line")],
        details,
    )


def stored_child_refs(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every child reference in the store (to check a workbook against; never to be printed)."""
    return {str(r[0]).strip() for r in con.execute("SELECT DISTINCT child_ref FROM placements").fetchall()}


def child_ref_matcher(refs: set[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern finding any of ``refs`` inside a text (longest first)."""
    refs = {r for r in refs if r}
    if not refs:
        return None
    return re.compile("|".join(re.escape(r) for r in sorted(refs, key=len, reverse=True)), re.IGNORECASE)


def holds_child_ref(value: object, matcher: re.Pattern[str] | None) -> bool:
    """Whether a cell's value (text, or a number a numeric reference could be read as) holds a child ref."""
    if matcher is None or value is None:
        return False
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        text = f"{value:.0f}" if float(value).is_integer() else str(value)
        return matcher.fullmatch(text) is not None
    return matcher.search(str(value)) is not None
