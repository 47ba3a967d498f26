"""Exact money: integer pence in the core, pounds only for display and JSON."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$")


def pence_from_text(text: str) -> int:
    """Parse an amount as written in a council export into pence.

    Accepts ``1234.56``, ``1,234.56``, ``£1,234.56``, ``-1234.56``, ``(1,234.56)`` and ``1234.56-``.
    Raises ValueError with a message fit for an officer.
    """
    grouped = re.sub(r"[\u00a3\s()+-]", "", text)
    if "," in grouped and not _GROUPED.match(grouped):
        raise ValueError(f"'{text}' is not an amount: commas may only separate thousands (1,234.56)")
    s = text.strip().replace("\u00a3", "").replace(",", "").replace(" ", "")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.endswith("-"):
        negative, s = not negative, s[:-1]
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    if s.startswith("+"):
        s = s[1:]
    if not _MONEY.match(s) or s.startswith("-"):
        raise ValueError(f"'{text}' is not an amount (e.g. 1234.56, £1,234.56 or (1,234.56))")
    pence = int((Decimal(s) * 100).to_integral_value())
    return -pence if negative else pence


def pence_from_pounds(pounds: Decimal | int | float | str) -> int:
    """Pounds (any numeric form) to integer pence, rounding half up at the penny."""
    try:
        d = Decimal(str(pounds))
    except InvalidOperation as exc:
        raise ValueError(f"'{pounds}' is not an amount in pounds") from exc
    return int((d * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pounds(pence: int) -> Decimal:
    """Integer pence to exact Decimal pounds."""
    return Decimal(int(pence)) / 100


def pounds_float(pence: int) -> float:
    """Pence to pounds as a float, for JSON and Excel cells only (never summed)."""
    return float(pounds(pence))


def share_pence(pence: int, fraction: Decimal | float | str) -> int:
    """A fraction of an amount, rounded half up to the penny (e.g. a 90% surplus share)."""
    d = Decimal(int(pence)) * Decimal(str(fraction))
    return int(d.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def words(pence: int) -> str:
    """An amount the way officers write it: £306k, £1.0m, £49k, £540."""
    p = abs(int(pence))
    pounds_ = Decimal(p) / 100
    if pounds_ >= Decimal(1_000_000):
        return f"£{(pounds_ / Decimal(1_000_000)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}m"
    if pounds_ >= Decimal(1_000):
        k = (pounds_ / Decimal(1_000)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        return "£1.0m" if k >= 1_000 else f"£{k}k"  # £999,700 is £1.0m, never £1000k
    return f"£{pounds_.quantize(Decimal('1'), rounding=ROUND_HALF_UP)}"


AMOUNT_FORMS = "51642000, 51,642,000, £51,642,000.00, £51.6m or £51,642k"
_AMOUNT = re.compile(r"^(-?)£?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([kKmM]?)$")


def pence_from_amount(text: str) -> int:
    """An amount an officer types on the command line: '51642000', '51,642,000', '£51.6m', '£51,642k'."""
    m = _AMOUNT.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not an amount in pounds: write it as {AMOUNT_FORMS}")
    value = Decimal(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))  # a minus is kept: the
    value *= {"": 1, "k": 1_000, "m": 1_000_000}[m.group(4).lower()]  # settings check says why it is wrong
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_text(pence: int, symbol: bool = True) -> str:
    """Pounds and pence for messages, negatives in brackets as in the workbook: £1,234.56 or (£1,234.56)."""
    text = f"{'£' if symbol else ''}{abs(pence) / 100:,.2f}"
    return f"({text})" if pence < 0 else text


def console_money(pence: int) -> str:
    """Whole pounds for the console as the workbook shows them: £1,001,162 or (£1,001,162), never £-1,001,162."""
    text = f"£{abs(pence) / 100:,.0f}"
    return f"({text})" if pence < 0 and text != "£0" else text
