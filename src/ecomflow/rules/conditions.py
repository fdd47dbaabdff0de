"""The condition language: field comparisons on an order, combined with all / any / not.

A condition is data — a dict from TOML, YAML or Python — checked when the rule
set is loaded (unknown field, unknown operator, a value of the wrong type are
errors naming the rule and the field) and compiled to a function that says
whether an order matches and, when it doesn't, why, with the actual value.

>>> from ecomflow.testing import sample_order
>>> check = compile_condition({"field": "total", "op": "<", "value": "500 PLN"}, rule_id="r1")
>>> check(sample_order(lines={"A": (1, "612.00")}))
'total 612.00 PLN is not < 500 PLN'
>>> check(sample_order(lines={"A": (1, "499.99")})) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ecomflow.errors import RuleError
from ecomflow.money import Money
from ecomflow.orders.models import Order

__all__ = [
    "FIELDS",
    "OPERATORS",
    "Check",
    "Facts",
    "Field",
    "compile_condition",
    "required_comparisons",
]

#: A compiled condition: ``None`` when the order matches, else why not.
Check = Callable[["Facts"], str | None]

Kind = Literal["bool", "str", "money", "number", "set", "lines_str", "lines_number"]


@dataclass(frozen=True, slots=True)
class Field:
    """A field conditions can read from an order."""

    name: str
    kind: Kind
    read: Callable[[Order], Any]
    doc: str


def _weight(order: Order) -> Decimal | None:
    return order.total_weight_kg


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("payment.paid", "bool", lambda o: o.is_paid, "paid in full"),
        Field("payment.cod", "bool", lambda o: o.payment.cod, "cash on delivery"),
        Field("payment.method", "str", lambda o: o.payment.method, "payment method"),
        Field(
            "delivery.method",
            "str",
            lambda o: o.delivery.method.value,
            "courier, parcel_locker or pickup",
        ),
        Field("delivery.carrier", "str", lambda o: o.delivery.carrier or "", "carrier code"),
        Field(
            "delivery.service", "str", lambda o: o.delivery.service_id or "", "carrier service id"
        ),
        Field("delivery.point_id", "str", lambda o: o.delivery.point_id or "", "locker id"),
        Field("total", "money", lambda o: o.total, "order total"),
        Field("subtotal", "money", lambda o: o.subtotal, "lines only"),
        Field("channel", "str", lambda o: o.channel, "sales channel"),
        Field("country", "str", lambda o: o.country or "", "delivery country"),
        Field("status", "str", lambda o: o.status.value, "master status"),
        Field("tags", "set", lambda o: o.tags, "the order's tags"),
        Field("customer.vip", "bool", lambda o: o.customer.vip, "VIP customer"),
        Field("customer.email", "str", lambda o: o.customer.email or "", "customer e-mail"),
        Field(
            "invoice.requested",
            "bool",
            lambda o: bool(o.invoice and o.invoice.requested),
            "company invoice requested",
        ),
        Field("priority", "number", lambda o: Decimal(o.priority), "order priority"),
        Field("lines.sku", "lines_str", lambda o: [ln.sku for ln in o.lines], "any line's SKU"),
        Field(
            "lines.quantity",
            "lines_number",
            lambda o: [Decimal(ln.quantity) for ln in o.lines],
            "any line's quantity",
        ),
        Field("lines.count", "number", lambda o: Decimal(len(o.lines)), "number of lines"),
        Field(
            "quantity",
            "number",
            lambda o: Decimal(sum(ln.quantity for ln in o.lines)),
            "units in the order",
        ),
        Field("weight", "number", _weight, "total weight in kg (unknown when a line has none)"),
    )
}


class Facts:
    """An order's field values, each read once per evaluation (totals are not free)."""

    __slots__ = ("_cache", "order")

    def __init__(self, order: Order) -> None:
        self.order = order
        self._cache: dict[str, Any] = {}

    def value(self, name: str) -> Any:
        """The value of field ``name``."""
        try:
            return self._cache[name]
        except KeyError:
            found = self._cache[name] = FIELDS[name].read(self.order)
            return found


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


def _fail(rule_id: str, field: str | None, message: str) -> RuleError:
    where = f"rule {rule_id!r}" + (f", field {field!r}" if field else "")
    return RuleError(f"{where}: {message}", rule_id=rule_id, field=field)


def _number(value: Any, rule_id: str, field: str) -> Decimal:
    if isinstance(value, bool):
        raise _fail(rule_id, field, f"{value!r} is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _fail(rule_id, field, f"{value!r} is not a number") from None


def _money(value: Any, rule_id: str, field: str) -> Money:
    if isinstance(value, Money):
        return value
    try:
        if isinstance(value, Mapping):
            return Money(value["amount"], value["currency"])
        return Money.parse(str(value))
    except (ValueError, KeyError, TypeError):
        raise _fail(rule_id, field, f"{value!r} is not money; write it as '500 PLN'") from None


def _text(value: Any) -> str:
    return f"{value}" if not isinstance(value, str) else value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "==":
        return bool(left == right)
    return bool(left != right)


def _leaf(spec: Mapping[str, Any], rule_id: str) -> Check:
    unknown = set(spec) - {"field", "op", "value"}
    if unknown:
        raise _fail(rule_id, spec.get("field"), f"unknown keys {sorted(unknown)} in a condition")
    name = spec.get("field")
    if not isinstance(name, str) or name not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise _fail(rule_id, str(name), f"unknown field; the fields are: {known}")
    field = FIELDS[name]
    op = spec.get("op", "==")
    if op not in OPERATORS[field.kind]:
        raise _fail(
            rule_id,
            name,
            f"operator {op!r} does not apply to a {field.kind} field; "
            f"use one of {', '.join(OPERATORS[field.kind])}",
        )
    raw = spec.get("value")

    def read(facts: Facts) -> Any:
        return facts.value(name)

    if field.kind == "bool":
        if not isinstance(raw, bool):
            raise _fail(rule_id, name, f"{raw!r} is not true or false")
        want = raw if op == "==" else not raw

        def check_bool(order: Facts) -> str | None:
            actual = bool(read(order))
            return None if actual == want else f"{name} is {str(actual).lower()}"

        return check_bool

    if field.kind == "money":
        if op == "between":
            low, high = _pair(raw, rule_id, name)
            bounds = (_money(low, rule_id, name), _money(high, rule_id, name))

            def check_money_between(order: Facts) -> str | None:
                actual: Money = read(order)
                if actual.currency != bounds[0].currency:
                    return f"{name} is in {actual.currency}, the rule compares {bounds[0].currency}"
                if bounds[0] <= actual <= bounds[1]:
                    return None
                return f"{name} {actual} is not between {bounds[0]} and {bounds[1]}"

            return check_money_between
        limit = _money(raw, rule_id, name)
        shown = " ".join(raw.split()) if isinstance(raw, str) else str(limit)  # as written

        def check_money(order: Facts) -> str | None:
            actual: Money = read(order)
            if actual.currency != limit.currency:
                return f"{name} is in {actual.currency}, the rule compares {limit.currency}"
            if _compare(op, actual.amount, limit.amount):
                return None
            return f"{name} {actual} is not {_SYMBOL[op]} {shown}"

        return check_money

    if field.kind == "number":
        if op == "between":
            low, high = (_number(v, rule_id, name) for v in _pair(raw, rule_id, name))

            def check_between(order: Facts) -> str | None:
                actual = read(order)
                if actual is None:
                    return f"{name} is unknown"
                if low <= actual <= high:
                    return None
                return f"{name} {actual} is not between {low} and {high}"

            return check_between
        if op in ("in", "not_in"):
            options = {_number(v, rule_id, name) for v in _list(raw, rule_id, name)}

            def check_in(order: Facts) -> str | None:
                actual = read(order)
                inside = actual in options
                if inside == (op == "in"):
                    return None
                return f"{name} {actual} is {'not ' if op == 'in' else ''}in {sorted(options)}"

            return check_in
        limit_n = _number(raw, rule_id, name)

        def check_number(order: Facts) -> str | None:
            actual = read(order)
            if actual is None:
                return f"{name} is unknown"
            if _compare(op, actual, limit_n):
                return None
            return f"{name} {actual} is not {_SYMBOL[op]} {limit_n}"

        return check_number

    if field.kind == "str":
        return _string_check(name, op, raw, rule_id, read)

    if field.kind == "set":
        if op == "empty":
            if not isinstance(raw, bool):
                raise _fail(rule_id, name, "'empty' takes true or false")

            def check_empty(order: Facts) -> str | None:
                tags = read(order)
                return (
                    None
                    if (not tags) == raw
                    else f"{name} {sorted(tags)} is " + ("not empty" if raw else "empty")
                )

            return check_empty
        if op == "in":
            wanted_any = {_text(v) for v in _list(raw, rule_id, name)}

            def check_any_tag(order: Facts) -> str | None:
                tags = read(order)
                return (
                    None
                    if tags & wanted_any
                    else f"{name} {sorted(tags)} has none of {sorted(wanted_any)}"
                )

            return check_any_tag
        tag = _need_str(raw, rule_id, name)

        def check_tag(order: Facts) -> str | None:
            tags = read(order)
            has = tag in tags
            if has == (op == "contains"):
                return None
            return (
                f"{name} {sorted(tags)} "
                + ("does not contain" if op == "contains" else "contains")
                + f" {tag!r}"
            )

        return check_tag

    if field.kind == "lines_str":
        if op == "matches":
            pattern = _regex(raw, rule_id, name)

            def check_line_match(order: Facts) -> str | None:
                values = read(order)
                return (
                    None
                    if any(pattern.search(v) for v in values)
                    else (f"no {name} in {values} matches {pattern.pattern!r}")
                )

            return check_line_match
        skus: set[str] = (
            {_text(v) for v in _list(raw, rule_id, name)}
            if op == "in"
            else {_need_str(raw, rule_id, name)}
        )

        def check_line(order: Facts) -> str | None:
            values = read(order)
            return (
                None
                if skus.intersection(values)
                else (f"{name} {values} has none of {sorted(skus)}")
            )

        return check_line

    # lines_number: any line satisfies the comparison
    if op == "between":
        low_l, high_l = (_number(v, rule_id, name) for v in _pair(raw, rule_id, name))

        def check_lines_between(order: Facts) -> str | None:
            values = read(order)
            return (
                None
                if any(low_l <= v <= high_l for v in values)
                else (f"no {name} in {[str(v) for v in values]} is between {low_l} and {high_l}")
            )

        return check_lines_between
    limit_l = _number(raw, rule_id, name)

    def check_lines(order: Facts) -> str | None:
        values = read(order)
        return (
            None
            if any(_compare(op, v, limit_l) for v in values)
            else (f"no {name} in {[str(v) for v in values]} is {_SYMBOL[op]} {limit_l}")
        )

    return check_lines


def _string_check(
    name: str, op: str, raw: Any, rule_id: str, read: Callable[[Facts], Any]
) -> Check:
    if op == "matches":
        pattern = _regex(raw, rule_id, name)

        def check_match(order: Facts) -> str | None:
            actual = read(order)
            return (
                None
                if pattern.search(actual)
                else f"{name} {actual!r} does not match {pattern.pattern!r}"
            )

        return check_match
    if op in ("in", "not_in"):
        options = {_text(v) for v in _list(raw, rule_id, name)}

        def check_in(order: Facts) -> str | None:
            actual = read(order)
            if (actual in options) == (op == "in"):
                return None
            return f"{name} {actual!r} is {'not ' if op == 'in' else ''}in {sorted(options)}"

        return check_in
    wanted = _need_str(raw, rule_id, name)

    def check_str(order: Facts) -> str | None:
        actual = read(order)
        if op == "contains":
            ok = wanted.lower() in actual.lower()
            return None if ok else f"{name} {actual!r} does not contain {wanted!r}"
        if (actual == wanted) == (op == "=="):
            return None
        return f"{name} {actual!r} is {'not ' if op == '==' else ''}{wanted!r}"

    return check_str


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


def _regex(raw: Any, rule_id: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(_need_str(raw, rule_id, name))
    except re.error as exc:
        raise _fail(rule_id, name, f"invalid regular expression {raw!r}: {exc}") from None


def compile_condition(spec: Any, *, rule_id: str) -> Callable[[Order | Facts], str | None]:
    """Validate ``spec`` and compile it; the result takes an order and says why it fails.

    ``spec`` is ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` or a
    comparison ``{"field": ..., "op": ..., "value": ...}`` (``op`` defaults to ``==``).
    Raises :class:`~ecomflow.errors.RuleError` naming the rule and the field.
    """
    check = _compile(spec, rule_id)

    def run(order: Order | Facts) -> str | None:
        return check(order if isinstance(order, Facts) else Facts(order))

    return run


def _compile(spec: Any, rule_id: str) -> Check:
    if not isinstance(spec, Mapping):
        raise _fail(rule_id, None, f"a condition must be a table, not {spec!r}")
    if "all" in spec or "any" in spec:
        key = "all" if "all" in spec else "any"
        if len(spec) != 1:
            raise _fail(rule_id, None, f"'{key}' must stand alone in its table")
        parts = [_compile(s, rule_id) for s in _list(spec[key], rule_id, key)]
        if key == "all":

            def check_all(order: Facts) -> str | None:
                for part in parts:
                    why = part(order)
                    if why is not None:
                        return why
                return None

            return check_all

        def check_any(order: Facts) -> str | None:
            reasons = []
            for part in parts:
                why = part(order)
                if why is None:
                    return None
                reasons.append(why)
            return "none of: " + "; ".join(reasons)

        return check_any
    if "not" in spec:
        if len(spec) != 1:
            raise _fail(rule_id, None, "'not' must stand alone in its table")
        inner = _compile(spec["not"], rule_id)

        def check_not(order: Facts) -> str | None:
            return "the negated condition holds" if inner(order) is None else None

        return check_not
    return _leaf(spec, rule_id)


def required_comparisons(spec: Any) -> Sequence[Mapping[str, Any]]:
    """The comparisons that must all hold for ``spec`` to hold (top-level ``all`` only)."""
    if isinstance(spec, Mapping) and "all" in spec:
        found: list[Mapping[str, Any]] = []
        for part in spec["all"]:
            found.extend(required_comparisons(part))
        return found
    if isinstance(spec, Mapping) and "field" in spec:
        return [spec]
    return []
