"""Movement explained: what changed in a line's forecast since the previous month's run.

Each run stores a snapshot of its open placements and of its month-by-month forecast, so the next run can
say which placements are new, ended or re-priced, whether the months now actual came in above or below the
previous forecast, and how much the adjustments changed. The parts sum exactly to the movement: what the named
parts do not explain is the re-forecast of the remaining months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import duckdb
import pandas as pd

from budget.monthend.drivers import pence_rounded
from budget.monthend.history import MonthEndHistory
from budget.monthend.report import Figures, Movement, variance_pence
from forecasts.lines import LineForecast
from ledgers.readers.periods import FinancialYear

SNAPSHOT_TABLES = (
    "CREATE TABLE IF NOT EXISTS run_placements (fy INTEGER NOT NULL, period INTEGER NOT NULL, "
    "placement_id VARCHAR NOT NULL, line VARCHAR NOT NULL, weekly_cost_p BIGINT NOT NULL, start_date DATE, "
    "end_date DATE, planned_end_date DATE)",
    "CREATE TABLE IF NOT EXISTS run_line_months (fy INTEGER NOT NULL, period INTEGER NOT NULL, "
    "line VARCHAR NOT NULL, month DATE NOT NULL, net_p BIGINT NOT NULL, adjustments_p BIGINT)",
)
REFORECAST = "re-forecast of the remaining months"


@dataclass(frozen=True)
class MovementPart:
    """One reason for a change in a line's forecast net (pence, positive = forecast up), never a child id."""

    label: str
    amount_p: int
    count: int = 0


@dataclass
class LineMovement:
    line: str
    movement_p: int
    parts: list[MovementPart] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """A stored run: open placements (id → (line, weekly cost, start, end, planned end)) and forecast months."""

    period: int
    placements: dict[str, tuple[str, int, date | None, date | None, date | None]]
    month_net_p: dict[tuple[str, date], int]
    adjustments_p: dict[str, int]


def ensure_snapshot_tables(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in SNAPSHOT_TABLES:
        con.execute(stmt)


def open_at(placements: pd.DataFrame, day: date) -> pd.DataFrame:
    """Placements open at the end of ``day``."""
    end = pd.Timestamp(day)
    return placements[
        (placements["start_date"] <= end) & (placements["end_date"].isna() | (placements["end_date"] > end))
    ]


def save_snapshot(
    con: duckdb.DuckDBPyConnection,
    fy: FinancialYear,
    period: int,
    placements: pd.DataFrame,
    forecasts: dict[str, LineForecast],
    adjustments_p: dict[str, int],
) -> None:
    """Store this run's open placements and month forecasts (replacing an earlier run of the same period)."""
    ensure_snapshot_tables(con)
    con.execute("DELETE FROM run_placements WHERE fy = ? AND period = ?", [fy.start_year, period])
    con.execute("DELETE FROM run_line_months WHERE fy = ? AND period = ?", [fy.start_year, period])
    if len(placements):
        snap = open_at(placements, fy.month_end(period))
        frame = pd.DataFrame(
            {
                "fy": fy.start_year,
                "period": period,
                "placement_id": snap["placement_id"].astype(str),
                "line": snap["line"].astype(str),
                "weekly_cost_p": snap["weekly_cost_p"].astype("int64"),
                "start_date": snap["start_date"],
                "end_date": snap["end_date"],
                "planned_end_date": snap["planned_end_date"],
            }
        )
        con.register("snapshot_frame", frame)
        con.execute(
            "INSERT INTO run_placements SELECT fy, period, placement_id, line, weekly_cost_p, "
            "CAST(start_date AS DATE), CAST(end_date AS DATE), CAST(planned_end_date AS DATE) FROM snapshot_frame"
        )
        con.unregister("snapshot_frame")
    rows = [
        [fy.start_year, period, name, m.month, m.net_p, adjustments_p.get(name, 0)]
        for name, lf in forecasts.items()
        for m in lf.months
        if m.month <= fy.end
    ]
    rows += [[fy.start_year, period, name, fy.end, 0, adj] for name, adj in adjustments_p.items() if adj]
    if rows:  # one insert from a frame: executemany costs seconds for a few hundred rows
        months = pd.DataFrame(rows, columns=["fy", "period", "line", "month", "net_p", "adjustments_p"])
        months = months.astype({"fy": "int32", "period": "int32", "net_p": "int64", "adjustments_p": "int64"})
        con.register("snapshot_months", months)
        con.execute(
            "INSERT INTO run_line_months SELECT fy, period, line, CAST(month AS DATE), net_p, adjustments_p "
            "FROM snapshot_months"
        )
        con.unregister("snapshot_months")


def snapshot(con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int) -> Snapshot | None:
    """The stored snapshot of ``period``'s run, or None when that run stored none."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"run_placements", "run_line_months"} <= tables:
        return None
    months = con.execute(
        "SELECT line, month, net_p, adjustments_p FROM run_line_months WHERE fy = ? AND period = ?",
        [fy.start_year, period],
    ).fetchall()
    places = con.execute(
        "SELECT placement_id, line, weekly_cost_p, start_date, end_date, planned_end_date FROM run_placements "
        "WHERE fy = ? AND period = ?",
        [fy.start_year, period],
    ).fetchall()
    if not months and not places:
        return None
    month_net: dict[tuple[str, date], int] = {}
    adjustments: dict[str, int] = {}
    for line, month, net, adj in months:
        month_net[(line, month)] = month_net.get((line, month), 0) + int(net)
        adjustments[line] = int(adj or 0)
    return Snapshot(
        period,
        {r[0]: (r[1], int(r[2]), r[3], r[4], r[5]) for r in places},
        month_net,
        adjustments,
    )


def _days(start: date, end: date) -> int:
    return max((end - start).days + 1, 0)


def _cost(weekly_p: int, start: date, end: date) -> Fraction:
    return Fraction(weekly_p * _days(start, end), 7)


def placement_parts(
    prev: Snapshot, placements: pd.DataFrame, fy: FinancialYear, period: int
) -> dict[str, list[tuple[str, Fraction]]]:
    """By line: (reason, cost in the remaining months after ``period``) of each placement that is new, ended
    or re-priced since the previous run (the months now actual are in the actuals part)."""
    after = fy.month_end(period) + timedelta(days=1)
    now_open = open_at(placements, fy.month_end(period))
    ends = {
        str(pid): None if pd.isna(e) else e.date()
        for pid, e in zip(placements["placement_id"], placements["end_date"], strict=True)
    }
    out: dict[str, list[tuple[str, Fraction]]] = {}
    for pid, line, weekly, start, planned in zip(
        now_open["placement_id"].astype(str),
        now_open["line"].astype(str),
        now_open["weekly_cost_p"].astype("int64").tolist(),
        now_open["start_date"],
        now_open["planned_end_date"],
        strict=True,
    ):
        # a planned end that has already passed is no end at all (as in the commitments): cost to year end
        until = min(planned.date(), fy.end) if not pd.isna(planned) and planned.date() >= after else fy.end
        old = prev.placements.get(pid)
        if old is None:
            cost = _cost(int(weekly), max(start.date(), after), until)
            out.setdefault(line, []).append(("new placements", cost))
        elif old[1] != weekly:
            out.setdefault(line, []).append(
                ("changed weekly costs", _cost(int(weekly) - old[1], after, until))
            )
    still_open = set(now_open["placement_id"].astype(str))
    for pid, (line, weekly, _start, _end, planned) in prev.placements.items():
        if pid in still_open:
            continue
        ended = ends.get(pid)
        stop = max(ended + timedelta(days=1), after) if ended else after
        until = min(planned, fy.end) if planned and planned >= after else fy.end
        out.setdefault(line, []).append(("ended placements", -_cost(weekly, stop, until)))
    return out


def line_movements(
    prev: Snapshot,
    movements_p: dict[str, int],
    actual_monthly: pd.DataFrame,
    adjustments_p: dict[str, int],
    placements: pd.DataFrame,
    fy: FinancialYear,
    period: int,
) -> dict[str, LineMovement]:
    """Each line's movement split into: months now actual against the previous forecast, adjustments added or
    removed, new / ended / re-priced placements (estimated cost to the year end) and the re-forecast of the
    remaining months (the rest, so the parts sum exactly to the movement)."""
    new_months = [fy.month(q) for q in range(prev.period + 1, period + 1)]
    actual_by_line: dict[str, int] = {}
    if len(actual_monthly):
        recent = actual_monthly[actual_monthly["period"].between(prev.period + 1, period)]
        for line, amount in zip(recent["line"], recent["amount_p"].tolist(), strict=True):
            actual_by_line[str(line)] = actual_by_line.get(str(line), 0) + int(amount)
    by_line = placement_parts(prev, placements, fy, period) if len(placements) else {}
    out: dict[str, LineMovement] = {}
    for line, moved in movements_p.items():
        parts: list[MovementPart] = []
        expected = sum(prev.month_net_p.get((line, m), 0) for m in new_months)
        month_names = "/".join(m.strftime("%B") for m in new_months)
        parts.append(
            MovementPart(
                f"{month_names} actuals against the P{prev.period} forecast",
                actual_by_line.get(line, 0) - expected,
            )
        )
        parts.append(
            MovementPart("adjustments", adjustments_p.get(line, 0) - prev.adjustments_p.get(line, 0))
        )
        grouped: dict[str, list[Fraction]] = {}
        for label, amount in by_line.get(line, []):
            grouped.setdefault(label, []).append(amount)
        for label in ("new placements", "ended placements", "changed weekly costs"):
            if label in grouped:
                amounts = grouped[label]
                parts.append(MovementPart(label, pence_rounded(sum(amounts, Fraction(0))), len(amounts)))
        parts.append(MovementPart(REFORECAST, moved - sum(p.amount_p for p in parts)))
        out[line] = LineMovement(line, moved, [p for p in parts if p.amount_p or p.count])
    return out


def quarter_end_before(p: int) -> int | None:
    """The last quarter end (P3, P6, P9) before period ``p``; None in the first quarter."""
    q = (p - 1) // 3 * 3
    return q or None


def movement_since(
    history: MonthEndHistory,
    p: int,
    then: int | None,
    total: Figures,
    sign: str,
    *,
    quarter: bool,
) -> Movement | None:
    """The grand-total forecast change since the stored run of period ``then`` (None when none is stored)."""
    if then is None or then >= p:
        return None
    nets = history.forecast_nets(then)
    if not nets:
        return None
    before = sum(nets.values())
    month = history.fy.month(then).strftime("%B %Y")
    since = f"the end of Quarter {then // 3} ({month})" if quarter else f"{month} (P{then})"
    return Movement(
        since, then, total.forecast_net_p - before, variance_pence(total.budget_net_p, before, sign)
    )
