"""A reusable pytest suite that checks an order-source adapter keeps the contract.

A plugin author subclasses :class:`OrderSourceConformance` in their own tests
and provides three fixtures' worth of methods; pytest collects the inherited
tests::

    class TestMyChannel(OrderSourceConformance):
        def make_client(self, fake): ...        # sync client pointed at the fake
        def make_async_client(self, fake): ...  # async twin (or None)
        def start_fake(self): ...               # a started fake server
        def seed(self, fake, count, same_second): ...  # add ``count`` orders
        def inject(self, fake, method, kind, times): ...  # fault injection
        secret = "the token the fake accepts"
        order_method = "getOrders"   # the fake's method name for order pages

The checks: paging without loss or duplicates (also when many orders share a
second), transient faults retried, malformed answers typed, a bad credential
mapped to ``AuthenticationFailed``, the secret never in reprs or errors, and
sync/async parity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from ecomflow.errors import AuthenticationFailed, RemoteAPIError

__all__ = ["OrderSourceConformance", "ShipmentProviderConformance"]


class OrderSourceConformance:
    """Inherit this in a test class and implement the hooks below."""

    secret: str = ""
    order_method: str = "getOrders"

    # -- hooks the plugin author implements ------------------------------------------------

    def start_fake(self) -> Any:
        """Start and return the adapter's fake server."""
        raise NotImplementedError

    def make_client(self, fake: Any, *, secret: str | None = None) -> Any:
        """A sync client (an ``OrderSource``) talking to ``fake``."""
        raise NotImplementedError

    def make_async_client(self, fake: Any) -> Any | None:
        """An async client for ``fake``, or ``None`` when there is no async twin."""
        return None

    def seed(self, fake: Any, count: int, *, same_second: int = 1) -> None:
        """Add ``count`` orders, ``same_second`` of them per confirmation second."""
        raise NotImplementedError

    def inject(self, fake: Any, method: str, kind: str | int, times: int = 1) -> None:
        """Make the fake fail ``method`` ``times`` times with ``kind``."""
        raise NotImplementedError

    # -- the suite -------------------------------------------------------------------------

    @pytest.fixture
    def fake(self) -> Iterator[Any]:
        """A started fake, stopped after the test."""
        server = self.start_fake()
        yield server
        server.stop()

    def test_paging_without_loss_or_duplicates(self, fake: Any) -> None:
        """Every seeded order comes back exactly once, across pages."""
        self.seed(fake, 450, same_second=7)
        batch = self.make_client(fake).fetch_orders(None)
        ids = [o.channel_order_id for o in batch.orders]
        assert len(ids) == 450
        assert len(set(ids)) == 450

    def test_a_crowded_second_does_not_loop_or_lose(self, fake: Any) -> None:
        """More orders in one second than fit a page."""
        self.seed(fake, 230, same_second=230)
        batch = self.make_client(fake).fetch_orders(None)
        assert len({o.channel_order_id for o in batch.orders}) == 230

    def test_cursor_continues_without_duplicates(self, fake: Any) -> None:
        """A second fetch from the returned cursor sees only new orders."""
        self.seed(fake, 120, same_second=3)
        client = self.make_client(fake)
        first = client.fetch_orders(None)
        assert client.fetch_orders(first.cursor).orders == []
        self.seed(fake, 5, same_second=1)
        assert len(client.fetch_orders(first.cursor).orders) == 5

    def test_transient_faults_are_retried(self, fake: Any) -> None:
        """A 503 and a dropped connection do not surface."""
        self.seed(fake, 3)
        self.inject(fake, self.order_method, 503)
        self.inject(fake, self.order_method, "reset")
        assert len(self.make_client(fake).fetch_orders(None).orders) == 3

    def test_malformed_answers_are_typed(self, fake: Any) -> None:
        """Garbage in a 200 is a RemoteAPIError, not a JSONDecodeError."""
        self.seed(fake, 1)
        self.inject(fake, self.order_method, "malformed", times=10)
        with pytest.raises(RemoteAPIError):
            self.make_client(fake).fetch_orders(None)

    def test_bad_credentials_are_authentication_failed(self, fake: Any) -> None:
        """A wrong secret maps to AuthenticationFailed and does not leak."""
        wrong = "wrong-" + self.secret
        client = self.make_client(fake, secret=wrong)
        with pytest.raises(AuthenticationFailed) as info:
            client.fetch_orders(None)
        assert wrong not in str(info.value)

    def test_secret_not_in_repr_or_errors(self, fake: Any) -> None:
        """The secret never shows in repr() or in error text."""
        client = self.make_client(fake)
        assert self.secret not in repr(client)
        self.inject(fake, self.order_method, 500, times=10)
        with pytest.raises(RemoteAPIError) as info:
            client.fetch_orders(None)
        assert self.secret not in str(info.value)
        assert self.secret not in (info.value.body or "")

    def test_sync_and_async_agree(self, fake: Any) -> None:
        """The async twin returns the same orders and cursor."""
        self.seed(fake, 150, same_second=4)
        sync_batch = self.make_client(fake).fetch_orders(None)
        client = self.make_async_client(fake)
        if client is None:
            pytest.skip("this adapter has no async twin")

        async def fetch() -> Any:
            try:
                return await client.fetch_orders(None)
            finally:
                await client.aclose()

        async_batch = asyncio.run(fetch())
        assert [o.id for o in async_batch.orders] == [o.id for o in sync_batch.orders]
        assert async_batch.cursor == sync_batch.cursor


class ShipmentProviderConformance:
    """The contract of a carrier adapter: exactly one shipment per parcel, typed errors.

    Implement ``start_fake``, ``make_client``, ``make_async_client`` (or return
    ``None``), ``request(reference)`` (a ``ShipmentRequest`` the carrier accepts),
    ``inject`` and ``shipments_with(fake, reference)`` (how many the fake holds).
    """

    secret: str = ""
    create_route: str = "create_shipment"

    def start_fake(self) -> Any:
        """Start and return the carrier's fake server."""
        raise NotImplementedError

    def make_client(self, fake: Any, *, secret: str | None = None) -> Any:
        """A sync carrier client for ``fake``."""
        raise NotImplementedError

    def make_async_client(self, fake: Any) -> Any | None:
        """An async carrier client, or ``None``."""
        return None

    def request(self, reference: str) -> Any:
        """A valid shipment request with this reference."""
        raise NotImplementedError

    def inject(self, fake: Any, route: str, kind: str | int, times: int = 1) -> None:
        """Make the fake fail ``route``."""
        raise NotImplementedError

    def shipments_with(self, fake: Any, reference: str) -> int:
        """How many shipments with ``reference`` the fake holds."""
        raise NotImplementedError

    @pytest.fixture
    def fake(self) -> Iterator[Any]:
        """A started fake, stopped after the test."""
        server = self.start_fake()
        yield server
        server.stop()

    def test_create_twice_is_one_shipment(self, fake: Any) -> None:
        """Creating again for the same reference returns the first shipment."""
        client = self.make_client(fake)
        first = client.create_shipment(self.request("C-1"))
        again = client.create_shipment(self.request("C-1"))
        assert first.id == again.id
        assert self.shipments_with(fake, "C-1") == 1

    def test_lost_answer_is_still_one_shipment(self, fake: Any) -> None:
        """The carrier created it but the answer never came: no second label."""
        self.inject(fake, self.create_route, "drop_after_write")
        shipment = self.make_client(fake).create_shipment(self.request("C-2"))
        assert shipment.id
        assert self.shipments_with(fake, "C-2") == 1

    def test_label_after_confirmation(self, fake: Any) -> None:
        """A confirmed shipment has a label file."""
        client = self.make_client(fake)
        shipment = client.wait_until_confirmed(
            client.create_shipment(self.request("C-3")).id, timeout=10
        )
        assert shipment.tracking_number
        assert client.get_label(shipment.id).content

    def test_bad_credentials_and_secrets(self, fake: Any) -> None:
        """A wrong secret is AuthenticationFailed, and never shows in text."""
        wrong = "wrong-" + self.secret
        client = self.make_client(fake, secret=wrong)
        with pytest.raises(AuthenticationFailed) as info:
            client.create_shipment(self.request("C-4"))
        assert wrong not in str(info.value)
        assert self.secret not in repr(self.make_client(fake))

    def test_async_twin_creates_the_same_shipment(self, fake: Any) -> None:
        """The async twin finds the shipment the sync one made."""
        made = self.make_client(fake).create_shipment(self.request("C-5"))
        client = self.make_async_client(fake)
        if client is None:
            pytest.skip("this adapter has no async twin")

        async def create() -> Any:
            try:
                return await client.create_shipment(self.request("C-5"))
            finally:
                await client.aclose()

        assert asyncio.run(create()).id == made.id
        assert self.shipments_with(fake, "C-5") == 1
