"""Money: a :class:`~decimal.Decimal` amount with an ISO 4217 currency.

Floats are refused (``0.1 + 0.2`` is not money), currencies are checked against
babel's list, arithmetic across currencies raises
:class:`~ecomflow.errors.CurrencyMismatch`, and formatting for people goes
through babel.

>>> total = Money("1234.5", "PLN")
>>> total + Money(10, "PLN")
Money('1244.5', 'PLN')
>>> str(total.rounded())
'1234.50 PLN'
>>> [str(m) for m in Money("100", "PLN").allocate(3)]
['33.34 PLN', '33.33 PLN', '33.33 PLN']
>>> Money("1234.5", "PLN").format("en_US")
'PLN1,234.50'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache, total_ordering
from typing import Any, Final

from babel.numbers import format_currency, get_currency_precision, list_currencies
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from ecomflow.errors import CurrencyMismatch

__all__ = ["Money", "MoneyInput", "known_currency"]

#: Values accepted where an amount is expected.
MoneyInput = Decimal | int | str

_PARSE = re.compile(r"^\s*(?P<amount>[-+]?\d+(?:[.,]\d+)?)\s*(?P<currency>[A-Za-z]{3})\s*$")
_DEFAULT_LOCALE: Final = "pl_PL"


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def _precision(code: str) -> int:
    return int(get_currency_precision(code))


def known_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency babel knows.

    >>> known_currency("PLN"), known_currency("XYZ")
    (True, False)
    """
    return code in _currencies()


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("Money amount cannot be a bool; pass a Decimal, int or str.")
    if isinstance(value, float):
        raise TypeError(
            f"Money amount {value!r} is a float, which cannot hold money exactly; "
            f"pass a str or Decimal, e.g. Money({str(value)!r}, 'PLN')."
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"Money amount {value!r} is not a number.") from None
    else:
        raise TypeError(f"Money amount must be a Decimal, int or str, not {type(value).__name__}.")
    if not result.is_finite():
        raise ValueError(f"Money amount {value!r} is not finite.")
    return result


def _exact(amount: Decimal, currency: str) -> Money:
    """Money from a finite amount and a code already checked (the result of arithmetic)."""
    money = object.__new__(Money)
    object.__setattr__(money, "_amount", amount)
    object.__setattr__(money, "_currency", currency)
    return money


@total_ordering
class Money:
    """An immutable amount of one currency.

    Args:
        amount: a ``Decimal``, ``int`` or ``str`` (``float`` raises ``TypeError``).
        currency: an ISO 4217 code such as ``"PLN"`` (case-insensitive).

    Equal amounts compare equal whatever their trailing zeros
    (``Money("1.5", "PLN") == Money("1.50", "PLN")``), and equal values hash alike.

    >>> Money("10", "PLN") * 3
    Money('30', 'PLN')
    >>> Money("10", "PLN") < Money("10.01", "PLN")
    True
    >>> Money(1, "EUR") + Money(1, "PLN")
    Traceback (most recent call last):
    ...
    ecomflow.errors.CurrencyMismatch: Cannot add EUR with PLN; convert to one currency first.
    """

    __slots__ = ("_amount", "_currency")

    _amount: Decimal
    _currency: str

    def __init__(self, amount: MoneyInput, currency: str) -> None:
        if not isinstance(currency, str):
            raise TypeError(f"Currency must be an ISO 4217 code string, not {currency!r}.")
        code = currency.strip().upper()
        if not known_currency(code):
            raise ValueError(f"Unknown currency {currency!r}; use an ISO 4217 code like 'PLN'.")
        object.__setattr__(self, "_amount", _to_decimal(amount))
        object.__setattr__(self, "_currency", code)

    # -- construction ------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero of ``currency``.

        >>> Money.zero("PLN")
        Money('0', 'PLN')
        """
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str) -> Money:
        """Parse ``"500 PLN"`` or ``"499,99 pln"`` into Money.

        >>> Money.parse("499,99 pln")
        Money('499.99', 'PLN')
        """
        match = _PARSE.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not money; write an amount and a currency, '500 PLN'.")
        return cls(match["amount"], match["currency"])

    @classmethod
    def sum(cls, values: Iterable[Money], currency: str) -> Money:
        """Add up ``values`` (all in ``currency``); an empty iterable gives zero.

        >>> Money.sum([Money(1, "PLN"), Money("2.5", "PLN")], "PLN")
        Money('3.5', 'PLN')
        """
        total = cls.zero(currency)
        for value in values:
            total = total + value
        return total

    # -- attributes ---------------------------------------------------------------------

    @property
    def amount(self) -> Decimal:
        """The exact amount."""
        return self._amount

    @property
    def currency(self) -> str:
        """The ISO 4217 currency code."""
        return self._currency

    @property
    def precision(self) -> int:
        """Digits of the currency's minor unit (2 for PLN, 0 for JPY)."""
        return _precision(self._currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    # -- arithmetic ---------------------------------------------------------------------

    def _check(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot {operation} Money and {type(other).__name__}.")
        if other._currency != self._currency:
            raise CurrencyMismatch(self._currency, other._currency, operation)
        return other

    def __add__(self, other: Money) -> Money:
        other = self._check(other, "add")
        return _exact(self._amount + other._amount, self._currency)

    def __radd__(self, other: object) -> Money:
        if other == 0:  # lets the builtin sum() start from 0
            return self
        return self._check(other, "add").__add__(self)

    def __sub__(self, other: Money) -> Money:
        other = self._check(other, "subtract")
        return _exact(self._amount - other._amount, self._currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise TypeError(
                f"Money can only be multiplied by an int or Decimal, not {type(factor).__name__}."
            )
        return _exact(self._amount * factor, self._currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return _exact(-self._amount, self._currency)

    def __abs__(self) -> Money:
        return _exact(abs(self._amount), self._currency)

    def __bool__(self) -> bool:
        return self._amount != 0

    # -- comparison ---------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._currency == other._currency and self._amount == other._amount

    def __lt__(self, other: Money) -> bool:
        other = self._check(other, "compare")
        return self._amount < other._amount

    def __hash__(self) -> int:
        return hash((self._amount, self._currency))

    # -- rounding and splitting ---------------------------------------------------------

    def rounded(self) -> Money:
        """Round to the currency's minor unit, half up (``0.005`` → ``0.01``).

        >>> Money("2.675", "PLN").rounded()
        Money('2.68', 'PLN')
        """
        precision = self.precision
        exponent = self._amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent == precision:
            return self  # already in minor units
        quantum = Decimal(1).scaleb(-precision)
        return _exact(self._amount.quantize(quantum, rounding=ROUND_HALF_UP), self._currency)

    def allocate(self, parts: int | Sequence[int | Decimal]) -> list[Money]:
        """Split into parts that add up exactly to the rounded amount.

        ``parts`` is a count of equal parts or a list of ratios.  Each part is in
        whole minor units; the leftover units go one each to the first parts
        (largest remainder first), so no grosz is lost or invented.

        >>> [str(m) for m in Money("10", "PLN").allocate([1, 2])]
        ['3.33 PLN', '6.67 PLN']
        """
        ratios: list[Decimal]
        if isinstance(parts, int):
            if parts <= 0:
                raise ValueError("allocate() needs at least one part.")
            ratios = [Decimal(1)] * parts
        else:
            ratios = [_to_decimal(r) for r in parts]
            if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
                raise ValueError("allocate() needs non-negative ratios with a positive sum.")
        scale = Decimal(10) ** self.precision
        total_units = int((self.rounded()._amount * scale).to_integral_value())
        sign = -1 if total_units < 0 else 1
        units = abs(total_units)
        ratio_sum = sum(ratios)
        exact = [Decimal(units) * r / ratio_sum for r in ratios]
        shares = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
        leftover = units - sum(shares)
        order = sorted(range(len(ratios)), key=lambda i: (-(exact[i] - shares[i]), i))
        for i in order[:leftover]:
            shares[i] += 1
        return [Money(Decimal(sign * s) / scale, self._currency) for s in shares]

    # -- presentation -------------------------------------------------------------------

    def format(self, locale: str = _DEFAULT_LOCALE) -> str:
        """Format for people through babel (``pl_PL`` by default).

        >>> Money("1234.5", "PLN").format() == format_currency(Decimal("1234.5"), "PLN",
        ...                                                     locale="pl_PL")
        True
        """
        return str(format_currency(self._amount, self._currency, locale=locale))

    def __str__(self) -> str:
        quantum = Decimal(1).scaleb(-self.precision)
        shown = self._amount
        if shown == shown.quantize(quantum):
            shown = shown.quantize(quantum)
        return f"{shown} {self._currency}"

    def __repr__(self) -> str:
        return f"Money({str(self._amount)!r}, {self._currency!r})"

    def __reduce__(self) -> tuple[type[Money], tuple[str, str]]:
        return (Money, (str(self._amount), self._currency))

    # -- pydantic integration -----------------------------------------------------------

    @classmethod
    def _validate(cls, value: Any) -> Money:
        if isinstance(value, Money):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, dict):
            try:
                return cls(value["amount"], value["currency"])
            except KeyError as missing:
                raise ValueError(
                    f"Money needs 'amount' and 'currency'; {missing} is missing."
                ) from None
        raise TypeError(
            "Money must be a Money, a {'amount', 'currency'} mapping or a '12.50 PLN' string."
        )

    def _serialize(self) -> dict[str, str]:
        return {"amount": str(self._amount), "currency": self._currency}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Let pydantic models hold Money fields (validated and serialised)."""
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda m: m._serialize(), when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe Money in JSON Schema as ``{amount: str, currency: str}``."""
        return {
            "type": "object",
            "properties": {
                "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "required": ["amount", "currency"],
        }
