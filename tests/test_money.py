from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from ecomflow import Money
from ecomflow.errors import CurrencyMismatch, EcomflowError

amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


def test_accepts_int_str_decimal() -> None:
    assert Money(12, "PLN").amount == Decimal(12)
    assert Money("12.30", "pln").currency == "PLN"
    assert Money(Decimal("0.01"), "EUR").amount == Decimal("0.01")
    assert Money("1,50", "PLN") == Money("1.5", "PLN")


def test_float_is_refused_with_advice() -> None:
    with pytest.raises(TypeError, match=r"float.*Money\('0.1', 'PLN'\)"):
        Money(0.1, "PLN")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["XYZ", "zł", "", "PL"])
def test_unknown_currency(bad: str) -> None:
    with pytest.raises(ValueError, match="Unknown currency"):
        Money(1, bad)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_bad_amounts(bad: str) -> None:
    with pytest.raises(ValueError, match="not"):
        Money(bad, "PLN")


def test_immutable_and_hashable() -> None:
    money = Money("1.50", "PLN")
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)  # type: ignore[misc]
    assert hash(money) == hash(Money("1.5", "PLN"))
    assert len({Money("1.5", "PLN"), Money("1.50", "PLN"), Money("1.5", "EUR")}) == 2
    assert pickle.loads(pickle.dumps(money)) == money


def test_arithmetic_and_comparison() -> None:
    a, b = Money("10.00", "PLN"), Money("2.50", "PLN")
    assert a + b == Money("12.5", "PLN")
    assert a - b == Money("7.5", "PLN")
    assert a * 3 == 3 * a == Money(30, "PLN")
    assert a * Decimal("0.5") == Money(5, "PLN")
    assert -b == Money("-2.5", "PLN")
    assert abs(-b) == b
    assert b < a and a >= b and not a < b
    assert sum([a, b]) == Money("12.5", "PLN")
    assert not Money.zero("PLN") and Money(1, "PLN")
    assert Money(1, "PLN") != Money(1, "EUR")
    assert Money(1, "PLN") != 1


def test_currency_mismatch_is_typed() -> None:
    with pytest.raises(CurrencyMismatch) as info:
        Money(1, "PLN") + Money(1, "EUR")
    assert (info.value.left, info.value.right) == ("PLN", "EUR")
    assert isinstance(info.value, EcomflowError)
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "PLN") < Money(1, "EUR")


def test_multiplying_by_float_or_money_is_refused() -> None:
    with pytest.raises(TypeError):
        Money(1, "PLN") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(1, "PLN") * Money(1, "PLN")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.675", "PLN", "2.68"),
        ("2.665", "PLN", "2.67"),
        ("-2.675", "PLN", "-2.68"),
        ("1.5", "JPY", "2"),
        ("0.005", "EUR", "0.01"),
    ],
)
def test_rounding_half_up_to_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert Money(amount, currency).rounded().amount == Decimal(expected)


def test_allocate_examples() -> None:
    assert [m.amount for m in Money("100", "PLN").allocate(3)] == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert [m.amount for m in Money("0.05", "PLN").allocate([1, 1, 1])] == [
        Decimal("0.02"),
        Decimal("0.02"),
        Decimal("0.01"),
    ]
    assert [m.amount for m in Money("-10", "PLN").allocate(3)] == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]
    with pytest.raises(ValueError, match="at least one part"):
        Money(1, "PLN").allocate(0)
    with pytest.raises(ValueError, match="ratios"):
        Money(1, "PLN").allocate([0, 0])


def test_format_through_babel() -> None:
    money = Money("1234.5", "PLN")
    assert money.format() == format_currency(Decimal("1234.5"), "PLN", locale="pl_PL")
    assert money.format("en_US") == format_currency(Decimal("1234.5"), "PLN", locale="en_US")
    assert "zł" in money.format()
    assert str(money) == "1234.50 PLN"
    assert repr(money) == "Money('1234.5', 'PLN')"


def test_parse() -> None:
    assert Money.parse("500 PLN") == Money(500, "PLN")
    assert Money.parse(" 499,99 eur ") == Money("499.99", "EUR")
    with pytest.raises(ValueError, match="not money"):
        Money.parse("five hundred")


class _Priced(BaseModel):
    price: Money


def test_pydantic_field_round_trip() -> None:
    model = _Priced(price=Money("9.99", "PLN"))
    dumped = model.model_dump(mode="json")
    assert dumped == {"price": {"amount": "9.99", "currency": "PLN"}}
    assert _Priced.model_validate(dumped) == model
    assert _Priced.model_validate_json(model.model_dump_json()) == model
    assert _Priced(price="12 EUR").price == Money(12, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="amount"):
        _Priced.model_validate({"price": {"currency": "PLN"}})
    assert _Priced.model_json_schema()["properties"]["price"]["required"] == ["amount", "currency"]


@given(amounts, amounts, amounts)
def test_addition_is_associative_and_commutative(a: Decimal, b: Decimal, c: Decimal) -> None:
    x, y, z = Money(a, "PLN"), Money(b, "PLN"), Money(c, "PLN")
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert (x - y) + y == x


@given(amounts, st.integers(min_value=1, max_value=50))
def test_allocate_equal_parts_loses_nothing(amount: Decimal, parts: int) -> None:
    money = Money(amount, "PLN")
    shares = money.allocate(parts)
    assert len(shares) == parts
    assert Money.sum(shares, "PLN") == money.rounded()
    cents = [s.amount * 100 for s in shares]
    assert max(cents) - min(cents) <= 1


@given(
    st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(
        lambda r: sum(r) > 0
    ),
)
def test_allocate_by_ratio_loses_nothing(amount: Decimal, ratios: list[int]) -> None:
    money = Money(amount, "PLN")
    shares = money.allocate(ratios)
    assert Money.sum(shares, "PLN") == money.rounded()
    for share, ratio in zip(shares, ratios, strict=True):
        if ratio == 0:
            assert share == Money.zero("PLN")
        assert share.amount == share.rounded().amount
