"""The contract of a channel adapter (``OrderSource`` and what it may add), as a pytest suite.

Subclass :class:`OrderSourceConformance` and implement the hooks::

    class TestMyChannel(OrderSourceConformance):
        secret = "the token the fake accepts"
        order_route = "getOrders"        # the fake's route name for a page of orders
        tracking_route = "createPackageManual"   # the route that records a shipment

        def start_fake(self): ...                     # a started fake server
        def make_client(self, fake, *, secret=None): ...
        def make_async_client(self, fake): ...        # the async twin, or None
        def seed(self, fake, count, *, same_second=1, descending=False): ...  # -> ids
        def seed_in_last_second(self, fake, count): ...   # -> ids
        def seed_poison(self, fake): ...              # -> id of an order that cannot be mapped
        def change(self, fake, order_id, change): ... # "paid" | "cancelled", same instant
        def inject(self, fake, route, kind, times=1): ...
        def channel_status(self, fake, order_id): ... # the status name the fake holds
        def recorded_shipments(self, fake, order_id): ...  # tracking numbers the fake holds

Optional hooks (their tests skip when the adapter lacks the protocol):
``signed_webhook(fake, order_id)`` for ``WebhookSource``; ``stock_skus(fake)`` and
``stock_of(fake, sku)`` for ``StockSink``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import pytest

from ecomflow.adapters.protocols import (
    AsyncOrderSource,
    BulkStatusWriter,
    OrderEvent,
    OrderSource,
    StatusChange,
    StockSink,
    WebhookRequest,
    WebhookSource,
)
from ecomflow.errors import (
    AuthenticationFailed,
    EcomflowError,
    RemoteAPIError,
    SignatureVerificationError,
)
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus
from ecomflow.stock.updates import StockUpdate
from ecomflow.testing.conformance.kit import Kit
from ecomflow.testing.conformance.twins import assert_twins_match, close_quietly, run_async

__all__ = ["OrderSourceConformance"]

Change = Literal["paid", "cancelled"]

SHIPMENT = ShipmentRef(
    carrier="inpost",
    service_id="inpost_locker_standard",
    shipment_id="49001",
    tracking_number="620000111222333444555666",
)


def _ids(orders: list[Order]) -> list[str]:
    return [o.channel_order_id for o in orders]


class OrderSourceConformance(Kit):
    """Inherit this in a test class and implement the hooks (see the module docstring)."""

    order_route: str = ""
    tracking_route: str = ""

    # -- hooks -----------------------------------------------------------------------------

    def seed(
        self, fake: Any, count: int, *, same_second: int = 1, descending: bool = False
    ) -> list[str]:
        """Add ``count`` new orders after every existing one, ``same_second`` per instant.

        ``descending=True``: within each instant, ids come in descending order.
        Returns the channel order ids.
        """
        raise NotImplementedError

    def seed_in_last_second(self, fake: Any, count: int) -> list[str]:
        """Add ``count`` orders in the same instant as the newest order already there."""
        raise NotImplementedError

    def seed_poison(self, fake: Any) -> str:
        """Add an order the adapter cannot map (e.g. an unmapped status); returns its id."""
        raise NotImplementedError

    def change(self, fake: Any, channel_order_id: str, change: Change) -> None:
        """Change an order on the channel in the same instant as the channel's latest change."""
        raise NotImplementedError

    def inject(self, fake: Any, route: str, kind: str | int, times: int = 1) -> None:
        """Make the fake fail ``route`` ``times`` times with ``kind``."""
        raise NotImplementedError

    def channel_status(self, fake: Any, channel_order_id: str) -> str | None:
        """The order's status as the fake holds it."""
        raise NotImplementedError

    def recorded_shipments(self, fake: Any, channel_order_id: str) -> list[str]:
        """Tracking numbers the fake holds for the order (one entry per record)."""
        raise NotImplementedError

    def signed_webhook(self, fake: Any, channel_order_id: str) -> WebhookRequest | None:
        """A correctly signed "order changed" webhook for the order, or ``None``."""
        return None

    def stock_skus(self, fake: Any) -> list[str]:
        """SKUs the channel knows (for ``StockSink``)."""
        return []

    def stock_of(self, fake: Any, sku: str) -> int | None:
        """The quantity the fake shows for ``sku``."""
        return None

    # -- the protocol ----------------------------------------------------------------------

    def test_implements_order_source(self, client: Any) -> None:
        """The client is an ``OrderSource``."""
        assert isinstance(client, OrderSource)

    def test_paging_without_loss_or_duplicates(self, fake: Any, client: Any) -> None:
        """Every seeded order comes back exactly once, across pages."""
        seeded = self.seed(fake, 450, same_second=7)
        batch = client.fetch_orders(None)
        assert sorted(_ids(batch.orders)) == sorted(seeded)
        assert batch.failures == []

    def test_a_crowded_second_does_not_loop_or_lose(self, fake: Any, client: Any) -> None:
        """More orders in one instant than fit a page."""
        seeded = self.seed(fake, 230, same_second=230)
        assert sorted(_ids(client.fetch_orders(None).orders)) == sorted(seeded)

    def test_ids_not_ascending_within_a_second(self, fake: Any, client: Any) -> None:
        """Ids in descending order inside one instant: none lost, none twice."""
        seeded = self.seed(fake, 120, same_second=6, descending=True)
        ids = _ids(client.fetch_orders(None).orders)
        assert sorted(ids) == sorted(seeded)

    def test_cursor_continues_without_duplicates(self, fake: Any, client: Any) -> None:
        """A second fetch from the returned cursor sees only what is new."""
        self.seed(fake, 120, same_second=3)
        first = client.fetch_orders(None)
        assert client.fetch_orders(first.cursor).orders == []
        later = self.seed(fake, 5)
        assert sorted(_ids(client.fetch_orders(first.cursor).orders)) == sorted(later)

    def test_orders_added_later_in_the_last_second_seen(self, fake: Any, client: Any) -> None:
        """Orders confirmed in the boundary instant after the cursor was saved are not lost."""
        self.seed(fake, 3, same_second=3)
        first = client.fetch_orders(None)
        late = self.seed_in_last_second(fake, 2)
        again = client.fetch_orders(first.cursor)
        assert sorted(_ids(again.orders)) == sorted(late)

    def test_a_change_in_the_boundary_second_is_seen(self, fake: Any, client: Any) -> None:
        """An older order changed in the same instant as the last change seen comes back."""
        seeded = self.seed(fake, 4, same_second=4)
        first = client.fetch_orders(None)
        self.change(fake, seeded[0], "paid")
        again = client.fetch_orders(first.cursor)
        changed = [o for o in again.orders if o.channel_order_id == seeded[0]]
        assert changed, "the paid order was not fetched again"
        assert changed[-1].is_paid

    def test_cancellation_is_seen(self, fake: Any, client: Any) -> None:
        """A cancelled order comes back cancelled."""
        seeded = self.seed(fake, 2)
        first = client.fetch_orders(None)
        self.change(fake, seeded[1], "cancelled")
        again = client.fetch_orders(first.cursor)
        assert [o.status for o in again.orders if o.channel_order_id == seeded[1]][-1] is (
            OrderStatus.CANCELLED
        )

    def test_a_poison_order_does_not_block_the_page(self, fake: Any, client: Any) -> None:
        """One unmappable order in the middle: the others come in, it is kept, the cursor moves."""
        before = self.seed(fake, 2)
        poison = self.seed_poison(fake)
        after = self.seed(fake, 2)
        batch = client.fetch_orders(None)
        assert sorted(_ids(batch.orders)) == sorted(before + after)
        assert [f.channel_order_id for f in batch.failures] == [poison]
        failure = batch.failures[0]
        assert failure.raw, "the raw payload must be kept for a later retry"
        assert failure.reason
        again = client.fetch_orders(batch.cursor)
        assert again.orders == [] and again.failures == []

    def test_get_order_matches_fetch(self, fake: Any, client: Any) -> None:
        """``get_order`` reads one order as ``fetch_orders`` maps it."""
        seeded = self.seed(fake, 2)
        fetched = {o.channel_order_id: o for o in client.fetch_orders(None).orders}
        one = client.get_order(seeded[1])
        assert one.id == fetched[seeded[1]].id
        assert one.total == fetched[seeded[1]].total
        assert one.status is fetched[seeded[1]].status

    def test_write_status(self, fake: Any, client: Any) -> None:
        """The order's master status is written back as the channel's status."""
        seeded = self.seed(fake, 1)
        order = client.get_order(seeded[0])
        before = self.channel_status(fake, seeded[0])
        client.write_status(order, OrderStatus.SHIPPED)
        after = self.channel_status(fake, seeded[0])
        assert after is not None and after != before

    def test_write_tracking_records_once(self, fake: Any, client: Any) -> None:
        """Writing the same shipment twice records it once."""
        seeded = self.seed(fake, 1)
        order = client.get_order(seeded[0])
        client.write_tracking(order, SHIPMENT)
        client.write_tracking(order, SHIPMENT)
        assert self.recorded_shipments(fake, seeded[0]) == [SHIPMENT.tracking_number]

    def test_write_tracking_after_a_lost_answer_records_once(self, fake: Any, client: Any) -> None:
        """The channel recorded it but the answer was lost: the retry does not record again."""
        if not self.tracking_route:
            pytest.skip("no tracking_route given")
        seeded = self.seed(fake, 1)
        order = client.get_order(seeded[0])
        self.inject(fake, self.tracking_route, "drop_after_write")
        with contextlib.suppress(EcomflowError):  # the adapter may find it, or report the loss
            client.write_tracking(order, SHIPMENT, first_attempt=True)
        client.write_tracking(order, SHIPMENT)
        assert self.recorded_shipments(fake, seeded[0]) == [SHIPMENT.tracking_number]

    def test_bulk_status_write(self, fake: Any, client: Any) -> None:
        """``write_statuses`` (when offered) sets every order's status."""
        if not isinstance(client, BulkStatusWriter):
            pytest.skip("no bulk status writes")
        bulk: Any = client
        seeded = self.seed(fake, 3)
        orders = [bulk.get_order(i) for i in seeded]
        before = {i: self.channel_status(fake, i) for i in seeded}
        result = bulk.write_statuses([StatusChange(o, OrderStatus.SHIPPED) for o in orders])
        assert sorted(result.written) == sorted(o.id for o in orders)
        assert result.failed == {}
        assert all(self.channel_status(fake, i) != before[i] for i in seeded)

    # -- errors and secrets ------------------------------------------------------------------

    def test_transient_faults_are_retried(self, fake: Any, client: Any) -> None:
        """A 503 and a dropped connection do not surface."""
        seeded = self.seed(fake, 3)
        self.inject(fake, self.order_route, 503)
        self.inject(fake, self.order_route, "reset")
        assert sorted(_ids(client.fetch_orders(None).orders)) == sorted(seeded)

    def test_malformed_answers_are_typed(self, fake: Any, client: Any) -> None:
        """Garbage in a 200 is a RemoteAPIError, not a JSONDecodeError."""
        self.seed(fake, 1)
        self.inject(fake, self.order_route, "malformed", times=10)
        with pytest.raises(RemoteAPIError):
            client.fetch_orders(None)

    def test_bad_credentials_are_authentication_failed(self, fake: Any) -> None:
        """A wrong secret maps to AuthenticationFailed and does not leak."""
        wrong = "wrong-" + self.secret
        client = self.make_client(fake, secret=wrong)
        with pytest.raises(AuthenticationFailed) as info:
            client.fetch_orders(None)
        assert wrong not in str(info.value)
        close_quietly(client)

    def test_secret_not_in_repr_or_errors(self, fake: Any, client: Any) -> None:
        """The secret never shows in repr() or in error text."""
        assert self.secret not in repr(client)
        self.inject(fake, self.order_route, 500, times=10)
        with pytest.raises(RemoteAPIError) as info:
            client.fetch_orders(None)
        assert self.secret not in str(info.value)
        assert self.secret not in (info.value.body or "")

    # -- webhooks and stock -------------------------------------------------------------

    def test_webhook_names_the_order_and_refuses_tampering(self, fake: Any, client: Any) -> None:
        """A signed webhook becomes an ``OrderEvent``; a tampered one is refused."""
        if not isinstance(client, WebhookSource):
            pytest.skip("no webhooks")
        seeded = self.seed(fake, 1)
        request = self.signed_webhook(fake, seeded[0])
        if request is None:
            pytest.skip("signed_webhook hook not implemented")
        events = client.parse_webhook(request)
        assert [e.channel_order_id for e in events if isinstance(e, OrderEvent)] == [seeded[0]]
        assert client.parse_webhook(request)[0].delivery_id == events[0].delivery_id
        tampered = WebhookRequest(request.headers, request.body + b" ", request.remote_addr)
        with pytest.raises(SignatureVerificationError):
            client.parse_webhook(tampered)

    def test_stock_publication_warns_per_unknown_sku(self, fake: Any, client: Any) -> None:
        """An unknown SKU is a per-SKU warning; the others are published."""
        if not isinstance(client, StockSink):
            pytest.skip("no stock")
        known = self.stock_skus(fake)
        if not known:
            pytest.skip("stock_skus hook not implemented")
        channel = getattr(getattr(client, "settings", None), "channel", "channel")
        updates = [
            StockUpdate(channel=channel, sku=known[0], quantity=7),
            StockUpdate(channel=channel, sku="NO-SUCH-SKU", quantity=1),
        ]
        result = client.publish_stock(updates)
        assert "NO-SUCH-SKU" in result.warnings
        assert self.stock_of(fake, known[0]) == 7

    # -- the async twin ----------------------------------------------------------------

    def test_async_twin_has_the_same_methods(self, fake: Any, client: Any) -> None:
        """The twins expose the same public methods."""
        twin = self.twin(fake)
        assert_twins_match(type(client), type(twin))
        assert isinstance(twin, AsyncOrderSource)

    def test_async_twin_keeps_the_contract(self, fake: Any, client: Any) -> None:
        """Every ``AsyncOrderSource`` method, against the same fake, agrees with the sync one."""
        seeded = self.seed(fake, 150, same_second=4)
        sync_batch = client.fetch_orders(None)
        twin = self.twin(fake)

        async def exercise() -> tuple[Any, Order]:
            try:
                batch = await twin.fetch_orders(None)
                order = await twin.get_order(seeded[0])
                await twin.write_status(order, OrderStatus.SHIPPED)
                await twin.write_tracking(order, SHIPMENT)
                await twin.write_tracking(order, SHIPMENT)
                return batch, order
            finally:
                await twin.aclose()

        async_batch, order = run_async(exercise())
        assert _ids(async_batch.orders) == _ids(sync_batch.orders)
        assert async_batch.cursor == sync_batch.cursor
        assert order.channel_order_id == seeded[0]
        assert self.recorded_shipments(fake, seeded[0]) == [SHIPMENT.tracking_number]
        assert self.channel_status(fake, seeded[0]) is not None
