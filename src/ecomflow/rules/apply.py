"""Applying an evaluation to an order — through OrderFlow, so illegal moves are refused.

Evaluation has no side effects; :func:`apply_outcome` is where the order
changes. Statuses are reached by the OrderFlow event that leads to them
(``ready_to_pack`` by ``mark_ready``…); a move the flow refuses is reported,
not forced. Label requests and notifications are returned for the caller
(the orchestrator) to carry out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecomflow.errors import InvalidTransition
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.status import OrderStatus
from ecomflow.rules.ruleset import Evaluation

__all__ = ["EVENT_FOR_STATUS", "Applied", "apply_outcome"]

#: The OrderFlow event that moves an order into each master status.
EVENT_FOR_STATUS: dict[OrderStatus, str] = {
    OrderStatus.PAID: "pay",
    OrderStatus.ON_HOLD: "hold",
    OrderStatus.READY_TO_PACK: "mark_ready",
    OrderStatus.IN_FULFILMENT: "start_fulfilment",
    OrderStatus.PACKED: "pack",
    OrderStatus.SHIPPED: "ship",
    OrderStatus.DELIVERED: "deliver",
    OrderStatus.CANCELLED: "cancel",
    OrderStatus.RETURNED: "mark_returned",
}


@dataclass
class Applied:
    """What :func:`apply_outcome` did, and what is left for the caller."""

    changes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    request_label: bool | None = None
    notify: list[str] = field(default_factory=list)


def apply_outcome(evaluation: Evaluation, flow: OrderFlow) -> Applied:
    """Apply ``evaluation``'s outcome to ``flow.order``.

    Order: tags, service and priority first; then holds (an order put on hold
    is not moved on by ``set_status`` in the same pass); then the status.

    >>> from datetime import UTC, datetime
    >>> from ecomflow.rules import RuleSet
    >>> from ecomflow.testing import sample_order
    >>> rules = RuleSet.load({"rules": [{"id": "vip", "when": {"field": "customer.vip",
    ...     "value": True}, "then": [{"add_tag": "vip"}, {"set_status": "packed"}]}]})
    >>> order = sample_order(vip=True)
    >>> applied = apply_outcome(rules.evaluate(order, now=datetime.now(UTC)), OrderFlow(order))
    >>> sorted(order.tags), applied.refused
    (['vip'], ["set_status packed by vip: Order shop-1001 cannot 'pack' while it is 'new'; allowed now: cancel, hold, pay."])
    """
    order = flow.order
    outcome = evaluation.outcome
    result = Applied(request_label=outcome.request_label, notify=list(outcome.notify))
    for tag in outcome.add_tags:
        if tag not in order.tags:
            order.tags.add(tag)
            result.changes.append(f"tag +{tag}")
    for tag in outcome.remove_tags:
        if tag in order.tags:
            order.tags.discard(tag)
            result.changes.append(f"tag -{tag}")
    if outcome.service_id is not None and order.delivery.service_id != outcome.service_id:
        order.delivery.service_id = outcome.service_id
        result.changes.append(f"service {outcome.service_id}")
    if outcome.priority is not None and order.priority != outcome.priority:
        order.priority = outcome.priority
        result.changes.append(f"priority {outcome.priority}")
    held = False
    for reason in outcome.holds:
        if order.status is OrderStatus.ON_HOLD:
            break
        try:
            flow.hold(reason, actor=_actor(evaluation, "hold"))
        except InvalidTransition as refused:
            result.refused.append(f"hold: {refused}")
        else:
            held = True
            result.changes.append(f"hold: {reason}")
    target = outcome.status
    if target is not None and not held and order.status is not target:
        rule_id = outcome.decided_by.get("set_status", "?")
        event = EVENT_FOR_STATUS.get(target)
        if event is None:
            result.refused.append(f"set_status {target.value} by {rule_id}: no event leads there")
        else:
            try:
                flow.send(event, reason=f"rule {rule_id}", actor=f"rule:{rule_id}")
            except InvalidTransition as refused:
                result.refused.append(f"set_status {target.value} by {rule_id}: {refused}")
            else:
                result.changes.append(f"status {target.value}")
    return result


def _actor(evaluation: Evaluation, action: str) -> str:
    for item in evaluation.actions:
        if item.name == action:
            return f"rule:{item.rule_id}"
    return "rule"
