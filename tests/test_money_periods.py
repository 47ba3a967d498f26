from datetime import date
from decimal import Decimal

import pytest

from ledgers.readers.money import pence_from_pounds, pence_from_text, share_pence, words
from ledgers.readers.periods import FinancialYear, parse_month, period_of


@pytest.mark.parametrize(
    "text, pence",
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("£1,234.56", 123456),
        ("-1234.56", -123456),
        ("(1,234.56)", -123456),
        ("1234.56-", -123456),
        ("0.1", 10),
        ("7", 700),
    ],
)
def test_amount_forms_of_the_contract(text: str, pence: int) -> None:
    assert pence_from_text(text) == pence


@pytest.mark.parametrize("bad", ["12.345", "abc", "", "1.2.3", "(5)-", "1,50", "£1,00,0"])
def test_bad_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        pence_from_text(bad)


def test_pounds_to_pence_rounds_half_up_and_shares_are_exact() -> None:
    assert pence_from_pounds("51642000") == 5_164_200_000
    assert pence_from_pounds(Decimal("0.005")) == 1
    # 90% of a £600,000 underspend is £540,000 (seed 000: £540k returned to the council)
    assert share_pence(60_000_000, "0.90") == 54_000_000


def test_amounts_in_words_as_officers_write_them() -> None:
    assert words(30_600_000) == "£306k"
    assert words(-102_500_000) == "£1.0m"
    assert words(4_907_000) == "£49k"
    assert words(54_000) == "£540"


def test_financial_year_periods() -> None:
    fy = FinancialYear.parse("2019/20")
    assert fy.start == date(2019, 4, 1) and fy.end == date(2020, 3, 31)
    assert fy.month(1) == date(2019, 4, 1)
    assert fy.month(9) == date(2019, 12, 1)
    assert fy.month(12) == date(2020, 3, 1)
    assert parse_month("2019-12") == (fy, 9)
    assert period_of(date(2020, 3, 31)) == (fy, 12)
    assert period_of(date(2019, 3, 31)) == (FinancialYear(2018), 12)
    assert parse_month("Dec 2019") == (fy, 9)  # as an officer writes it
    with pytest.raises(ValueError, match="2019-12, Dec-19"):
        parse_month("2019-13")
    with pytest.raises(ValueError, match="consecutive"):
        FinancialYear.parse("2019/21")


def test_period_in_the_forms_officers_type() -> None:
    from ledgers.readers.periods import FinancialYear, parse_month

    fy = FinancialYear(2021)
    for text in ("2021-06", "Jun-21", "June 2021", "jun 2021", "P3", "p3"):
        assert parse_month(text, fy) == (fy, 3), text
    assert parse_month("Dec-19") == (FinancialYear(2019), 9)
    for bad in ("13-2021", "P13", "Juno 2021", "2021"):
        try:
            parse_month(bad, fy)
        except ValueError as exc:
            assert "2019-12, Dec-19, December 2019 or P9" in str(exc)
        else:
            raise AssertionError(bad)


def test_amounts_in_the_forms_officers_type() -> None:
    from ledgers.readers.money import console_money, pence_from_amount

    assert pence_from_amount("51642000") == pence_from_amount("51,642,000") == 5_164_200_000
    assert pence_from_amount("£51,642,000.50") == 5_164_200_050
    assert pence_from_amount("£51.6m") == 5_160_000_000 and pence_from_amount("£51,642k") == 5_164_200_000
    assert pence_from_amount("-5") == -500  # kept, so the settings check refuses it as negative
    for bad in ("51.6 million", "51,64,2000", "£"):
        try:
            pence_from_amount(bad)
        except ValueError as exc:
            assert "51,642,000, £51,642,000.00, £51.6m" in str(exc)
        else:
            raise AssertionError(bad)
    # console money as the workbook shows it: brackets, never £-1,001,162
    assert console_money(-100_116_219) == "(£1,001,162)" and console_money(90_104_600) == "£901,046"


def test_words_never_says_a_thousand_k() -> None:
    from ledgers.readers.money import words

    assert words(99_970_000) == "£1.0m" and words(99_949_900) == "£999k" and words(100_000_000) == "£1.0m"


def test_messages_show_pounds_and_pence_with_brackets_for_negatives() -> None:
    from ledgers.readers.money import money_text

    assert money_text(-60_000_000) == "(£600,000.00)" and money_text(123_456) == "£1,234.56"
    assert money_text(-5, symbol=False) == "(0.05)" and money_text(0) == "£0.00"
