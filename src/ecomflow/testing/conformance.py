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

__all__ = ["OrderSourceConformance"]


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
