"""The contract of a carrier adapter (``ShipmentProvider`` and what it may add), as a pytest suite.

Subclass :class:`ShipmentProviderConformance` and implement the hooks::

    class TestMyCarrier(ShipmentProviderConformance):
        secret = "the token the fake accepts"
        create_route = "create_shipment"   # the fake's route name for creating one

        def start_fake(self): ...
        def make_client(self, fake, *, secret=None): ...
        def make_async_client(self, fake): ...        # or None
        def request(self, reference, service_id): ... # a ShipmentRequest the carrier accepts
        def inject(self, fake, route, kind, times=1): ...
        def shipments_with(self, fake, reference): ...   # how many the fake holds
        def confirm(self, fake, shipment_id): ...        # make the fake confirm it (label bought)

Optional: ``webhook_for(fake, shipment_id)`` for ``WebhookSource``;
``untrusted_webhook(fake, shipment_id)`` for the refusal test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecomflow.adapters.protocols import (
    AsyncShipmentProvider,
    ShipmentEvent,
    ShipmentLister,
    ShipmentProvider,
    TrackingSource,
    WebhookRequest,
    WebhookSource,
)
from ecomflow.errors import AuthenticationFailed, SignatureVerificationError, UnsupportedService
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus
from ecomflow.testing.conformance.kit import Kit
from ecomflow.testing.conformance.twins import assert_twins_match, close_quietly, run_async

__all__ = ["ShipmentProviderConformance"]


class ShipmentProviderConformance(Kit):
    """Inherit this in a test class and implement the hooks (see the module docstring)."""

    create_route: str = "create_shipment"

    # -- hooks -----------------------------------------------------------------------------

    def request(self, reference: str, service_id: str) -> ShipmentRequest:
        """A valid shipment request with this reference, for ``service_id``."""
        raise NotImplementedError

    def inject(self, fake: Any, route: str, kind: str | int, times: int = 1) -> None:
        """Make the fake fail ``route``."""
        raise NotImplementedError

    def shipments_with(self, fake: Any, reference: str) -> int:
        """How many live shipments with ``reference`` the fake holds."""
        raise NotImplementedError

    def confirm(self, fake: Any, shipment_id: str) -> None:
        """Make the fake confirm the shipment (buy the label, give a tracking number)."""
        raise NotImplementedError

    def webhook_for(self, fake: Any, shipment_id: str) -> WebhookRequest | None:
        """A trusted "shipment changed" webhook for the shipment, or ``None``."""
        return None

    def untrusted_webhook(self, fake: Any, shipment_id: str) -> WebhookRequest | None:
        """The same webhook from an untrusted source (wrong token or network), or ``None``."""
        return None

    # -- helpers -------------------------------------------------------------------------

    def _service(self, client: Any) -> str:
        services: list[str] = sorted(client.services())
        assert services, "services() must name at least one catalogue service id"
        return services[0]

    def _confirmed(self, fake: Any, client: Any, reference: str) -> Shipment:
        made = client.create_shipment(self.request(reference, self._service(client)))
        self.confirm(fake, made.id)
        shipment: Shipment = client.get_shipment(made.id)
        assert shipment.confirmed, "confirm() hook must leave the shipment confirmed"
        return shipment

    # -- exactly once ----------------------------------------------------------------------

    def test_implements_shipment_provider(self, client: Any) -> None:
        """The client is a ``ShipmentProvider``."""
        assert isinstance(client, ShipmentProvider)

    def test_create_twice_is_one_shipment(self, fake: Any, client: Any) -> None:
        """Creating again for the same reference returns the first shipment."""
        service = self._service(client)
        first = client.create_shipment(self.request("shop-C1", service))
        again = client.create_shipment(self.request("shop-C1", service))
        assert first.id == again.id
        assert self.shipments_with(fake, "shop-C1") == 1

    def test_lost_answer_is_still_one_shipment(self, fake: Any, client: Any) -> None:
        """The carrier created it but the answer never came: no second label."""
        self.inject(fake, self.create_route, "drop_after_write")
        shipment = client.create_shipment(self.request("shop-C2", self._service(client)))
        assert shipment.id
        assert self.shipments_with(fake, "shop-C2") == 1

    def test_two_channels_one_order_number_two_shipments(self, fake: Any, client: Any) -> None:
        """Order 1001 of two channels: two references, two shipments (never shared)."""
        service = self._service(client)
        one = client.create_shipment(self.request("baselinker-1001", service))
        two = client.create_shipment(self.request("shopify-1001", service))
        assert one.id != two.id
        assert self.shipments_with(fake, "baselinker-1001") == 1
        assert self.shipments_with(fake, "shopify-1001") == 1

    # -- services ------------------------------------------------------------------------

    def test_every_service_is_honoured(self, fake: Any, client: Any) -> None:
        """Each service the adapter offers is the one the shipment is created for."""
        for number, service in enumerate(sorted(client.services())):
            made = client.create_shipment(self.request(f"shop-S{number}", service))
            assert made.service == service

    def test_an_unknown_service_is_refused_before_any_call(self, fake: Any, client: Any) -> None:
        """An unknown service id is ``UnsupportedService`` and creates nothing."""
        with pytest.raises(UnsupportedService):
            client.create_shipment(self.request("shop-U1", "no_such_service"))
        assert self.shipments_with(fake, "shop-U1") == 0

    # -- reading, labels, cancelling -------------------------------------------------------

    def test_confirmed_shipment_has_tracking_label_and_link(self, fake: Any, client: Any) -> None:
        """A confirmed shipment has a tracking number, a label file and a tracking link."""
        shipment = self._confirmed(fake, client, "shop-C3")
        assert shipment.tracking_number
        assert client.get_label(shipment.id).content
        url = client.tracking_url(shipment.tracking_number)
        assert url is None or (url.startswith("https://") and shipment.tracking_number in url)

    def test_cancel(self, fake: Any, client: Any) -> None:
        """A cancelled shipment reads back cancelled."""
        made = client.create_shipment(self.request("shop-X1", self._service(client)))
        client.cancel_shipment(made.id)
        assert client.get_shipment(made.id).status is TrackingStatus.CANCELLED

    def test_tracking_events(self, fake: Any, client: Any) -> None:
        """``get_tracking`` (when offered) returns typed events, oldest first."""
        if not isinstance(client, TrackingSource):
            pytest.skip("no tracking")
        shipment = self._confirmed(fake, client, "shop-T1")
        assert shipment.tracking_number is not None
        events = client.get_tracking(shipment.tracking_number)
        assert all(isinstance(e, TrackingEvent) for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)

    def test_many_shipments_in_one_read(self, fake: Any, client: Any) -> None:
        """``get_shipments`` (when offered) returns each shipment asked for."""
        if not isinstance(client, ShipmentLister):
            pytest.skip("no bulk reads")
        service = self._service(client)
        provider: Any = client
        made = [provider.create_shipment(self.request(f"shop-L{i}", service)) for i in range(3)]
        found = provider.get_shipments([m.id for m in made])
        assert sorted(s.id for s in found) == sorted(m.id for m in made)

    # -- webhooks ------------------------------------------------------------------------

    def test_webhook_names_the_shipment(self, fake: Any, client: Any) -> None:
        """A trusted webhook becomes a ``ShipmentEvent``; an untrusted one is refused."""
        if not isinstance(client, WebhookSource):
            pytest.skip("no webhooks")
        shipment = self._confirmed(fake, client, "shop-W1")
        request = self.webhook_for(fake, shipment.id)
        if request is None:
            pytest.skip("webhook_for hook not implemented")
        events = client.parse_webhook(request)
        assert [e.shipment_id for e in events if isinstance(e, ShipmentEvent)] == [shipment.id]
        untrusted = self.untrusted_webhook(fake, shipment.id)
        if untrusted is not None:
            with pytest.raises(SignatureVerificationError):
                client.parse_webhook(untrusted)

    # -- credentials -----------------------------------------------------------------------

    def test_bad_credentials_and_secrets(self, fake: Any, client: Any) -> None:
        """A wrong secret is AuthenticationFailed, and never shows in text."""
        wrong = "wrong-" + self.secret
        bad = self.make_client(fake, secret=wrong)
        with pytest.raises(AuthenticationFailed) as info:
            bad.create_shipment(self.request("shop-C4", self._service(client)))
        assert wrong not in str(info.value)
        assert self.secret not in repr(client)
        close_quietly(bad)

    # -- the async twin ----------------------------------------------------------------

    def test_async_twin_has_the_same_methods(self, fake: Any, client: Any) -> None:
        """The twins expose the same public methods."""
        twin = self.twin(fake)
        assert_twins_match(type(client), type(twin))
        assert isinstance(twin, AsyncShipmentProvider)

    def test_async_twin_keeps_the_contract(self, fake: Any, client: Any) -> None:
        """Every ``AsyncShipmentProvider`` method agrees with the sync client."""
        service = self._service(client)
        made = client.create_shipment(self.request("shop-C5", service))
        twin = self.twin(fake)

        async def exercise() -> tuple[Shipment, Shipment, bytes, Shipment]:
            try:
                again = await twin.create_shipment(self.request("shop-C5", service))
                self.confirm(fake, again.id)
                read = await twin.get_shipment(again.id)
                label = await twin.get_label(again.id)
                other = await twin.create_shipment(self.request("shop-C6", service))
                await twin.cancel_shipment(other.id)
                cancelled = await twin.get_shipment(other.id)
                return again, read, label.content, cancelled
            finally:
                await twin.aclose()

        again, read, label, cancelled = run_async(exercise())
        assert again.id == made.id
        assert self.shipments_with(fake, "shop-C5") == 1
        assert read.confirmed and label
        assert cancelled.status is TrackingStatus.CANCELLED
        assert twin.services() == client.services()
