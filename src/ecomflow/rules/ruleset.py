"""Rule sets: rules with explicit priority, evaluated without side effects, with a trace.

Semantics (the whole of it):

- **Priority: a higher number is more important**, for rules and for orders
  alike. Rules are evaluated from the highest ``priority`` to the lowest
  (10 before 1; the default is 0, like an order's); rules of equal priority
  in the order they are written. The ``set_priority`` action sets the order's
  priority in the same direction: a higher number is handled sooner.
  Disabled rules are skipped (and say so in the trace).
- A rule fires only when its condition is **true**. Conditions use
  three-valued logic (see :mod:`ecomflow.rules.conditions`): a rule whose
  condition is unknown — it compares PLN and the order is in EUR, it needs a
  carrier and the order has none — does not fire, and its trace line
  (marked ``?``) says why.
- ``strategy = "first_match"``: the first matching rule's actions apply, no
  other rule's. ``strategy = "all"`` (default): every matching rule applies,
  in that order, until a matching rule with ``stop = true``.
- Single-valued targets (``set_status``, ``set_service``, ``set_priority``):
  the first rule in evaluation order that sets one — the one with the higher
  priority — wins; later settings are listed in the trace as overridden,
  never silently applied.
- Conflict check at load: two enabled rules of the **same priority** that set
  one single-valued target to different values, and whose conditions can both
  be true, are a :class:`~ecomflow.errors.RuleConflict` — unless the rule set
  says ``on_conflict = "first_listed"`` (the rule written first wins, as
  above). "Can both be true" is decided on parsed values, conservatively (see
  :mod:`ecomflow.rules.conflicts`).
- References are checked at load when the caller says what exists:
  ``RuleSet.load(source, services=..., templates=...)`` refuses a
  ``set_service`` or ``notify`` naming something unknown.
"""

from __future__ import annotations

import difflib
import html
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

from ecomflow._toml import read_toml
from ecomflow.clock import ensure_aware
from ecomflow.errors import RuleConflict, RuleError
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.rules.conditions import (
    ALWAYS,
    Condition,
    Facts,
    Truth,
    compile_condition,
    required_comparisons,
)
from ecomflow.rules.conflicts import can_both_hold

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
    "request_label": True,
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


def _action_error(rule_id: str, name: str | None, message: str) -> RuleError:
    return RuleError(f"rule {rule_id!r}: {message}", rule_id=rule_id, field=name)


def _action(raw: Any, rule_id: str) -> Action:
    if isinstance(raw, str):
        raw = {raw: True}
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise _action_error(
            rule_id, None, "an action is a table with one key, e.g. { add_tag = 'vip' }"
        )
    ((name, value),) = raw.items()
    if name not in ACTIONS:
        raise _action_error(
            rule_id, name, f"unknown action {name!r}; the actions are {', '.join(ACTIONS)}"
        )
    if name == "set_status":
        try:
            value = OrderStatus(str(value).lower())
        except ValueError:
            raise _action_error(
                rule_id,
                name,
                f"set_status {value!r} is not a master status "
                f"({', '.join(s.value for s in OrderStatus)})",
            ) from None
    elif name == "set_priority":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _action_error(
                rule_id, name, "set_priority needs an integer (higher is handled sooner)"
            )
    elif name == "request_label":
        if not isinstance(value, bool):
            raise _action_error(
                rule_id,
                name,
                "request_label takes true (buy the label now) or false (keep the order "
                "packed for a person to decide)",
            )
    elif not isinstance(value, str) or not value:
        raise _action_error(rule_id, name, f"{name} needs a non-empty text")
    return Action(name, value, rule_id)


@dataclass(frozen=True)
class Rule:
    """A rule: when its condition is true of an order, its actions are asked for.

    ``priority``: a higher number is evaluated first and wins single-valued
    targets (default 0).
    """

    id: str
    when: Mapping[str, Any]
    then: tuple[Action, ...]
    priority: int = 0
    stop: bool = False
    enabled: bool = True
    description: str = ""
    condition: Condition = field(repr=False, compare=False, default=ALWAYS)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Validate and compile one rule (``id``, ``priority``, ``when``, ``then``, …)."""
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError(f"a rule needs an id (got {rule_id!r})")
        unknown = set(data) - {"id", "priority", "when", "then", "stop", "enabled", "description"}
        if unknown:
            raise RuleError(f"rule {rule_id!r}: unknown keys {sorted(unknown)}", rule_id=rule_id)
        priority = data.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise RuleError(
                f"rule {rule_id!r}: priority must be an integer (higher runs first)",
                rule_id=rule_id,
                field="priority",
            )
        when = data.get("when", {"all": []})
        condition = ALWAYS if when == {"all": []} else compile_condition(when, rule_id=rule_id)
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
            condition=condition,
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

    def verdict(self, order: Order | Facts) -> Truth:
        """Whether the rule's condition is true, false or unknown (``None``) for ``order``."""
        return self.condition.verdict(order)

    def failure(self, order: Order | Facts) -> str | None:
        """``None`` when the rule matches ``order``, else why not."""
        return self.condition(order)


class RuleTrace:
    """What one rule did with one order: matched, did not, or could not tell (unknown).

    ``reason`` says why a rule did not match; for a rule whose condition was
    evaluated it is worked out when first read, from the order's values as
    they were at evaluation time.
    """

    __slots__ = ("_condition", "_facts", "_reason", "overridden", "rule_id", "verdict")

    rule_id: str
    #: ``True`` matched, ``False`` did not, ``None`` unknown.
    verdict: Truth
    overridden: tuple[str, ...]

    def __init__(
        self,
        rule_id: str,
        matched: bool,
        reason: str | None = None,
        overridden: tuple[str, ...] = (),
        *,
        unknown: bool = False,
    ) -> None:
        self.rule_id = rule_id
        self.verdict = True if matched else (None if unknown else False)
        self.overridden = overridden
        self._reason = reason
        self._condition: Condition | None = None
        self._facts: Facts | None = None

    @classmethod
    def _unmatched(
        cls, rule_id: str, verdict: Truth, condition: Condition, facts: Facts
    ) -> RuleTrace:
        trace = cls(rule_id, False, unknown=verdict is None)
        trace._condition, trace._facts = condition, facts
        return trace

    @property
    def matched(self) -> bool:
        """Whether the rule's condition was true (so its actions were asked for)."""
        return self.verdict is True

    @property
    def unknown(self) -> bool:
        """Whether the rule's condition could not be decided (so it did not fire)."""
        return self.verdict is None

    @property
    def reason(self) -> str | None:
        """Why the rule did not match (``"stop"`` for a matched rule that stopped)."""
        if self._condition is not None and self._facts is not None:
            self._reason = self._condition.why(self._facts)
            self._condition = self._facts = None
        return self._reason

    def _key(self) -> tuple[str, Truth, str | None, tuple[str, ...]]:
        return (self.rule_id, self.verdict, self.reason, self.overridden)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleTrace) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"RuleTrace({self.rule_id!r}, verdict={self.verdict!r}, reason={self.reason!r}, "
            f"overridden={self.overridden!r})"
        )

    @property
    def mark(self) -> str:
        """``✓`` matched, ``✗`` did not, ``?`` unknown."""
        return "✓" if self.verdict else ("?" if self.verdict is None else "✗")

    def __str__(self) -> str:
        if not self.matched:
            return f"{self.mark} {self.rule_id}: {self.reason}"
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
    request_label: bool | None = None
    notify: tuple[str, ...] = ()
    decided_by: Mapping[str, str] = field(default_factory=dict)


#: What evaluate() records per rule: its verdict, or that it was disabled or not reached.
_Step = Literal[True, False, None, "disabled", "stopped"]
_FIXED_REASONS = {
    "disabled": "disabled",
    "stopped": "not evaluated: an earlier rule stopped",
}


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The result of :meth:`RuleSet.evaluate`: actions in order, outcome and trace.

    The trace is built when first read (an evaluation is often only applied);
    its reasons describe the order as it was when evaluated. ``rules`` are the
    rule set's rules in evaluation order, ``steps`` what happened to each
    (``True``/``False``/``None`` for unknown, ``"disabled"``, ``"stopped"``),
    ``overridden`` the single-valued actions each matching rule lost, and
    ``facts`` the order's field values as read.
    """

    order_id: str
    at: datetime
    actions: tuple[Action, ...]
    outcome: Outcome
    rules: tuple[Rule, ...] = field(repr=False)
    steps: tuple[_Step, ...] = field(repr=False)
    overridden: Mapping[str, tuple[str, ...]] = field(repr=False)
    facts: Facts = field(repr=False)

    @property
    def matched(self) -> list[str]:
        """Ids of the rules that matched."""
        return [rule.id for rule, step in zip(self.rules, self.steps, strict=True) if step is True]

    @cached_property
    def trace(self) -> tuple[RuleTrace, ...]:
        """One line per rule, in evaluation order: matched, not, unknown, disabled, skipped."""
        return tuple(self._trace_line(r, s) for r, s in zip(self.rules, self.steps, strict=True))

    def _trace_line(self, rule: Rule, step: _Step) -> RuleTrace:
        if step is True:
            reason = "stop" if rule.stop else None
            return RuleTrace(rule.id, True, reason, self.overridden.get(rule.id, ()))
        if isinstance(step, str):
            return RuleTrace(rule.id, False, _FIXED_REASONS[step])
        return RuleTrace._unmatched(rule.id, step, rule.condition, self.facts)

    def _key(self) -> tuple[object, ...]:
        return (self.order_id, self.at, self.actions, self.outcome, self.trace)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evaluation) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.order_id, self.at, self.actions))

    def explain(self) -> str:
        """The trace, one rule a line (``✓`` matched, ``✗`` did not, ``?`` unknown)."""
        return "\n".join([f"Rules for order {self.order_id}:", *(f"  {t}" for t in self.trace)])

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{t.mark}</td><td>{html.escape(t.rule_id)}</td>"
            f"<td>{html.escape(t.reason or '')}</td></tr>"
            for t in self.trace
        )
        return f"<table><tr><th></th><th>rule</th><th>why</th></tr>{rows}</table>"


Strategy = Literal["all", "first_match"]
ConflictPolicy = Literal["error", "first_listed"]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


class RuleSet:
    """Rules plus the strategy and conflict policy that say how they combine.

    Rules run from the highest priority to the lowest (a higher number runs
    first and wins single-valued targets); see :mod:`ecomflow.rules.ruleset`.
    """

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
        self.rules: tuple[Rule, ...] = tuple(sorted(listed, key=lambda r: -r.priority))
        self.strategy: Strategy = strategy
        self.on_conflict: ConflictPolicy = on_conflict
        # What evaluate() runs: each rule with its condition's test (None: disabled).
        self._plan = tuple((r, r.condition.test if r.enabled else None) for r in self.rules)
        if on_conflict == "error":
            _check_conflicts(self.rules)

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        source: str | Path | Mapping[str, Any],
        *,
        services: Iterable[str | _HasId] | None = None,
        templates: Iterable[str] | None = None,
    ) -> RuleSet:
        """Load a rule set and check it.

        ``source`` is a mapping ``{"strategy", "on_conflict", "rules": [...]}``,
        a :class:`~pathlib.Path` to a TOML file, or a string: TOML text when it
        has a line break or an ``=``, else a file path.

        ``services`` (carrier service ids, or a :class:`~ecomflow.shipping.Catalogue`)
        and ``templates`` (message template names), when given, are the values
        ``set_service`` and ``notify`` may name; anything else is a
        :class:`~ecomflow.errors.RuleError` naming the rule and suggesting the
        closest known value. Without them those values are not checked.
        """
        data = _read_source(source)
        unknown = set(data) - {"strategy", "on_conflict", "rules"}
        if unknown:
            raise RuleError(
                f"unknown rule-set keys {sorted(unknown)}; use strategy, on_conflict and rules"
            )
        ruleset = cls(
            (Rule.from_dict(r) for r in data.get("rules", [])),
            strategy=data.get("strategy", "all"),
            on_conflict=data.get("on_conflict", "error"),
        )
        ruleset.check_references(services=services, templates=templates)
        return ruleset

    def check_references(
        self,
        *,
        services: Iterable[str | _HasId] | None = None,
        templates: Iterable[str] | None = None,
    ) -> None:
        """Refuse ``set_service`` / ``notify`` values not in ``services`` / ``templates``.

        A collection that is ``None`` is not checked. Disabled rules are
        checked too (they are one switch away from running).
        """
        if services is not None:
            ids = {s if isinstance(s, str) else s.id for s in services}
            _check_names(self.rules, "set_service", ids, "carrier service")
        if templates is not None:
            _check_names(self.rules, "notify", set(templates), "message template")

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
        facts = Facts(order)
        steps: list[_Step] = []
        record = steps.append
        collected = _Collected()
        single: dict[str, Action] = {}
        overridden: dict[str, tuple[str, ...]] = {}
        for rule, test in self._plan:
            if test is None:
                record("disabled")
                continue
            verdict = test(facts)
            record(verdict)
            if verdict is True:
                overridden[rule.id] = collected.take(rule, single)
                if rule.stop or self.strategy == "first_match":
                    break
        steps += ["stopped"] * (len(self.rules) - len(steps))
        return Evaluation(
            order.id,
            now,
            tuple(collected.actions),
            collected.outcome(single),
            self.rules,
            tuple(steps),
            overridden,
            facts,
        )

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, strategy={self.strategy!r})"


@dataclass
class _Collected:
    """The actions of the matching rules, gathered in evaluation order."""

    actions: list[Action] = field(default_factory=list)
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)

    def take(self, rule: Rule, single: dict[str, Action]) -> tuple[str, ...]:
        """Gather ``rule``'s actions; return the single-valued ones an earlier rule decided."""
        overridden = []
        for action in rule.then:
            if ACTIONS[action.name]:
                if action.name in single:
                    overridden.append(f"{action.name} by {single[action.name].rule_id}")
                    continue
                single[action.name] = action
            elif action.name == "add_tag":
                self.add.append(action.value)
            elif action.name == "remove_tag":
                self.remove.append(action.value)
            elif action.name == "hold":
                self.holds.append(action.value)
            elif action.name == "notify":
                self.notify.append(action.value)
            self.actions.append(action)
        return tuple(overridden)

    def outcome(self, single: Mapping[str, Action]) -> Outcome:
        """The outcome the gathered actions ask for."""
        status = single.get("set_status")
        service = single.get("set_service")
        priority = single.get("set_priority")
        label = single.get("request_label")
        return Outcome(
            status=status.value if status else None,
            service_id=service.value if service else None,
            priority=priority.value if priority else None,
            add_tags=tuple(dict.fromkeys(self.add)),
            remove_tags=tuple(dict.fromkeys(self.remove)),
            holds=tuple(self.holds),
            request_label=label.value if label else None,
            notify=tuple(dict.fromkeys(self.notify)),
            decided_by={name: a.rule_id for name, a in single.items()},
        )


# -- loading ------------------------------------------------------------------------------


def _read_source(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    if isinstance(source, str) and ("\n" in source or "=" in source):
        try:
            return tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(
                f"Cannot read the rules as TOML text: {exc}. Fix the TOML, or pass a "
                "pathlib.Path to read a file."
            ) from exc
    return read_toml(source, "rules", RuleError)


def _check_names(rules: Sequence[Rule], action: str, known: set[str], what: str) -> None:
    for rule in rules:
        for item in rule.then:
            if item.name == action and item.value not in known:
                raise RuleError(
                    f"rule {rule.id!r}: {action} {item.value!r} is not a known {what}; "
                    + _suggest(item.value, known, what),
                    rule_id=rule.id,
                    field=action,
                )


def _suggest(value: str, known: set[str], what: str) -> str:
    if not known:
        return f"no {what}s are known, so none can be named"
    close = difflib.get_close_matches(value, sorted(known), n=3)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"the known {what}s are: {', '.join(sorted(known))}"


# -- conflict detection -------------------------------------------------------------------


def _check_conflicts(rules: Sequence[Rule]) -> None:
    enabled = [r for r in rules if r.enabled]
    required = {r.id: required_comparisons(r.condition) for r in enabled}
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
                if not can_both_hold(required[first.id], required[second.id]):
                    continue
                raise RuleConflict(
                    first=first.id,
                    second=second.id,
                    target=name.removeprefix("set_"),
                    detail=f"{sorted(map(str, mine))} vs {sorted(map(str, theirs))}",
                )
