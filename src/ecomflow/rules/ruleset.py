"""Rule sets: rules with explicit priority, evaluated without side effects, with a trace.

Semantics (the whole of it):

- Rules are evaluated in ascending ``priority`` (1 before 10); rules of equal
  priority in the order they are written. Disabled rules are skipped (and
  say so in the trace).
- ``strategy = "first_match"``: the first matching rule's actions apply, no
  other rule's. ``strategy = "all"`` (default): every matching rule applies,
  in that order, until a matching rule with ``stop = true``.
- Single-valued targets (``set_status``, ``set_service``, ``set_priority``):
  the first rule in evaluation order that sets one wins; later settings are
  listed in the trace as overridden, never silently applied.
- Conflict check at load: two enabled rules of the **same priority** that set
  one single-valued target to different values, and whose conditions can both
  be true, are a :class:`~ecomflow.errors.RuleConflict` — unless the rule set
  says ``on_conflict = "first_listed"`` (the rule written first wins, as
  above). "Can both be true" is decided conservatively: two rules are only
  known to exclude each other when both require comparisons on one field that
  no value satisfies at once (``==`` different values, disjoint ``in`` lists,
  ``true`` vs ``false``, non-overlapping ranges); anything else counts as a
  possible overlap.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ecomflow._toml import read_toml
from ecomflow.clock import ensure_aware
from ecomflow.errors import RuleConflict, RuleError
from ecomflow.money import Money
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.rules.conditions import Facts, compile_condition, required_comparisons

__all__ = [
    "ACTIONS",
    "Action",
    "Evaluation",
    "Outcome",
    "Rule",
    "RuleSet",
    "RuleTrace",
]

#: Action names and whether they set a single value (so can conflict).
ACTIONS: dict[str, bool] = {
    "set_status": True,
    "set_service": True,
    "set_priority": True,
    "add_tag": False,
    "remove_tag": False,
    "hold": False,
    "request_label": False,
    "notify": False,
}


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a rule asks for, and which rule asked."""

    name: str
    value: Any
    rule_id: str

    def __str__(self) -> str:
        return f"{self.name}({self.value!r}) by {self.rule_id}"


def _action(raw: Any, rule_id: str) -> Action:
    if isinstance(raw, str):
        raw = {raw: True}
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise RuleError(
            f"rule {rule_id!r}: an action is a table with one key, e.g. {{ add_tag = 'vip' }}",
            rule_id=rule_id,
        )
    ((name, value),) = raw.items()
    if name not in ACTIONS:
        raise RuleError(
            f"rule {rule_id!r}: unknown action {name!r}; the actions are {', '.join(ACTIONS)}",
            rule_id=rule_id,
            field=name,
        )
    if name == "set_status":
        try:
            value = OrderStatus(str(value).lower())
        except ValueError:
            raise RuleError(
                f"rule {rule_id!r}: set_status {value!r} is not a master status "
                f"({', '.join(s.value for s in OrderStatus)})",
                rule_id=rule_id,
                field=name,
            ) from None
    elif name == "set_priority":
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleError(
                f"rule {rule_id!r}: set_priority needs an integer", rule_id=rule_id, field=name
            )
    elif name == "request_label":
        if value is not True:
            raise RuleError(
                f"rule {rule_id!r}: request_label takes true", rule_id=rule_id, field=name
            )
    elif not isinstance(value, str) or not value:
        raise RuleError(
            f"rule {rule_id!r}: {name} needs a non-empty text", rule_id=rule_id, field=name
        )
    return Action(name, value, rule_id)


@dataclass(frozen=True)
class Rule:
    """A rule: when its condition matches an order, its actions are asked for."""

    id: str
    when: Mapping[str, Any]
    then: tuple[Action, ...]
    priority: int = 100
    stop: bool = False
    enabled: bool = True
    description: str = ""
    _check: Callable[[Order | Facts], str | None] = field(
        repr=False, compare=False, default=lambda order: None
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Validate and compile one rule (``id``, ``priority``, ``when``, ``then``, …)."""
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError(f"a rule needs an id (got {rule_id!r})")
        unknown = set(data) - {"id", "priority", "when", "then", "stop", "enabled", "description"}
        if unknown:
            raise RuleError(f"rule {rule_id!r}: unknown keys {sorted(unknown)}", rule_id=rule_id)
        priority = data.get("priority", 100)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise RuleError(
                f"rule {rule_id!r}: priority must be an integer", rule_id=rule_id, field="priority"
            )
        when = data.get("when", {"all": []})
        check = (
            compile_condition(when, rule_id=rule_id)
            if when != {"all": []}
            else (lambda order: None)
        )
        then = data.get("then", [])
        if not isinstance(then, list) or not then:
            raise RuleError(
                f"rule {rule_id!r}: 'then' must list at least one action",
                rule_id=rule_id,
                field="then",
            )
        return cls(
            id=rule_id,
            when=when,
            then=tuple(_action(a, rule_id) for a in then),
            priority=priority,
            stop=bool(data.get("stop", False)),
            enabled=bool(data.get("enabled", True)),
            description=str(data.get("description", "")),
            _check=check,
        )

    def to_dict(self) -> dict[str, Any]:
        """The rule as data that :meth:`from_dict` reads back."""
        then = [
            {a.name: a.value.value if isinstance(a.value, OrderStatus) else a.value}
            for a in self.then
        ]
        data: dict[str, Any] = {
            "id": self.id,
            "priority": self.priority,
            "when": self.when,
            "then": then,
        }
        if self.stop:
            data["stop"] = True
        if not self.enabled:
            data["enabled"] = False
        if self.description:
            data["description"] = self.description
        return data

    def failure(self, order: Order | Facts) -> str | None:
        """``None`` when the rule matches ``order``, else the first condition that failed."""
        return self._check(order)


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """What one rule did with one order."""

    rule_id: str
    matched: bool
    reason: str | None = None
    overridden: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.matched:
            return f"✗ {self.rule_id}: {self.reason}"
        extra = f" (overridden: {', '.join(self.overridden)})" if self.overridden else ""
        note = f" — {self.reason}" if self.reason else ""
        return f"✓ {self.rule_id}{note}{extra}"


@dataclass(frozen=True)
class Outcome:
    """What the matching rules ask for, ready for the caller to apply."""

    status: OrderStatus | None = None
    service_id: str | None = None
    priority: int | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    holds: tuple[str, ...] = ()
    request_label: bool = False
    notify: tuple[str, ...] = ()
    decided_by: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """The result of :meth:`RuleSet.evaluate`: actions in order, outcome and trace."""

    order_id: str
    at: datetime
    actions: tuple[Action, ...]
    outcome: Outcome
    trace: tuple[RuleTrace, ...]

    @property
    def matched(self) -> list[str]:
        """Ids of the rules that matched."""
        return [t.rule_id for t in self.trace if t.matched]

    def explain(self) -> str:
        """The trace, one rule a line."""
        return "\n".join([f"Rules for order {self.order_id}:", *(f"  {t}" for t in self.trace)])

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✓' if t.matched else '✗'}</td><td>{html.escape(t.rule_id)}</td>"
            f"<td>{html.escape(t.reason or '')}</td></tr>"
            for t in self.trace
        )
        return f"<table><tr><th></th><th>rule</th><th>why</th></tr>{rows}</table>"


Strategy = Literal["all", "first_match"]
ConflictPolicy = Literal["error", "first_listed"]


class RuleSet:
    """Rules plus the strategy and conflict policy that say how they combine."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        strategy: Strategy = "all",
        on_conflict: ConflictPolicy = "error",
    ) -> None:
        if strategy not in ("all", "first_match"):
            raise RuleError(f"strategy {strategy!r} must be 'all' or 'first_match'")
        if on_conflict not in ("error", "first_listed"):
            raise RuleError(f"on_conflict {on_conflict!r} must be 'error' or 'first_listed'")
        listed = list(rules)
        seen: set[str] = set()
        for rule in listed:
            if rule.id in seen:
                raise RuleError(f"rule id {rule.id!r} is used twice", rule_id=rule.id)
            seen.add(rule.id)
        # Stable sort: equal priorities keep the order they were written in.
        self.rules: tuple[Rule, ...] = tuple(sorted(listed, key=lambda r: r.priority))
        self.strategy: Strategy = strategy
        self.on_conflict: ConflictPolicy = on_conflict
        if on_conflict == "error":
            _check_conflicts(self.rules)

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, source: str | Path | Mapping[str, Any]) -> RuleSet:
        """Load from a TOML file path or a dict ``{"strategy", "on_conflict", "rules": [...]}``."""
        if isinstance(source, Mapping):
            data: Mapping[str, Any] = source
        else:
            data = read_toml(source, "rules", RuleError)
        unknown = set(data) - {"strategy", "on_conflict", "rules"}
        if unknown:
            raise RuleError(f"unknown rule-set keys {sorted(unknown)}")
        return cls(
            (Rule.from_dict(r) for r in data.get("rules", [])),
            strategy=data.get("strategy", "all"),
            on_conflict=data.get("on_conflict", "error"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The rule set as data that :meth:`load` reads back."""
        return {
            "strategy": self.strategy,
            "on_conflict": self.on_conflict,
            "rules": [r.to_dict() for r in self.rules],
        }

    # -- evaluation --------------------------------------------------------------------

    def evaluate(self, order: Order, *, now: datetime) -> Evaluation:
        """Which rules match ``order`` and what they ask for; changes nothing."""
        ensure_aware(now, "now")
        trace: list[RuleTrace] = []
        actions: list[Action] = []
        single: dict[str, Action] = {}
        add: list[str] = []
        remove: list[str] = []
        holds: list[str] = []
        notify: list[str] = []
        label = False
        done = False
        facts = Facts(order)
        for rule in self.rules:
            if done:
                trace.append(RuleTrace(rule.id, False, "not evaluated: an earlier rule stopped"))
                continue
            if not rule.enabled:
                trace.append(RuleTrace(rule.id, False, "disabled"))
                continue
            why = rule.failure(facts)
            if why is not None:
                trace.append(RuleTrace(rule.id, False, why))
                continue
            overridden = []
            for action in rule.then:
                if ACTIONS[action.name]:
                    if action.name in single:
                        overridden.append(f"{action.name} by {single[action.name].rule_id}")
                        continue
                    single[action.name] = action
                elif action.name == "add_tag":
                    add.append(action.value)
                elif action.name == "remove_tag":
                    remove.append(action.value)
                elif action.name == "hold":
                    holds.append(action.value)
                elif action.name == "notify":
                    notify.append(action.value)
                elif action.name == "request_label":
                    label = True
                actions.append(action)
            trace.append(RuleTrace(rule.id, True, "stop" if rule.stop else None, tuple(overridden)))
            done = rule.stop or self.strategy == "first_match"
        status = single.get("set_status")
        service = single.get("set_service")
        priority = single.get("set_priority")
        outcome = Outcome(
            status=status.value if status else None,
            service_id=service.value if service else None,
            priority=priority.value if priority else None,
            add_tags=tuple(dict.fromkeys(add)),
            remove_tags=tuple(dict.fromkeys(remove)),
            holds=tuple(holds),
            request_label=label,
            notify=tuple(dict.fromkeys(notify)),
            decided_by={name: a.rule_id for name, a in single.items()},
        )
        return Evaluation(order.id, now, tuple(actions), outcome, tuple(trace))

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, strategy={self.strategy!r})"


# -- conflict detection -------------------------------------------------------------------


def _excludes(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether comparisons ``a`` and ``b`` on one field can never hold together."""
    if a.get("field") != b.get("field"):
        return False
    op_a, op_b = a.get("op", "=="), b.get("op", "==")
    va: Any = a.get("value")
    vb: Any = b.get("value")
    if op_a == "==" and op_b == "==":
        return bool(va != vb)
    if {op_a, op_b} == {"==", "!="}:
        return bool(va == vb)
    if op_a == "in" and op_b == "in":
        return not set(map(str, va)) & set(map(str, vb))
    if op_a in ("==", "in") and op_b in ("==", "in"):
        left = {str(va)} if op_a == "==" else set(map(str, va))
        right = {str(vb)} if op_b == "==" else set(map(str, vb))
        return not left & right
    return _ranges_exclude(op_a, va, op_b, vb)


def _as_number(value: Any) -> Decimal | None:
    try:
        return (
            Money.parse(str(value)).amount
            if isinstance(value, str) and " " in value.strip()
            else Decimal(str(value))
        )
    except Exception:
        return None


def _ranges_exclude(op_a: str, va: Any, op_b: str, vb: Any) -> bool:
    bounds = []
    for op, value in ((op_a, va), (op_b, vb)):
        number = _as_number(value)
        if number is None or op not in ("<", "<=", ">", ">="):
            return False
        bounds.append((op, number))
    upper = [(o, n) for o, n in bounds if o in ("<", "<=")]
    lower = [(o, n) for o, n in bounds if o in (">", ">=")]
    if len(upper) != 1 or len(lower) != 1:
        return False
    (uo, un), (lo, ln) = upper[0], lower[0]
    if ln > un:
        return True
    return ln == un and (uo == "<" or lo == ">")


def _check_conflicts(rules: Sequence[Rule]) -> None:
    enabled = [r for r in rules if r.enabled]
    for i, first in enumerate(enabled):
        for second in enabled[i + 1 :]:
            if second.priority != first.priority:
                continue
            for name, single in ACTIONS.items():
                if not single:
                    continue
                mine = {a.value for a in first.then if a.name == name}
                theirs = {a.value for a in second.then if a.name == name}
                if not mine or not theirs or mine == theirs:
                    continue
                if any(
                    _excludes(a, b)
                    for a in required_comparisons(first.when)
                    for b in required_comparisons(second.when)
                ):
                    continue
                shown = name.removeprefix("set_")
                raise RuleConflict(
                    first=first.id,
                    second=second.id,
                    target=shown,
                    detail=f"{sorted(map(str, mine))} vs {sorted(map(str, theirs))}",
                )
