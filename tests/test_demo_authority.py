"""The demo authority's input files: deterministic, balanced, and shaped on the seed's December 2019 report."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from budget.demo.authority import DemoInputs, write_demo_inputs
from ledgers.readers.money import pence_from_text

CARE_LINES = {
    "Out of Area Residential",
    "In-house Residential",
    "Independent Fostering Agencies",
    "In-house Fostering",
    "16+ Supported Accommodation",
    "Asylum Seekers",
}
SEED_HEADINGS = [
    "Children Looked After",
    "Other Children and Family Services",
    "Family Support Services",
    "Youth Justice",
    "Safeguarding Children and Young People's Services",
    "Services for Young People",
    "Contract Value",
    "Support Services and Management Costs",
]
DELIBERATELY_UNMAPPED = {("CLA99", "5410"), ("CLA10", "4100"), ("ZZ100", "5410")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoInputs:
    return write_demo_inputs(tmp_path_factory.mktemp("demo") / "inputs")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y" if "/" in text else "%Y-%m-%d").date()


def ledger_rows(demo: DemoInputs) -> list[dict[str, str]]:
    return [r for path in demo.ledgers for r in rows(path)]


def specificity(pattern: str) -> tuple[int, int]:
    if pattern == "*":
        return (0, 0)
    if pattern.endswith("*"):
        return (1, len(pattern))
    return (2, len(pattern))


def matches(pattern: str, code: str) -> bool:
    return pattern == "*" or (code.startswith(pattern[:-1]) if pattern.endswith("*") else code == pattern)


def resolve(mapping: list[dict[str, str]], cc: str, account: str) -> list[dict[str, str]]:
    """The rules that match a combination and are at least as specific as every other match in both codes."""
    hits = [m for m in mapping if matches(m["cost_centre"], cc) and matches(m["account"], account)]
    return [
        m
        for m in hits
        if all(
            specificity(m["cost_centre"]) >= specificity(o["cost_centre"])
            and specificity(m["account"]) >= specificity(o["account"])
            for o in hits
        )
    ]


def test_two_runs_write_identical_bytes(demo: DemoInputs, tmp_path: Path) -> None:
    again = write_demo_inputs(tmp_path / "again")
    assert [p.name for p in again.files] == [p.name for p in demo.files]
    for a, b in zip(demo.files, again.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other_seed = write_demo_inputs(tmp_path / "other", seed=7)
    assert other_seed.placements.read_bytes() != demo.placements.read_bytes()


def test_budget_totals_match_the_seed_table(demo: DemoInputs) -> None:
    budget = rows(demo.budget)
    gross = sum(pence_from_text(r["gross"]) for r in budget)
    income = sum(pence_from_text(r["income"]) for r in budget)
    assert gross == 57_281_000_00 and income == -57_281_000_00  # £57,281k each way: net nil to the penny
    assert list(dict.fromkeys(r["heading"] for r in budget)) == SEED_HEADINGS
    cla = [r for r in budget if r["heading"] == "Children Looked After"]
    assert sum(pence_from_text(r["gross"]) for r in cla) == 32_483_000_00
    assert sum(pence_from_text(r["income"]) for r in cla) == -3_458_000_00
    contract = next(r for r in budget if r["line"] == "Contract Value")
    assert pence_from_text(contract["income"]) == -51_642_000_00 and contract["method"] == "profile"
    for r in budget:
        net = pence_from_text(r["gross"]) + pence_from_text(r["income"])
        assert sum(pence_from_text(r[f"p{i}"]) for i in range(1, 13)) == net, r["line"]
    funders = {r["line"]: r["funded_by"] for r in budget if r["funded_by"]}
    assert funders["DSG High Needs Contribution"] == "DSG High Needs Block"
    assert funders["Continuing Healthcare Contributions"] == "Health (CHC)"
    assert funders["Asylum Seekers"] == "Home Office UASC grant"


def test_placement_lines_budget_numbers_times_unit_cost_make_the_gross(demo: DemoInputs) -> None:
    placement_lines = [r for r in rows(demo.budget) if r["budget_numbers"]]
    assert len(placement_lines) == 9
    for r in placement_lines:
        implied = float(r["budget_numbers"]) * float(r["budget_unit_cost"]) * 52.14
        assert implied == pytest.approx(pence_from_text(r["gross"]) / 100, rel=0.005), r["line"]


def open_on(placements: list[dict[str, str]], on: date) -> list[dict[str, str]]:
    return [
        p for p in placements if day(p["start_date"]) <= on and (not p["end_date"] or day(p["end_date"]) > on)
    ]


def test_placements_mix_at_december_2019(demo: DemoInputs) -> None:
    placements = rows(demo.placements)
    dec = open_on(placements, date(2019, 12, 31))
    count: defaultdict[str, int] = defaultdict(int)
    for p in dec:
        count[p["line"]] += 1
    assert 500 <= sum(count[line] for line in CARE_LINES) <= 540
    assert count["Out of Area Residential"] == 38
    ooa_sept = [p for p in open_on(placements, date(2019, 9, 30)) if p["line"] == "Out of Area Residential"]
    assert len(ooa_sept) == 32  # "an increase of 6 since the end of September"
    assert count["In-house Residential"] == 16 and count["Special Guardianship Orders"] == 300
    march: defaultdict[str, int] = defaultdict(int)
    for p in open_on(placements, date(2019, 3, 31)):
        march[p["line"]] += 1
    assert count["Independent Fostering Agencies"] < march["Independent Fostering Agencies"]
    assert count["In-house Fostering"] > march["In-house Fostering"]
    assert all(p["end_date"] == "" for p in dec)
    assert sum(1 for p in dec if p["planned_end_date"]) == 22
    ooa_weekly = [float(p["weekly_cost"]) for p in dec if p["line"] == "Out of Area Residential"]
    assert min(ooa_weekly) >= 4000 * 0.97 and max(ooa_weekly) <= 6000


def test_children_step_down_the_ladder_keeping_their_reference(demo: DemoInputs) -> None:
    by_child = defaultdict(list)
    for p in rows(demo.placements):
        by_child[p["child_ref"]].append(p)
    moves = set()
    for placements in by_child.values():
        for a in placements:
            for b in placements:
                if a["end_date"] and day(b["start_date"]) == day(a["end_date"]) + timedelta(days=1):
                    moves.add((a["line"], b["line"]))
    assert ("Out of Area Residential", "Independent Fostering Agencies") in moves
    assert ("Independent Fostering Agencies", "In-house Fostering") in moves
    assert ("In-house Fostering", "Special Guardianship Orders") in moves


def test_invoices_are_weekly_cost_times_days_to_the_penny(demo: DemoInputs) -> None:
    placements = {p["placement_id"]: p for p in rows(demo.placements)}
    invoices = defaultdict(list)
    for r in ledger_rows(demo):
        if r["placement_id"]:
            invoices[r["placement_id"]].append(r)
    # first 4 weeks 01/04/2016-28/04/2016 of a placement open throughout: 4 x weekly cost exactly
    first = [
        pid for pid, p in placements.items() if day(p["start_date"]) < date(2016, 4, 1) and pid in invoices
    ]
    p = placements[first[0]]
    row = next(r for r in invoices[first[0]] if day(r["date"]) == date(2016, 4, 28))
    assert pence_from_text(row["amount"]) == 4 * pence_from_text(p["weekly_cost"])
    # a placement starting mid-period is charged its days: re-derive every invoice of a few placements
    checked = 0
    anchor = date(2016, 4, 1)
    for pid in list(invoices)[100:2000:150]:
        p = placements[pid]
        start, end = day(p["start_date"]), day(p["end_date"]) if p["end_date"] else date(2099, 1, 1)
        weekly = pence_from_text(p["weekly_cost"])
        for r in invoices[pid]:
            period_end = day(r["date"])
            period_start = period_end - timedelta(days=27)
            assert (period_start - anchor).days % 28 == 0
            days = (min(end, period_end) - max(start, period_start)).days + 1
            assert pence_from_text(r["amount"]) == (2 * weekly * days + 7) // 14
            checked += 1
    assert checked > 50


def test_ledger_placement_line_totals_are_the_sum_of_per_placement_invoices(demo: DemoInputs) -> None:
    """Every OOA invoice of 2019/20 re-derived from the placements list: 4-weekly periods from 1 April 2016."""
    fy_start, as_at, anchor = date(2019, 4, 1), date(2019, 12, 31), date(2016, 4, 1)
    ledger_total = 0
    for r in rows(demo.ledgers[-1]):
        if r["cost_centre"] == "CLA11":
            assert r["placement_id"], "placement lines hold invoices only (no accruals without a placement)"
            ledger_total += pence_from_text(r["amount"])
    expected = 0
    for p in rows(demo.placements):
        if p["line"] != "Out of Area Residential":
            continue
        start, end = day(p["start_date"]), day(p["end_date"]) if p["end_date"] else date(2099, 1, 1)
        for k in range(60):
            period_start = anchor + timedelta(days=28 * k)
            period_end = period_start + timedelta(days=27)
            if fy_start <= period_end <= as_at:
                days = (min(end, period_end) - max(start, period_start)).days + 1
                if days > 0:
                    expected += (2 * pence_from_text(p["weekly_cost"]) * days + 7) // 14
    assert ledger_total == expected
    assert 5_000_000_00 < ledger_total < 6_500_000_00  # about 33 children at about £4,800 a week for 36 weeks


def test_every_ledger_code_has_one_most_specific_mapping(demo: DemoInputs) -> None:
    mapping = rows(demo.mapping)
    patterns = {m["cost_centre"] for m in mapping} | {m["account"] for m in mapping}
    assert "*" in patterns and any(p.endswith("*") and p != "*" for p in patterns)
    assert any(not p.endswith("*") and p[0].isdigit() for p in patterns)  # an exact account code
    combos: dict[tuple[str, str], int] = defaultdict(int)
    for r in ledger_rows(demo):
        combos[(r["cost_centre"], r["account"])] += 1
    for (cc, account), _ in combos.items():
        best = resolve(mapping, cc, account)
        if (cc, account) in DELIBERATELY_UNMAPPED:
            assert best == [], (cc, account)
        else:
            assert len(best) == 1, (cc, account, best)
    assert sum(n for combo, n in combos.items() if combo in DELIBERATELY_UNMAPPED) == 40  # 10 a year
    assert resolve(mapping, "CLA10", "5620")[0]["line"] == "Independent Fostering Agencies"
    assert resolve(mapping, "CLA22", "5720")[0]["line"] == "Child Arrangement Orders"
    assert resolve(mapping, "CLA21", "5710")[0]["line"] == "Special Guardianship Orders"
    assert resolve(mapping, "SSM20", "5410")[0]["line"] == "ICT"
    assert resolve(mapping, "SSM10", "5010")[0]["line"] == "Business Support"
    assert resolve(mapping, "CON10", "9110")[0]["kind"] == "income"


def test_historic_file_is_written_the_council_export_way(demo: DemoInputs) -> None:
    text = demo.ledgers[1].read_text(encoding="utf-8")
    assert demo.ledgers[1].name == "ledger-2017-18.csv"
    assert '"£' in text and '"(' in text and "\n30/06/2017," in text
    assert "£" not in demo.ledgers[-1].read_text(encoding="utf-8")


def test_child_references_stay_out_of_the_ledger(demo: DemoInputs) -> None:
    refs = {p["child_ref"] for p in rows(demo.placements)}
    ledger_text = "".join(path.read_text(encoding="utf-8") for path in demo.ledgers)
    assert not any(ref in ledger_text for ref in list(refs)[:300])
    assert any(p["provider"] == '=HYPERLINK("http://x","y")' for p in rows(demo.placements))


def naive_p9_forecast(demo: DemoInputs) -> dict[str, tuple[int, int]]:
    """(gross, income) forecast by line at P9: placement lines = cost of their days from 1 April to 31 December
    (invoiced or accrued) + open placements to their planned end or 31 March; "profile" lines = actuals + the
    budget profile for P10-P12; others = actuals x 12 / 9."""
    mapping = rows(demo.mapping)
    budget = {r["line"]: r for r in rows(demo.budget)}
    actual: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows(demo.ledgers[-1]):
        best = resolve(mapping, r["cost_centre"], r["account"])
        if best:
            actual[(best[0]["line"], best[0]["kind"])] += pence_from_text(r["amount"])
    placement_cost: dict[str, float] = defaultdict(float)
    fy_start, year_end = date(2019, 4, 1), date(2020, 3, 31)
    for p in rows(demo.placements):
        start, weekly = day(p["start_date"]), pence_from_text(p["weekly_cost"])
        end = day(p["end_date"]) if p["end_date"] else year_end
        if not p["end_date"] and p["planned_end_date"]:
            end = min(end, day(p["planned_end_date"]))
        days = (min(end, year_end) - max(start, fy_start)).days + 1
        placement_cost[p["line"]] += weekly * max(days, 0) / 7
    out = {}
    for line, b in budget.items():
        gross, income = actual[(line, "expenditure")], actual[(line, "income")]
        if b["budget_numbers"]:
            gross = round(placement_cost[line])
            income = income * 12 // 9
        elif b["method"] == "profile":
            ahead = sum(pence_from_text(b[f"p{i}"]) for i in (10, 11, 12))
            gross, income = (gross + ahead, income) if ahead > 0 else (gross, income + ahead)
        else:
            gross, income = gross * 12 // 9, income * 12 // 9
        out[line] = (gross, income)
    return out


def test_a_plain_p9_forecast_gives_the_seed_variances(demo: DemoInputs) -> None:
    budget = {r["line"]: r for r in rows(demo.budget)}
    forecast = naive_p9_forecast(demo)
    adjustments = {r["line"]: pence_from_text(r["amount"]) for r in rows(demo.adjustments)}

    def variance(line: str) -> int:  # budget − forecast net, pounds: positive = underspend
        b = budget[line]
        net_budget = pence_from_text(b["gross"]) + pence_from_text(b["income"])
        return (net_budget - sum(forecast[line]) - adjustments.get(line, 0)) // 100

    assert -950_000 <= variance("Out of Area Residential") <= -750_000
    assert 250_000 <= variance("Independent Fostering Agencies") <= 360_000
    assert 90_000 <= variance("Special Guardianship Orders") <= 160_000
    assert 100_000 <= variance("Child Arrangement Orders") <= 180_000
    assert 100_000 <= variance("Asylum Seekers") <= 200_000
    assert -300_000 <= variance("Continuing Healthcare Contributions") <= -250_000
    assert 350_000 <= variance("DSG High Needs Contribution") <= 440_000
    safeguarding = [line for line, b in budget.items() if b["heading"].startswith("Safeguarding")]
    assert -420_000 <= sum(variance(line) for line in safeguarding) <= -320_000
    assert 900_000 <= sum(variance(line) for line in budget) <= 1_150_000
