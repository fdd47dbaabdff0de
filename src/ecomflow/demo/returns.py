"""The demo's returns: after the delivery days, a few customers send things back.

Who returns what is drawn from the seed once the parcels are delivered (the
delivered InPost orders, sorted, sampled with ``random.Random``), and kept in
the shop's database, so a resumed run carries on with the same plan. One
customer sends everything back and posts the form twice (the same RMA comes
back); one returns a unit that fails quality control (written off); one never
posts the parcel (support rejects the RMA); one asks for more units than they
bought and a cancelled order's customer asks too (both refused). The others
return a unit or two. The shop's returns desk does the rest: return labels
from ShipX (``is_return``), the return parcels' tracking (a webhook when they
are posted, :meth:`~ecomflow.orchestration.returns.ReturnsDesk.poll` when
they arrive), quality control, refunds and correcting invoices — the latter
two land in an :class:`EventJournal`, the payment and accounting systems'
own record.

Every step is safe to repeat: requests carry keys, the carrier's moves are
made once (its tracking says what it did), and the desk's steps are chosen by
the RMAs' states.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecomflow.orchestration.effects import RequestCorrectionInvoice, RequestRefund
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.models import Refusal, ReturnReason, Rma, RmaStatus

if TYPE_CHECKING:
    from ecomflow.demo.world import World

__all__ = [
    "EventJournal",
    "PlannedReturn",
    "parcels_arrive",
    "parcels_posted",
    "plan_returns",
    "request_returns",
    "returns_plan",
    "settle_returns",
    "verify_returns",
]

#: Why the ordinary returns come back.
_REASONS = ("wrong_size", "wrong_colour", "not_as_described", "changed_mind")
_PLAN = "demo:returns:plan"


@dataclass(frozen=True)
class PlannedReturn:
    """One customer's return request, and what will happen to it."""

    order_id: str
    key: str
    lines: dict[str, int]
    reason: str
    damaged: dict[str, int] = field(default_factory=dict)
    posted: bool = True
    retried: bool = False
    refusal: str | None = None

    @property
    def story(self) -> str:
        """The line of "what happened today" it belongs to."""
        if self.refusal == "not_shipped":
            return "return refused: a cancelled order"
        if self.refusal:
            return "return refused: more units than bought"
        if self.retried:
            return "return of everything, form posted twice (one RMA)"
        if self.damaged:
            return "return with a damaged unit (written off)"
        if not self.posted:
            return "return never posted (RMA rejected)"
        return "return requested and refunded"


def plan_returns(
    seed: int, delivered: Sequence[Order], cancelled: Sequence[Order]
) -> list[PlannedReturn]:
    """Who returns what (see the module docstring); the same inputs give the same plan."""
    rng = random.Random(f"returns:{seed}")
    pool = sorted(delivered, key=lambda o: o.id)
    count = min(len(pool), max(3, len(pool) // 10))
    chosen = rng.sample(pool, count)
    plan: list[PlannedReturn] = []
    for index, order in enumerate(chosen):
        bought = order.quantities()
        key = f"demo-return:{order.id}"
        if index == 0:
            plan.append(PlannedReturn(order.id, key, bought, "changed_mind", retried=True))
            continue
        sku = rng.choice(sorted(bought))
        lines = {sku: rng.randint(1, bought[sku])}
        if index == 1:
            plan.append(PlannedReturn(order.id, key, lines, "damaged", damaged={sku: 1}))
            plan.append(
                PlannedReturn(
                    order.id,
                    f"{key}:too-many",
                    {sku: bought[sku] + 1},
                    "wrong_size",
                    refusal="already_returned",
                )
            )
        else:
            posted = not (index == 2 and count >= 4)
            plan.append(PlannedReturn(order.id, key, lines, rng.choice(_REASONS), posted=posted))
    for order in sorted(cancelled, key=lambda o: o.id)[:1]:
        sku = sorted(order.quantities())[0]
        plan.append(
            PlannedReturn(
                order.id, f"demo-return:{order.id}", {sku: 1}, "other", refusal="not_shipped"
            )
        )
    return plan


class EventJournal:
    """An :class:`~ecomflow.orchestration.EventSink` that appends every event to a file.

    The payment and accounting systems' own record: one JSON object a line,
    repeats included (the checks count them).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def emit(self, event: RequestRefund | RequestCorrectionInvoice) -> None:
        """Append ``event``."""
        record = {
            "key": event.key,
            "kind": event.kind,
            "order_id": event.order_id,
            "rma": event.rma,
            "amount": str(event.amount.amount),
            "currency": event.amount.currency,
        }
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()


# -- the steps -----------------------------------------------------------------------


def _main(world: World) -> Any:
    assert world.main is not None
    return world.main


def _record(world: World, name: str, value: str) -> None:
    main = _main(world)
    with main.repository.unit(world.clock()) as unit:
        unit.put_record(name, value)


def returns_plan(world: World) -> list[PlannedReturn]:
    """The plan kept in the shop's database (made the first time, from the seed)."""
    main = _main(world)
    kept = main.repository.record(_PLAN)
    if kept is None:
        delivered = [
            o
            for o in main.repository.find(status=OrderStatus.DELIVERED.value)
            if o.shipment is not None and o.shipment.carrier == "inpost"
        ]
        cancelled = main.repository.find(status=OrderStatus.CANCELLED.value)
        plan = plan_returns(world.scenario.seed, delivered, cancelled)
        kept = json.dumps([asdict(p) for p in plan])
        _record(world, _PLAN, kept)
    return [PlannedReturn(**item) for item in json.loads(kept)]


def request_returns(world: World, at: datetime) -> None:
    """The customers fill in the returns form; the shop's worker buys the labels."""
    main = _main(world)
    world.clock.set(at.astimezone(UTC))
    for planned in returns_plan(world):
        ask = (planned.order_id, planned.lines, ReturnReason(planned.reason))
        result = main.returns.request(*ask, key=planned.key, text="demo")
        if isinstance(result, Refusal):
            _record(world, f"demo:returns:refused:{planned.key}", result.code)
        elif planned.retried:  # the form is posted again (a double click, a retry)
            again = main.returns.request(*ask, key=planned.key, text="demo")
            number = again.number if isinstance(again, Rma) else f"refused: {again.code}"
            _record(world, f"demo:returns:retry:{planned.key}", f"{result.number} {number}")
    world.dispatch()


def _rmas(world: World, statuses: tuple[RmaStatus, ...]) -> list[tuple[Rma, PlannedReturn]]:
    """The planned returns' RMAs now in ``statuses``, with their plan."""
    plans = {p.key: p for p in returns_plan(world)}
    found = _main(world).returns.store.in_status(statuses)
    return [(rma, plans[rma.key]) for rma in found if rma.key in plans]


def _move_return_parcels(world: World, status: str) -> None:
    """The carrier moves the posted return parcels to ``status`` (once each)."""
    for rma, planned in _rmas(world, (RmaStatus.REQUESTED, RmaStatus.SENT_BACK)):
        if not planned.posted or rma.return_shipment_id is None:
            continue
        shipment = world.shipx.shipments.get(int(rma.return_shipment_id))
        number = (shipment or {}).get("tracking_number") or ""
        if status not in {e.get("status") for e in world.shipx.tracking.get(number, [])}:
            world.shipx.advance(rma.return_shipment_id, status)


def parcels_posted(world: World, at: datetime) -> None:
    """Customers drop their return parcels off; the carrier's webhooks reach the shop."""
    world.clock.set(at.astimezone(UTC))
    _move_return_parcels(world, "taken_by_courier")
    world.deliver_webhooks()
    world.dispatch()


def parcels_arrive(world: World, at: datetime) -> None:
    """The return parcels reach the shop; the worker's poll of return parcels sees them."""
    world.clock.set(at.astimezone(UTC))
    _move_return_parcels(world, "delivered")
    _main(world).returns.poll()
    world.deliver_webhooks()  # the same news by webhook: already applied, nothing moves
    world.dispatch()


def verify_returns(world: World, at: datetime) -> None:
    """The warehouse checks what came back: damaged units are written off, the rest restocked."""
    world.clock.set(at.astimezone(UTC))
    main = _main(world)
    for rma, planned in _rmas(world, (RmaStatus.RECEIVED,)):
        outcomes = {
            line.sku: {
                "restock": line.quantity - planned.damaged.get(line.sku, 0),
                "write_off": planned.damaged.get(line.sku, 0),
            }
            for line in rma.lines
        }
        main.returns.verify(rma.number, outcomes, actor="user:magazyn")
    world.dispatch()


def settle_returns(world: World, at: datetime) -> None:
    """Verified returns are refunded; a parcel that never came is rejected by support."""
    world.clock.set(at.astimezone(UTC))
    main = _main(world)
    for rma, _ in _rmas(world, (RmaStatus.VERIFIED,)):
        main.returns.refund(rma.number)
    for rma, planned in _rmas(world, (RmaStatus.REQUESTED,)):
        if not planned.posted:
            main.returns.reject(rma.number, "the parcel was never sent back", actor="user:obsluga")
    world.dispatch()
