"""The condition language: field comparisons on an order, combined with all / any / not.

A condition is data — a dict from TOML, YAML or Python — checked when the rule
set is loaded (unknown field, unknown operator, a value of the wrong type are
errors naming the rule and the field) and compiled to a :class:`Condition`.

Conditions use three-valued (Kleene) logic. A comparison that cannot be
decided — money in another currency than the rule's, a field the order does
not have (no carrier yet, a line without weight) — is *unknown*, not false:

- ``not`` unknown is unknown;
- ``all`` is false when a part is false, else unknown when a part is unknown;
- ``any`` is true when a part is true, else unknown when a part is unknown.

A rule fires only when its condition is true, so a rule never fires by
accident on an order it cannot judge, and the reason says so.

Values are compared as parsed values: money as :class:`~ecomflow.money.Money`
(``"500 zł"``, ``"1 500,00 PLN"``), numbers as ``Decimal`` (``2`` and ``"2"``
are equal), text without regard to case (``"InPost"`` equals ``"inpost"``);
only ``matches`` (a regular expression) keeps case unless it says ``(?i)``.

>>> from ecomflow.testing import sample_order
>>> check = compile_condition({"field": "total", "op": "<", "value": "500 zł"}, rule_id="r1")
>>> check(sample_order(lines={"A": (1, "612.00")}))
'total 612.00 PLN is not < 500 zł'
>>> check(sample_order(lines={"A": (1, "499.99")})) is None
True
>>> check.verdict(sample_order(currency="EUR")) is None  # unknown
True
>>> check(sample_order(currency="EUR"))
'total is in EUR, the rule compares PLN: unknown'
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ecomflow.errors import RuleError
from ecomflow.money import Money
from ecomflow.orders.models import Order

__all__ = [
    "FIELDS",
    "OPERATORS",
    "Comparison",
    "Condition",
    "Facts",
    "Field",
    "Truth",
    "compile_condition",
    "parse_money",
    "required_comparisons",
]

#: A condition's value on an order: true, false, or ``None`` for unknown.
Truth = bool | None

Kind = Literal["bool", "str", "money", "number", "set", "lines_str", "lines_number"]


@dataclass(frozen=True, slots=True)
class Field:
    """A field conditions can read from an order (``None`` when the order has no value)."""

    name: str
    kind: Kind
    read: Callable[[Order], Any]
    doc: str


def _weight(order: Order) -> Decimal | None:
    return order.total_weight_kg


def _tags(order: Order) -> frozenset[str]:
    return frozenset(tag.casefold() for tag in order.tags)


# Readers return values that cannot change later (a frozenset, a tuple), so a
# trace explained after the order changed still shows the order as evaluated.
FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("payment.paid", "bool", lambda o: o.is_paid, "paid in full"),
        Field("payment.cod", "bool", lambda o: o.payment.cod, "cash on delivery"),
        Field("payment.method", "str", lambda o: o.payment.method or None, "payment method"),
        Field(
            "delivery.method",
            "str",
            lambda o: o.delivery.method.value,
            "courier, parcel_locker or pickup",
        ),
        Field("delivery.carrier", "str", lambda o: o.delivery.carrier or None, "carrier code"),
        Field(
            "delivery.service",
            "str",
            lambda o: o.delivery.service_id or None,
            "carrier service id",
        ),
        Field("delivery.point_id", "str", lambda o: o.delivery.point_id or None, "locker id"),
        Field("total", "money", lambda o: o.total, "order total"),
        Field("subtotal", "money", lambda o: o.subtotal, "lines only"),
        Field("channel", "str", lambda o: o.channel, "sales channel"),
        Field("country", "str", lambda o: o.country, "delivery country"),
        Field("status", "str", lambda o: o.status.value, "master status"),
        Field("tags", "set", _tags, "the order's tags"),
        Field("customer.vip", "bool", lambda o: o.customer.vip, "VIP customer"),
        Field("customer.email", "str", lambda o: o.customer.email or None, "customer e-mail"),
        Field(
            "invoice.requested",
            "bool",
            lambda o: bool(o.invoice and o.invoice.requested),
            "company invoice requested",
        ),
        Field("priority", "number", lambda o: Decimal(o.priority), "order priority"),
        Field(
            "lines.sku", "lines_str", lambda o: tuple(ln.sku for ln in o.lines), "any line's SKU"
        ),
        Field(
            "lines.quantity",
            "lines_number",
            lambda o: tuple(Decimal(ln.quantity) for ln in o.lines),
            "any line's quantity",
        ),
        Field("lines.count", "number", lambda o: Decimal(len(o.lines)), "number of lines"),
        Field(
            "quantity",
            "number",
            lambda o: Decimal(sum(ln.quantity for ln in o.lines)),
            "units in the order",
        ),
        Field("weight", "number", _weight, "total weight in kg (missing when a line has none)"),
    )
}


class Facts(dict[str, Any]):
    """An order's field values, each read once per evaluation and kept as read.

    A mapping from field name to value; a field is read from the order the
    first time it is asked for.
    """

    __slots__ = ("order",)

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def __missing__(self, name: str) -> Any:
        found = self[name] = FIELDS[name].read(self.order)
        return found

    def value(self, name: str) -> Any:
        """The value of field ``name``."""
        return self[name]


def _facts(order: Order | Facts) -> Facts:
    return order if isinstance(order, Facts) else Facts(order)


_COMPARE = ("<", "<=", ">", ">=")
#: Operators allowed per field kind.
OPERATORS: dict[Kind, tuple[str, ...]] = {
    "bool": ("==", "!="),
    "str": ("==", "!=", "in", "not_in", "contains", "matches"),
    "money": ("==", "!=", *_COMPARE, "between"),
    "number": ("==", "!=", *_COMPARE, "between", "in", "not_in"),
    "set": ("contains", "not_contains", "in", "empty"),
    "lines_str": ("contains", "in", "matches"),
    "lines_number": ("==", *_COMPARE, "between"),
}

_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "==", "!=": "!="}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


# -- values as written -------------------------------------------------------------------------

_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (babel's pl_PL)
_MONEY_TEXT = re.compile(
    rf"(?P<sign>[-+]?)(?P<whole>[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]+)"
    rf"(?:[.,](?P<fraction>[0-9]+))?[{_SPACES}]?(?P<currency>[A-Za-z]{{3}}|[zZ][łŁ]|€)"
)
_NO_SPACES = {ord(c): None for c in _SPACES}
_CURRENCY_SYMBOLS = {"zł": "PLN", "€": "EUR"}
_MONEY_HINT = "write it as '500 PLN', '500 zł' or '1 500,00 zł'"


def parse_money(text: str) -> Money:
    """Money as shop owners write it: ``"500 zł"``, ``"1 500,00 PLN"``, ``"499.99 EUR"``.

    Thousands may be grouped by threes with a space or a no-break space; the
    decimals follow a comma or a point; the currency is an ISO 4217 code, ``zł``
    or ``€``. Anything else (``"1,500.00 PLN"``, ``"15 00 PLN"``, digits that
    are not ASCII) is a ``ValueError`` rather than a guess.

    >>> parse_money("1\u00a0500,00 zł")
    Money('1500.00', 'PLN')
    """
    match = _MONEY_TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not money; {_MONEY_HINT}")
    whole = match["whole"].translate(_NO_SPACES)
    fraction = f".{match['fraction']}" if match["fraction"] else ""
    currency = match["currency"]
    code = _CURRENCY_SYMBOLS.get(currency.casefold(), currency.upper())
    return Money(f"{match['sign']}{whole}{fraction}", code)


def _fail(rule_id: str, field: str | None, message: str) -> RuleError:
    where = f"rule {rule_id!r}" + (f", field {field!r}" if field else "")
    return RuleError(f"{where}: {message}", rule_id=rule_id, field=field)


def _number(value: Any, rule_id: str, field: str) -> Decimal:
    """A number as written: ``2``, ``2.5`` (TOML floats are read by their text), ``"2"``."""
    text = str(value).strip()
    try:
        number = None if isinstance(value, bool) or not text.isascii() else Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _fail(rule_id, field, f"{value!r} is not a number; write it as 2 or '2.5'")
    return number


def _money(value: Any, rule_id: str, field: str) -> Money:
    if isinstance(value, Money):
        return value
    try:
        if isinstance(value, Mapping):
            return Money(value["amount"], value["currency"])
        if isinstance(value, str):
            return parse_money(value)
    except (ValueError, KeyError, TypeError):
        pass
    raise _fail(rule_id, field, f"{value!r} is not money; {_MONEY_HINT}")


def _need_str(raw: Any, rule_id: str, name: str) -> str:
    if not isinstance(raw, str):
        raise _fail(rule_id, name, f"{raw!r} is not text")
    return raw


def _list(raw: Any, rule_id: str, name: str) -> list[Any]:
    if not isinstance(raw, list | tuple | set | frozenset) or not raw:
        raise _fail(rule_id, name, f"{raw!r} is not a non-empty list")
    return list(raw)


def _pair(raw: Any, rule_id: str, name: str) -> tuple[Any, Any]:
    items = _list(raw, rule_id, name)
    if len(items) != 2:
        raise _fail(rule_id, name, "'between' takes [low, high]")
    return items[0], items[1]


def _ordered(low: Any, high: Any, rule_id: str, name: str) -> None:
    if low > high:
        raise _fail(rule_id, name, f"'between' needs low ≤ high, not [{low}, {high}]")


def _regex(raw: Any, rule_id: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(_need_str(raw, rule_id, name))
    except re.error as exc:
        raise _fail(rule_id, name, f"invalid regular expression {raw!r}: {exc}") from None


def _texts(raw: Any, rule_id: str, name: str) -> frozenset[str]:
    return frozenset(str(v).casefold() for v in _list(raw, rule_id, name))


# -- compiled conditions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison as compiled: the operator and the *parsed* value.

    ``value`` is normalised — :class:`~ecomflow.money.Money`, ``Decimal``,
    case-folded text, a frozenset for ``in`` / ``not_in``, a pair for
    ``between``; a ``!=`` on a true/false field is stored as ``==`` of the
    opposite — so equal values written differently compare equal.
    ``shown`` is the value as the rule wrote it.
    """

    field: str
    kind: Kind
    op: str
    value: Any
    shown: str

    def __str__(self) -> str:
        return f"{self.field} {_SYMBOL.get(self.op, self.op)} {self.shown}".rstrip()


class Condition:
    """A compiled condition.

    Calling it with an order gives ``None`` when the condition is true, else
    why not (ending in ``": unknown"`` when it cannot be decided).
    :meth:`verdict` gives the three-valued result itself.
    """

    __slots__ = ("test",)

    #: The fast path: the condition's truth for an evaluation's facts.
    test: Callable[[Facts], Truth]

    def verdict(self, order: Order | Facts) -> Truth:
        """``True``, ``False`` or ``None`` (unknown) for ``order``."""
        return self.test(_facts(order))

    def why(self, facts: Facts) -> str:
        """Why the condition is not true for ``facts`` (call only when it is not)."""
        raise NotImplementedError

    def describe(self) -> str:
        """The condition in words, e.g. ``total ≥ 500 PLN``."""
        raise NotImplementedError

    def required(self) -> Iterator[Comparison]:
        """Comparisons that must all be true for this condition to be true."""
        return iter(())

    def __call__(self, order: Order | Facts) -> str | None:
        """``None`` when the condition is true of ``order``, else why not."""
        facts = _facts(order)
        return None if self.test(facts) is True else self.why(facts)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


class Leaf(Condition):
    """A compiled comparison: a field against a value."""

    __slots__ = ("_explain", "comparison")

    def __init__(
        self,
        comparison: Comparison,
        test: Callable[[Facts], Truth],
        explain: Callable[[Any], str],
    ) -> None:
        self.comparison = comparison
        self.test = test
        self._explain = explain

    def why(self, facts: Facts) -> str:
        """Why the comparison is not true: the actual value, or that it is missing."""
        actual = facts[self.comparison.field]
        if actual is None:
            return f"{self.comparison.field} is missing: unknown"
        return self._explain(actual)

    def describe(self) -> str:
        """The comparison as written, e.g. ``total < 500 zł``."""
        return str(self.comparison)

    def required(self) -> Iterator[Comparison]:
        """The comparison itself."""
        yield self.comparison


class AllOf(Condition):
    """True when every part is true; false when one is false; else unknown."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Condition]) -> None:
        self.parts = tuple(parts)
        tests = tuple(p.test for p in self.parts)

        def test(facts: Facts) -> Truth:
            unknown = False
            for part in tests:
                result = part(facts)
                if result is False:
                    return False
                if result is None:
                    unknown = True
            return None if unknown else True

        self.test = test

    def why(self, facts: Facts) -> str:
        """The first false part's reason, else the first unknown part's."""
        undecided: Condition | None = None
        for part in self.parts:
            result = part.test(facts)
            if result is False:
                return part.why(facts)
            if result is None and undecided is None:
                undecided = part
        assert undecided is not None, "why() asked of a condition that holds"
        return undecided.why(facts)

    def describe(self) -> str:
        """The parts joined by ``and``."""
        return (
            "(" + " and ".join(p.describe() for p in self.parts) + ")" if self.parts else "always"
        )

    def required(self) -> Iterator[Comparison]:
        """Every part's required comparisons."""
        for part in self.parts:
            yield from part.required()


class AnyOf(Condition):
    """True when a part is true; unknown when none is but one is unknown; else false."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Condition]) -> None:
        self.parts = tuple(parts)
        tests = tuple(p.test for p in self.parts)

        def test(facts: Facts) -> Truth:
            unknown = False
            for part in tests:
                result = part(facts)
                if result:
                    return True
                if result is None:
                    unknown = True
            return None if unknown else False

        self.test = test

    def why(self, facts: Facts) -> str:
        """Every part's reason (none is true): the false ones, then the unknown ones."""
        false = [p.why(facts) for p in self.parts if p.test(facts) is False]
        unknown = [p.why(facts) for p in self.parts if p.test(facts) is None]
        return "none of: " + "; ".join(false + unknown)

    def describe(self) -> str:
        """The parts joined by ``or``."""
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"


class Not(Condition):
    """True when the inner condition is false, false when it is true, else unknown."""

    __slots__ = ("inner",)

    def __init__(self, inner: Condition) -> None:
        self.inner = inner
        inner_test = inner.test

        def test(facts: Facts) -> Truth:
            result = inner_test(facts)
            return None if result is None else not result

        self.test = test

    def why(self, facts: Facts) -> str:
        """What held (when the inner condition is true), else why it is unknown."""
        if self.inner.test(facts) is True:
            return f"not: {self.inner.describe()} holds"
        return self.inner.why(facts)

    def describe(self) -> str:
        """``not`` and the inner condition."""
        return f"not {self.inner.describe()}"


#: The condition of a rule without ``when``: always true.
ALWAYS: Condition = AllOf(())


# -- leaves per kind ---------------------------------------------------------------------------

_LeafParts = tuple[Callable[[Facts], Truth], Callable[[Any], str]]


def _bool_leaf(name: str, want: bool) -> _LeafParts:
    def test(facts: Facts) -> Truth:
        return facts[name] is want

    return test, lambda actual: f"{name} is {str(actual).lower()}"


def _money_leaf(name: str, op: str, limit: Any, shown: str) -> _LeafParts:
    low, high = limit if op == "between" else (limit, limit)
    currency = low.currency

    def explain(actual: Money) -> str:
        if actual.currency != currency:
            return f"{name} is in {actual.currency}, the rule compares {currency}: unknown"
        if op == "between":
            return f"{name} {actual} is not between {low} and {high}"
        return f"{name} {actual} is not {_SYMBOL[op]} {shown}"

    if op == "between":
        low_amount, high_amount = low.amount, high.amount

        def test_between(facts: Facts) -> Truth:
            actual = facts[name]
            if actual.currency != currency:
                return None
            return bool(low_amount <= actual.amount <= high_amount)

        return test_between, explain
    compare, amount = _OPS[op], low.amount

    def test(facts: Facts) -> Truth:
        actual = facts[name]
        if actual.currency != currency:
            return None
        return compare(actual.amount, amount)

    return test, explain


def _number_leaf(name: str, op: str, limit: Any, shown: str) -> _LeafParts:
    if op == "between":
        low, high = limit

        def test_between(facts: Facts) -> Truth:
            actual = facts[name]
            return None if actual is None else bool(low <= actual <= high)

        return test_between, lambda actual: f"{name} {actual} is not between {low} and {high}"
    if op in ("in", "not_in"):
        inside = op == "in"

        def test_in(facts: Facts) -> Truth:
            actual = facts[name]
            return None if actual is None else (actual in limit) is inside

        return test_in, lambda actual: f"{name} {actual} is {'not ' if inside else ''}in {shown}"
    compare = _OPS[op]

    def test(facts: Facts) -> Truth:
        actual = facts[name]
        return None if actual is None else compare(actual, limit)

    return test, lambda actual: f"{name} {actual} is not {_SYMBOL[op]} {shown}"


def _str_leaf(name: str, op: str, wanted: Any, shown: str) -> _LeafParts:
    if op == "matches":
        search = wanted.search

        def test_match(facts: Facts) -> Truth:
            actual = facts[name]
            return None if actual is None else search(actual) is not None

        return test_match, lambda actual: f"{name} {actual!r} does not match {shown}"
    if op == "contains":

        def test_contains(facts: Facts) -> Truth:
            actual = facts[name]
            return None if actual is None else wanted in actual.casefold()

        return test_contains, lambda actual: f"{name} {actual!r} does not contain {shown}"
    if op in ("in", "not_in"):
        inside = op == "in"

        def test_in(facts: Facts) -> Truth:
            actual = facts[name]
            return None if actual is None else (actual.casefold() in wanted) is inside

        return test_in, lambda actual: f"{name} {actual!r} is {'not ' if inside else ''}in {shown}"
    equal = op == "=="

    def test(facts: Facts) -> Truth:
        actual = facts[name]
        return None if actual is None else (actual.casefold() == wanted) is equal

    return test, lambda actual: f"{name} {actual!r} is {'not ' if equal else ''}{shown}"


def _set_leaf(name: str, op: str, wanted: Any, shown: str) -> _LeafParts:
    if op == "empty":

        def test_empty(facts: Facts) -> Truth:
            return (not facts[name]) is wanted

        return test_empty, lambda tags: f"{name} {sorted(tags)} is {'not ' if wanted else ''}empty"
    if op == "in":

        def test_any(facts: Facts) -> Truth:
            return not wanted.isdisjoint(facts[name])

        return test_any, lambda tags: f"{name} {sorted(tags)} has none of {shown}"
    present = op == "contains"

    def test(facts: Facts) -> Truth:
        return (wanted in facts[name]) is present

    return (
        test,
        lambda tags: (
            f"{name} {sorted(tags)} {'does not contain' if present else 'contains'} {shown}"
        ),
    )


def _lines_str_leaf(name: str, op: str, wanted: Any, shown: str) -> _LeafParts:
    if op == "matches":
        search = wanted.search

        def test_match(facts: Facts) -> Truth:
            return any(search(v) is not None for v in facts[name])

        return test_match, lambda values: f"no {name} in {list(values)} matches {shown}"

    def test(facts: Facts) -> Truth:
        return any(v.casefold() in wanted for v in facts[name])

    return test, lambda values: f"{name} {list(values)} has none of {shown}"


def _lines_number_leaf(name: str, op: str, limit: Any, shown: str) -> _LeafParts:
    if op == "between":
        low, high = limit

        def test_between(facts: Facts) -> Truth:
            return any(low <= v <= high for v in facts[name])

        def explain_between(values: tuple[Decimal, ...]) -> str:
            return f"no {name} in {[str(v) for v in values]} is between {low} and {high}"

        return test_between, explain_between
    compare = _OPS[op]

    def test(facts: Facts) -> Truth:
        return any(compare(v, limit) for v in facts[name])

    def explain(values: tuple[Decimal, ...]) -> str:
        return f"no {name} in {[str(v) for v in values]} is {_SYMBOL[op]} {shown}"

    return test, explain


_LEAVES: dict[Kind, Callable[..., _LeafParts]] = {
    "money": _money_leaf,
    "number": _number_leaf,
    "str": _str_leaf,
    "set": _set_leaf,
    "lines_str": _lines_str_leaf,
    "lines_number": _lines_number_leaf,
}


# -- parsing the value a comparison is written with ---------------------------------------------


def _shown(raw: Any) -> str:
    if isinstance(raw, str):
        return " ".join(raw.split())
    if isinstance(raw, list | tuple):
        return "[" + ", ".join(_shown(v) for v in raw) + "]"
    return str(raw)


def _parse_value(kind: Kind, op: str, raw: Any, rule_id: str, name: str) -> Any:
    """The comparison's value, parsed and normalised for ``kind`` and ``op``."""
    if op == "matches":
        return _regex(raw, rule_id, name)
    if kind in ("money", "number", "lines_number"):
        read: Callable[[Any, str, str], Any] = _money if kind == "money" else _number
        if op == "between":
            low, high = (read(v, rule_id, name) for v in _pair(raw, rule_id, name))
            if kind == "money" and low.currency != high.currency:
                raise _fail(rule_id, name, f"'between' bounds {low} and {high} differ in currency")
            _ordered(low, high, rule_id, name)
            return (low, high)
        if op in ("in", "not_in"):
            return frozenset(read(v, rule_id, name) for v in _list(raw, rule_id, name))
        return read(raw, rule_id, name)
    if kind == "set" and op == "empty":
        if not isinstance(raw, bool):
            raise _fail(rule_id, name, "'empty' takes true or false")
        return raw
    if op in ("in", "not_in"):
        return _texts(raw, rule_id, name)
    text = _need_str(raw, rule_id, name).casefold()
    return frozenset({text}) if kind == "lines_str" else text


def _shown_value(kind: Kind, op: str, raw: Any, value: Any) -> str:
    if op == "matches":
        return repr(value.pattern)
    if kind in ("str", "set", "lines_str"):
        if op in ("in", "not_in"):
            return "[" + ", ".join(repr(str(v)) for v in raw) + "]"
        return repr(raw) if isinstance(raw, str) else str(raw).lower()
    return _shown(raw)


def _leaf(spec: Mapping[str, Any], rule_id: str) -> Leaf:
    unknown = set(spec) - {"field", "op", "value"}
    if unknown:
        raise _fail(rule_id, spec.get("field"), f"unknown keys {sorted(unknown)} in a condition")
    name = spec.get("field")
    if not isinstance(name, str) or name not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise _fail(rule_id, str(name), f"unknown field; the fields are: {known}")
    kind = FIELDS[name].kind
    op = spec.get("op", "==")
    if op not in OPERATORS[kind]:
        raise _fail(
            rule_id,
            name,
            f"operator {op!r} does not apply to a {kind} field; "
            f"use one of {', '.join(OPERATORS[kind])}",
        )
    raw = spec.get("value")
    if kind == "bool":
        if not isinstance(raw, bool):
            raise _fail(rule_id, name, f"{raw!r} is not true or false")
        want = raw if op == "==" else not raw
        comparison = Comparison(name, kind, "==", want, str(want).lower())
        return Leaf(comparison, *_bool_leaf(name, want))
    value = _parse_value(kind, op, raw, rule_id, name)
    shown = _shown_value(kind, op, raw, value)
    comparison = Comparison(name, kind, op, value, shown)
    return Leaf(comparison, *_LEAVES[kind](name, op, value, shown))


def compile_condition(spec: Any, *, rule_id: str) -> Condition:
    """Validate ``spec`` and compile it to a :class:`Condition`.

    ``spec`` is ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` or a
    comparison ``{"field": ..., "op": ..., "value": ...}`` (``op`` defaults to ``==``).
    Raises :class:`~ecomflow.errors.RuleError` naming the rule and the field.
    """
    if not isinstance(spec, Mapping):
        raise _fail(rule_id, None, f"a condition must be a table, not {spec!r}")
    for key, combine in (("all", AllOf), ("any", AnyOf)):
        if key in spec:
            if len(spec) != 1:
                raise _fail(rule_id, None, f"'{key}' must stand alone in its table")
            parts = [compile_condition(s, rule_id=rule_id) for s in _list(spec[key], rule_id, key)]
            return combine(parts)
    if "not" in spec:
        if len(spec) != 1:
            raise _fail(rule_id, None, "'not' must stand alone in its table")
        return Not(compile_condition(spec["not"], rule_id=rule_id))
    return _leaf(spec, rule_id)


def required_comparisons(condition: Condition) -> Sequence[Comparison]:
    """The comparisons that must all be true for ``condition`` to be true.

    Comparisons joined by ``all`` (at any depth of ``all``); what sits under
    ``any`` or ``not`` is not required and is left out.
    """
    return list(condition.required())
