"""The careladder.toml schema: every setting's type and range, checked when the workspace opens.

Each setting has a kind (how it is read and what range it may take); a wrong value is reported with the
file, the setting as it is written in the file (``[contract] surplus_share_to_council``) and the values it
accepts, all problems at once. A key that is not a setting but is close to one (``variance_treshold``) is
refused too: a misspelt setting silently left at its default would change the figures. Other unknown keys
are left alone (an older or newer careladder may know them). New settings are added to ``SCHEMA``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgers.readers.periods import FinancialYear

MAX_POUNDS = Decimal(10) ** 12  # a trillion pounds: beyond this a value is a typo, and overflows the store
_PLAIN_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*$")


class SettingInvalid(Exception):
    """One setting's complaint (without the file and the setting's name)."""


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict) else "a table {" + ", ".join(map(str, value)) + "}"
    return text if len(text) <= 60 else text[:57] + "..."


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, list):
        return f"{_shown(value)} (a list)"
    if isinstance(value, dict):
        return _shown(value)
    return _shown(value)


def _number(value: Any, accepted: str) -> Decimal:
    """A TOML number (or a quoted plain number) as an exact decimal."""
    if isinstance(value, bool | list | dict):
        raise SettingInvalid(f"{_what(value)} is not a number; {accepted}")
    if isinstance(value, float) and not math.isfinite(value):
        raise SettingInvalid(f"{value} is not a number; {accepted}")
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str) and _PLAIN_NUMBER.match(value):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            pass
    raise SettingInvalid(f"{_shown(value)} is not a number; {accepted}")


@dataclass(frozen=True)
class Kind:
    """How one setting is read: ``read`` returns the value (or raises SettingInvalid with a complaint)."""

    name: str
    read: Callable[[Any], Any]


def _pounds(value: Any) -> Decimal:
    accepted = "write a number of pounds such as 100000 (no £ or commas, at most 2 decimal places)"
    if isinstance(value, str) and not _PLAIN_NUMBER.match(value):
        raise SettingInvalid(f"{_shown(value)} is not a number of pounds; {accepted}")
    d = _number(value, accepted)
    if d < 0:
        raise SettingInvalid(f"{value} is negative; {accepted}")
    if d != d.quantize(Decimal("0.01")):
        raise SettingInvalid(f"{value} has more than 2 decimal places; {accepted}")
    if d > MAX_POUNDS:
        raise SettingInvalid(f"{value} is more than £1,000,000,000,000; {accepted}")
    return d


def _fraction(low: Decimal, high: Decimal, example: str) -> Callable[[Any], Decimal]:
    accepted = f"use a fraction from {low} to {high}, such as {example}"

    def read(value: Any) -> Decimal:
        d = _number(value, accepted)
        if d < low:
            raise SettingInvalid(f"{value} is less than {low}; {accepted}")
        if d > high:
            raise SettingInvalid(f"{value} is more than {high}; {accepted}")
        return d

    return read


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingInvalid(f'{_what(value)} is not a name; write text in quotes, such as "Contract Value"')
    return value


def _free_text(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingInvalid(f"{_what(value)} is not text; write it in quotes")
    return value


def _year(value: Any) -> FinancialYear:
    complaint = f'{_what(value)} is not a financial year; write it in quotes, like "2019/20"'
    if not isinstance(value, str):
        raise SettingInvalid(complaint)
    try:
        return FinancialYear.parse(value)
    except ValueError:
        raise SettingInvalid(complaint) from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingInvalid(f"{_what(value)} is not true or false; write true or false (no quotes)")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in options:
            raise SettingInvalid(
                f"{_what(value)} is not allowed; use {' or '.join(repr(o) for o in options)}"
            )
        return str(value)

    return read


def _patterns(value: Any) -> list[str]:
    accepted = 'write a list of account codes or prefixes ending in *, such as ["9*"]'
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SettingInvalid(f"{_what(value)} is not a list of codes; {accepted}")
    return [str(v).strip() for v in value]


SHARE = Kind("share", _fraction(Decimal(0), Decimal(1), "0.90 for 90%"))
RAG_LIMIT = Kind("share of budget", _fraction(Decimal(0), Decimal(1), "0.02 for 2% of the budget"))
AT_RISK = Kind("share of target", _fraction(Decimal(0), Decimal(1), "0.25 for 25% of the target"))
RATE = Kind("rate", _fraction(Decimal(-1), Decimal(1), "0.03 for 3% a year (-0.02 for a 2% fall)"))
CHANGE = Kind("change", _fraction(Decimal(-1), Decimal(5), "0.10 for 10% more (-0.10 for 10% fewer)"))
POUNDS = Kind("pounds", _pounds)
TEXT = Kind("text", _text)
FREE_TEXT = Kind("free text", _free_text)
YEAR = Kind("financial year", _year)
BOOL = Kind("true/false", _bool)
PATTERNS = Kind("code patterns", _patterns)
SIGN = Kind("variance sign", _choice("budget-minus-forecast", "forecast-minus-budget"))


@dataclass(frozen=True)
class ByLine:
    """A fraction for every placement line, or a table of line = fraction (``"*"`` = every line)."""

    kind: Kind
    single_allowed: bool = True


@dataclass(frozen=True)
class Section:
    """A TOML table of settings; ``each`` when every entry is itself a table of these (scenarios)."""

    keys: dict[str, Kind | ByLine | Section]
    each: bool = False
    strict: bool = False  # unknown keys refused (not only near misses)
    example: str = ""


SCENARIO = Section(
    {
        "description": FREE_TEXT,
        "demand_change": ByLine(CHANGE),
        "price_change": ByLine(CHANGE),
        "savings": BOOL,
        "pay_award": RATE,
        "contract_growth": RATE,
    },
    strict=True,
    example="[scenarios.high-demand] with demand_change = 0.10",
)

SCHEMA = Section(
    {
        "authority": TEXT,
        "financial_year": YEAR,
        "variance_threshold": POUNDS,
        "variance_sign": SIGN,
        "rag_amber": RAG_LIMIT,
        "rag_red": RAG_LIMIT,
        "income_accounts": PATTERNS,
        "contract": Section(
            {
                "value": POUNDS,
                "surplus_share_to_council": SHARE,
                "overspend_share_to_council": SHARE,
                "retained_in_full": POUNDS,
            },
            example="[contract] with value = 51642000 on the line below",
        ),
        "forecast": Section(
            {"inflation": RATE, "uplift": ByLine(RATE, single_allowed=False)},
            example="[forecast] with inflation = 0.03 on the line below",
        ),
        "savings": Section({"red_at_risk": AT_RISK}, example="[savings] with red_at_risk = 0.25 below"),
        "mtfs": Section(
            {"pay_award": RATE, "contract_growth": RATE, "contract_line": TEXT},
            example="[mtfs] with pay_award = 0.02 on the line below",
        ),
        "scenarios": Section({"*": SCENARIO}, each=True, example="[scenarios.NAME] tables"),
    }
)
REQUIRED = ("authority", "financial_year")


def _label(path: tuple[str, ...]) -> str:
    """A setting as it is written in the file: ``rag_amber``, ``[contract] value``, ``[scenarios.x]``."""
    if len(path) == 1:
        return path[0]
    return f"[{'.'.join(path[:-1])}] {path[-1]}"


def _table_label(path: tuple[str, ...]) -> str:
    return f"[{'.'.join(path)}]"


def _check(value: Any, spec: Kind | ByLine | Section, path: tuple[str, ...], out: list[str]) -> None:
    if isinstance(spec, Kind):
        try:
            spec.read(value)
        except SettingInvalid as exc:
            out.append(f"{_label(path)}: {exc}")
        return
    if isinstance(spec, ByLine):
        if isinstance(value, dict):
            for line, v in value.items():
                _check(v, spec.kind, (*path, f'"{line}"' if not str(line).isidentifier() else line), out)
        elif spec.single_allowed:
            _check(value, spec.kind, path, out)
        else:
            out.append(
                f"{_table_label(path)}: {_what(value)} is not a table; write a [{'.'.join(path)}] section "
                'with one line = fraction per budget line, such as "Out of Area Residential" = 0.05'
            )
        return
    if not isinstance(value, dict):
        where = _table_label(path)
        out.append(
            f"{where}: {_what(value)} is a single value where a table of settings belongs; "
            f"write {spec.example or where + ' as a section'}"
        )
        return
    _check_table(value, spec, path, out)


def _check_table(table: dict[str, Any], spec: Section, path: tuple[str, ...], out: list[str]) -> None:
    if spec.each:
        for name, entry in table.items():
            _check(entry, spec.keys["*"], (*path, str(name)), out)
        return
    known = list(spec.keys)
    for key, value in table.items():
        if key in spec.keys:
            _check(value, spec.keys[key], (*path, key), out)
            continue
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if near:
            out.append(f"{_label((*path, key))}: is not a setting; did you mean {near[0]}?")
        elif spec.strict:
            out.append(f"{_label((*path, key))}: is not a setting here; use {', '.join(sorted(known))}")


def setting_problems(data: dict[str, Any]) -> list[str]:
    """Every wrong setting of parsed careladder.toml, as ``setting: complaint; accepted values``."""
    out = [f"{key}: the setting is missing; add {key} = ..." for key in REQUIRED if key not in data]
    _check_table(data, SCHEMA, (), out)
    amber, red = data.get("rag_amber", Decimal("0.02")), data.get("rag_red", Decimal("0.05"))
    rag_ok = not any(p.startswith(("rag_amber", "rag_red")) for p in out)
    if rag_ok and Decimal(str(amber)) > Decimal(str(red)):
        out.append(f"rag_amber: {amber} is above rag_red ({red}); amber must start at or below red")
    return out


def read(value: Any, kind: Kind) -> Any:
    """A setting's value read by its kind (after ``setting_problems`` found nothing wrong)."""
    return kind.read(value)
