"""The demo's consistency checks: what the outside world received, counted by itself.

Each check reads the fakes' own records (shipments at ShipX, packages and
statuses at BaseLinker), the journal of messages as the transport received
them (every send, repeats included), and stock arithmetic from the receipts and
the parcels that left — never only the Orchestrator's word for it. Each check
can fail: ``tests/test_demo.py`` breaks the thing it guards (a message sent
twice, a stock commit skipped, a tracking write-back skipped…) and sees it fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecomflow.demo.returns import PlannedReturn
from ecomflow.errors import UnmappedDeliveryMethod
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import DeliveryMethod, Order
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import Tag
from ecomflow.returns.models import Rma, RmaStatus

__all__ = ["Check", "Evidence", "read_sends", "run_checks"]

_GONE = {
    "delivered",
    "taken_by_courier",
    "out_for_delivery",
    "ready_to_pickup",
    "delay_in_delivery",
    "adopted_at_sorting_center",
    "sent_from_source_branch",
}


@dataclass(frozen=True)
class Check:
    """One check: its name, whether it passed, and what it found when it did not."""

    name: str
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass
class Evidence:
    """What the checks read: the outside world's records and the shop's database."""

    orders: list[Order]
    baselinker_orders: dict[int, dict[str, Any]]
    baselinker_packages: dict[int, list[dict[str, Any]]]
    baselinker_cancelled: set[int]
    shipx_shipments: dict[int, dict[str, Any]]
    journal: Path
    received: dict[str, int]
    on_hand: dict[str, int]
    reserved: dict[str, int]
    audit_subjects: set[str] = field(default_factory=set)
    pending_labels: set[str] = field(default_factory=set)
    collected: set[str] = field(default_factory=set)
    parked: dict[str, str] = field(default_factory=dict)
    rmas: list[Rma] = field(default_factory=list)
    return_plan: list[PlannedReturn] = field(default_factory=list)
    money_events: list[dict[str, Any]] = field(default_factory=list)
    return_records: dict[str, str] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)


def read_sends(journal: Path) -> list[dict[str, Any]]:
    """Every send the journal recorded (a line torn by a crash mid-write is not a send)."""
    if not journal.exists():
        return []
    sends = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            sends.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return sends


def _bl_paid(order: dict[str, Any]) -> bool:
    total = sum(
        (Decimal(str(p["price_brutto"])) * int(p["quantity"]) for p in order["products"]),
        Decimal(0),
    ) + Decimal(str(order.get("delivery_price") or 0))
    return order.get("payment_method_cod") == "1" or Decimal(str(order["payment_done"])) >= total


def _check(name: str, problems: Iterable[str]) -> Check:
    found = tuple(problems)
    return Check(name, not found, found[:10])


def one_shipment_per_order(e: Evidence) -> Check:
    """The carrier holds at most one live shipment per order, and shipped orders have one."""
    live = Counter(
        s["reference"] for s in e.shipx_shipments.values() if s.get("status") != "canceled"
    )
    problems = [f"{ref}: {n} live shipments at ShipX" for ref, n in live.items() if n > 1]
    for order in e.orders:
        ref = order.shipment
        if order.status.is_shipped and ref and ref.carrier == "inpost" and live[order.id] != 1:
            problems.append(f"{order.id} is {order.status.value} with {live[order.id]} shipments")
    return _check("one shipment per order (ShipX's records)", problems)


def one_package_per_order(e: Evidence) -> Check:
    """BaseLinker holds one package per shipped order, with the label's tracking number."""
    problems = []
    by_id = {o.channel_order_id: o for o in e.orders}
    for bl_id, packages in e.baselinker_packages.items():
        if len(packages) > 1:
            problems.append(f"BaseLinker order {bl_id} has {len(packages)} packages")
    for order in e.orders:
        if not order.status.is_shipped or order.shipment is None:
            continue
        packages = e.baselinker_packages.get(int(order.channel_order_id), [])
        numbers = [p.get("courier_package_nr") for p in packages]
        if numbers != [order.shipment.tracking_number]:
            problems.append(f"{order.id}: BaseLinker packages {numbers}")
    del by_id
    return _check("one package per shipped order (BaseLinker's records)", problems)


def each_message_once(e: Evidence) -> Check:
    """The transport received every message key once (counted from every send)."""
    keys = Counter(send["key"] for send in read_sends(e.journal))
    return _check(
        "each message sent once (the transport's own count)",
        (f"{key} sent {n} times" for key, n in keys.items() if n > 1),
    )


def promise_is_label(e: Evidence) -> Check:
    """Promised service = label service = tracking link's carrier = the customer's choice."""
    deliveries = DeliveryMap.default()
    problems = []
    for order in e.orders:
        ref, plan = order.shipment, order.shipping
        if ref is None or plan is None or ref.voided_at is not None:
            continue
        raw = e.baselinker_orders.get(int(order.channel_order_id), {})
        chosen = deliveries.resolve("baselinker", raw.get("delivery_method", ""))
        if ref.service_id != plan.service_id or ref.carrier != plan.carrier:
            problems.append(f"{order.id}: promised {plan.service_id}, labelled {ref.service_id}")
        if chosen.carrier is not None and chosen.carrier != ref.carrier:
            problems.append(f"{order.id}: the customer chose {chosen.carrier}, got {ref.carrier}")
        if ref.carrier == "inpost":
            shipment = next(
                (s for s in e.shipx_shipments.values() if s["reference"] == order.id), None
            )
            if shipment is None or shipment["service"] != plan.service_id:
                problems.append(f"{order.id}: ShipX has {shipment and shipment['service']}")
            if ref.tracking_url and "inpost.pl" not in ref.tracking_url:
                problems.append(f"{order.id}: tracking link {ref.tracking_url} is not InPost's")
            point = (shipment or {}).get("custom_attributes", {}).get("target_point")
            told = "changed-after-label" in order.tags and f"order {order.id}" in e.audit_subjects
            if raw.get("delivery_point_id") and point != raw["delivery_point_id"] and not told:
                problems.append(
                    f"{order.id}: locker {raw['delivery_point_id']} chosen, {point} labelled"
                )
    return _check("promise = label = tracking = the customer's choice", problems)


def tags_name_the_chosen_delivery(e: Evidence) -> Check:
    """``parcel-locker`` / ``pickup`` tags match the method the customer chose at the channel."""
    deliveries = DeliveryMap.default()
    problems = []
    for order in e.orders:
        raw = e.baselinker_orders.get(int(order.channel_order_id), {})
        try:
            chosen = deliveries.resolve("baselinker", raw.get("delivery_method", ""))
        except UnmappedDeliveryMethod:
            continue  # the poison order: kept as an intake failure, not taken in
        wanted = {
            DeliveryMethod.PARCEL_LOCKER: {Tag.PARCEL_LOCKER},
            DeliveryMethod.PICKUP: {Tag.PICKUP},
        }
        expected = wanted.get(chosen.method, set())
        tagged = {Tag(t) for t in order.tags if t in (Tag.PARCEL_LOCKER, Tag.PICKUP)}
        if tagged != expected:
            problems.append(
                f"{order.id}: {chosen.method.value} chosen, tagged {sorted(tagged) or 'none'}"
            )
    return _check("delivery tags name the customer's choice", problems)


def paid_orders_ship_or_wait_with_reason(e: Evidence) -> Check:
    """Every paid, not cancelled order is shipped, or held with a reason, or its label is due."""
    problems = []
    by_bl = {int(o.channel_order_id): o for o in e.orders}
    for bl_id, raw in e.baselinker_orders.items():
        if bl_id in e.baselinker_cancelled or not _bl_paid(raw):
            continue
        order = by_bl.get(bl_id)
        if order is None:
            problems.append(f"BaseLinker order {bl_id} was never taken in")
        elif order.status is OrderStatus.ON_HOLD:
            if not order.hold_reason:
                problems.append(f"{order.id} is held without a reason")
        elif not order.status.is_shipped and order.id not in e.pending_labels:
            problems.append(f"{order.id} is paid but {order.status.value}")
    return _check("every paid order is shipped or held with a reason", problems)


def no_order_waits_without_reason(e: Evidence) -> Check:
    """New orders wait for payment; held ones say why; packed ones have a label due."""
    problems = []
    for order in e.orders:
        if order.status is OrderStatus.NEW and (order.is_paid or order.payment.cod):
            problems.append(f"{order.id} is paid but still new")
        elif order.status is OrderStatus.ON_HOLD and not order.hold_reason:
            problems.append(f"{order.id} is held without a reason")
        elif (
            order.status is OrderStatus.PACKED
            and order.id not in e.pending_labels
            and ("label-by-hand" not in order.tags)
        ):
            problems.append(f"{order.id} is packed with no label due")
        elif order.status in (OrderStatus.PAID, OrderStatus.READY_TO_PACK):
            problems.append(f"{order.id} stopped at {order.status.value}")
    return _check("no order waits without a reason", problems)


def cancelled_orders_have_no_live_label(e: Evidence) -> Check:
    """A cancelled order's label is cancelled at the carrier, or staff were told to void it."""
    problems = []
    for order in e.orders:
        if order.status is not OrderStatus.CANCELLED or order.shipment is None:
            continue
        shipment = next((s for s in e.shipx_shipments.values() if s["reference"] == order.id), None)
        live = shipment is not None and shipment.get("status") != "canceled"
        told = f"order {order.id}" in e.audit_subjects and "label-to-void-by-hand" in order.tags
        if live and not told:
            problems.append(f"{order.id} is cancelled but its label is live at ShipX")
    by_bl = {int(o.channel_order_id): o for o in e.orders}
    for bl_id in e.baselinker_cancelled:
        found = by_bl.get(bl_id)
        ref = found.shipment if found is not None else None
        if (
            found is not None
            and ref is not None
            and found.status.is_shipped
            and ref.picked_up_at is None
            and "cancel-after-pickup" not in found.tags
        ):
            problems.append(f"{found.id} was cancelled in BaseLinker but is still shipped")
    return _check("no cancelled order ships with a live label", problems)


def _left(e: Evidence) -> Counter[str]:
    """Units whose parcels left the warehouse (the carrier's records, the shop's counter)."""
    left: Counter[str] = Counter()
    for order in e.orders:
        ref = order.shipment
        if ref is None or ref.voided_at is not None:
            continue
        gone = False
        if ref.carrier == "inpost":
            shipment = next(
                (s for s in e.shipx_shipments.values() if s["reference"] == order.id), None
            )
            gone = shipment is not None and shipment.get("status") in _GONE
        elif order.id in e.collected or order.status is OrderStatus.DELIVERED:
            gone = True
        elif ref.carrier != "inpost":
            gone = order.status.is_shipped  # no pickup signal: it leaves with the label
        if gone:
            left.update(order.quantities())
    return left


def _came_back(e: Evidence) -> tuple[Counter[str], Counter[str]]:
    """(good, damaged) units of the return parcels ShipX delivered to the shop.

    What each parcel held is what the customer asked to return (the plan);
    whether it arrived is the carrier's record; which units were damaged is
    what the warehouse found (the plan again) — never the ledger's word.
    """
    labels = {s["reference"]: s for s in e.shipx_shipments.values() if s.get("is_return")}
    numbers = {rma.key: rma.number for rma in e.rmas}
    good: Counter[str] = Counter()
    damaged: Counter[str] = Counter()
    for planned in e.return_plan:
        number = numbers.get(planned.key)
        label = labels.get(number.replace("/", "-")) if number else None
        if planned.refusal or label is None or label.get("status") != "delivered":
            continue
        for sku, quantity in planned.lines.items():
            broken = planned.damaged.get(sku, 0)
            good[sku] += quantity - broken
            damaged[sku] += broken
    return good, damaged


def stock_adds_up(e: Evidence) -> Check:
    """On hand = received − units whose parcels left + good returned units, outside the ledger."""
    left = _left(e)
    good, _ = _came_back(e)
    problems = []
    for sku, received in sorted(e.received.items()):
        expected = received - left[sku] + good[sku]
        if e.on_hand.get(sku, 0) != expected:
            problems.append(f"{sku}: on hand {e.on_hand.get(sku, 0)}, expected {expected}")
        if e.reserved.get(sku, 0) > e.on_hand.get(sku, 0):
            problems.append(f"{sku}: reserved {e.reserved[sku]} > on hand")
    return _check(
        "stock adds up: received − shipped + restocked returns = on hand, never oversold",
        problems,
    )


def returned_units_restocked(e: Evidence) -> Check:
    """Good returned units are back on hand, damaged ones are not, none wait in quarantine."""
    left = _left(e)
    good, damaged = _came_back(e)
    problems = []
    for sku in sorted(set(good) | set(damaged)):
        back = e.on_hand.get(sku, 0) - (e.received.get(sku, 0) - left[sku])
        if back != good[sku]:
            problems.append(
                f"{sku}: {back} returned units back on hand, expected {good[sku]} "
                f"({damaged[sku]} damaged)"
            )
    for sku, units in sorted(e.quarantined.items()):
        if units:
            problems.append(f"{sku}: {units} units still in quarantine")
    return _check("returned units: good ones back in stock, damaged ones not", problems)


def _return_ref(rma: Rma) -> str:
    return rma.number.replace("/", "-")


def one_return_label_per_rma(e: Evidence) -> Check:
    """ShipX holds exactly one return label (``is_return``) per RMA, and none for no RMA."""
    problems = []
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for shipment in e.shipx_shipments.values():
        by_ref.setdefault(shipment["reference"], []).append(shipment)
    for rma in e.rmas:
        found = by_ref.get(_return_ref(rma), [])
        if len(found) != 1:
            problems.append(f"{rma.number}: {len(found)} return labels at ShipX")
        elif found[0].get("is_return") is not True:
            problems.append(f"{rma.number}: its label at ShipX is not a return (is_return)")
        elif rma.return_shipment_id != str(found[0]["id"]):
            problems.append(f"{rma.number}: linked to {rma.return_shipment_id}, ShipX has one")
    known = {_return_ref(rma) for rma in e.rmas}
    for shipment in e.shipx_shipments.values():
        if shipment.get("is_return") and shipment["reference"] not in known:
            problems.append(f"{shipment['reference']}: a return label at ShipX for no RMA")
    return _check("one return label per RMA (ShipX's records)", problems)


def return_requests_answered_once(e: Evidence) -> Check:
    """One RMA per request (a form posted twice gives the first); refused ones open none."""
    problems = []
    keys = Counter(rma.key for rma in e.rmas)
    for planned in e.return_plan:
        refused = e.return_records.get(f"demo:returns:refused:{planned.key}")
        if planned.refusal:
            if keys[planned.key]:
                problems.append(f"{planned.order_id}: {planned.refusal} expected, an RMA opened")
            elif refused != planned.refusal:
                problems.append(f"{planned.order_id}: refused {refused}, not {planned.refusal}")
            continue
        if keys[planned.key] != 1:
            problems.append(f"{planned.order_id}: {keys[planned.key]} RMAs for {planned.key}")
        if planned.retried:
            numbers = e.return_records.get(f"demo:returns:retry:{planned.key}", "").split()
            if len(numbers) != 2 or numbers[0] != numbers[1]:
                problems.append(f"{planned.key} posted twice gave {numbers or 'nothing'}")
    return _check("each return request answered once (one RMA, or a refusal)", problems)


def one_refund_per_refunded_rma(e: Evidence) -> Check:
    """Payment and accounting got one refund and one correction per refunded RMA, no others."""
    counts = Counter((event["kind"], event["rma"]) for event in e.money_events)
    refunded = {rma.number: rma for rma in e.rmas if rma.status is RmaStatus.REFUNDED}
    problems = []
    for number, rma in sorted(refunded.items()):
        for kind in ("request_refund", "request_correction"):
            if counts[(kind, number)] != 1:
                problems.append(f"{number}: {counts[(kind, number)]} × {kind}")
        paid_back = [
            Decimal(ev["amount"])
            for ev in e.money_events
            if ev["rma"] == number and ev["kind"] == "request_refund"
        ]
        if rma.refund_total is not None and paid_back[:1] != [rma.refund_total.amount]:
            problems.append(f"{number}: refund events {paid_back}, the RMA {rma.refund_total}")
    for (kind, number), n in sorted(counts.items()):
        if number not in refunded:
            problems.append(f"{kind} × {n} for {number}, which is not refunded")
    return _check("one refund and one correction per refunded RMA (their own records)", problems)


def refunds_within_paid(e: Evidence) -> Check:
    """No order's refunds add up to more than the customer paid (BaseLinker's record)."""
    refunds: dict[str, Decimal] = {}
    for event in e.money_events:
        if event["kind"] == "request_refund":
            amount = Decimal(event["amount"])
            refunds[event["order_id"]] = refunds.get(event["order_id"], Decimal(0)) + amount
    by_id = {o.id: o for o in e.orders}
    problems = []
    for order_id, refunded in sorted(refunds.items()):
        order = by_id.get(order_id)
        raw = e.baselinker_orders.get(int(order.channel_order_id)) if order else None
        if raw is None:
            problems.append(f"{order_id}: refunded {refunded}, no such order at BaseLinker")
            continue
        total = sum(
            (Decimal(str(p["price_brutto"])) * int(p["quantity"]) for p in raw["products"]),
            Decimal(0),
        ) + Decimal(str(raw.get("delivery_price") or 0))
        paid = total if raw.get("payment_method_cod") == "1" else Decimal(str(raw["payment_done"]))
        if refunded > min(paid, total):
            problems.append(f"{order_id}: refunded {refunded}, paid {min(paid, total)}")
    return _check("refunds never exceed what was paid (BaseLinker's record)", problems)


def nothing_parked(e: Evidence) -> Check:
    """No effect failed so often that it waits for a person (nothing failed silently)."""
    return _check(
        "nothing parked for a person",
        (f"{key}: {error}" for key, error in sorted(e.parked.items())),
    )


def run_checks(evidence: Evidence) -> list[Check]:
    """Every check, in the order the report prints them."""
    return [
        one_shipment_per_order(evidence),
        one_package_per_order(evidence),
        each_message_once(evidence),
        promise_is_label(evidence),
        tags_name_the_chosen_delivery(evidence),
        paid_orders_ship_or_wait_with_reason(evidence),
        no_order_waits_without_reason(evidence),
        cancelled_orders_have_no_live_label(evidence),
        stock_adds_up(evidence),
        one_return_label_per_rma(evidence),
        return_requests_answered_once(evidence),
        one_refund_per_refunded_rma(evidence),
        refunds_within_paid(evidence),
        returned_units_restocked(evidence),
        nothing_parked(evidence),
    ]
