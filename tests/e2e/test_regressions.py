"""Bugs the end-to-end run found, each pinned by a fast test of its own.

- Customer messages were rendered without the shop's settings, so with a real
  transport (SMTP) every message failed "no sender" and was retried, then parked;
  a data request told the customer only a generic sentence instead of what to fix.
- The fake ShipX held its send lock while its webhook receiver called back into it
  (the app reads the shipment again): every webhook stalled for the 5 s timeout
  and broke the API answer the worker was waiting for.
- A WooCommerce order from the default checkout (phone with the billing address
  only) was held for "no phone number" although the customer gave one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.adapters.woocommerce import WOO_STATUSES, to_order
from ecomflow.notify import RecordingNotifier, ShopSettings
from ecomflow.orchestration import Orchestrator
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.shipping import Catalogue, Parcel, ShipmentRequest
from ecomflow.storage import open_store
from ecomflow.testing import FakeShipX, FakeWooCommerce, MemoryCarrier, MemoryChannel
from ecomflow.testing import sample_order as make_order

SHOP = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.example")


@pytest.fixture
def shop() -> Iterator[tuple[Orchestrator, MemoryChannel, RecordingNotifier]]:
    channel = MemoryChannel("shop")
    notifier = RecordingNotifier()
    orchestrator = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": channel},
        carriers={"inpost": MemoryCarrier("inpost")},
        catalogue=Catalogue.example(),
        notifier=notifier,
        shop=SHOP,
    )
    orchestrator.ledger.receive("MUG-RED", 10, key="stock")
    yield orchestrator, channel, notifier
    orchestrator.close()


def test_messages_carry_the_shop_as_sender_and_signature(shop: Any) -> None:
    orchestrator, channel, notifier = shop
    channel.put(make_order("1", channel="shop", paid=True))
    orchestrator.sync()
    orchestrator.dispatch()
    confirmation = next(m for m in notifier.sent if m.kind.value == "confirmation")
    assert confirmation.sender is not None
    assert "sklep@kubkowo.example" in confirmation.sender
    assert confirmation.body.rstrip().endswith("Kubkowo")


def test_a_data_request_tells_the_customer_what_to_fix(shop: Any) -> None:
    orchestrator, channel, notifier = shop
    order = make_order("2", channel="shop", paid=True)
    assert order.delivery_address is not None
    order.delivery_address = order.delivery_address.model_copy(update={"phone": None})
    channel.put(order)
    orchestrator.sync()
    orchestrator.dispatch()
    request = next(m for m in notifier.sent if m.kind.value == "data_request")
    assert "brakuje numeru telefonu" in request.body


def test_a_webhook_receiver_that_reads_the_shipment_again_is_answered_at_once() -> None:
    """The receiver asks ShipX for the shipment while ShipX waits for the receiver's answer."""
    answered: list[int] = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            shipment = body["payload"]["shipment_id"]
            read = httpx.get(
                f"{fake.url}/v1/shipments/{shipment}",
                headers={"Authorization": f"Bearer {fake.token}"},
                timeout=10,
            )
            answered.append(read.status_code)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = receiver.server_address[1]
    try:
        with FakeShipX(webhook_url=f"http://127.0.0.1:{port}/hook") as fake:
            client = InPostClient(
                InPostSettings(token=fake.token, organization_id=fake.organization_id, url=fake.url)
            )
            parcel = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)
            request = ShipmentRequest.from_order(make_order("1"), [parcel])
            shipment = client.create_shipment(request)
            client.close()
            started = time.monotonic()
            fake.advance(shipment.id, "delivered")
            elapsed = time.monotonic() - started
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert answered == [200, 200]  # shipment_confirmed, then shipment_status_changed
    assert elapsed < 2.0


def test_a_woocommerce_delivery_address_takes_the_billing_phone() -> None:
    with FakeWooCommerce() as woo:
        order_id = woo.add_order()
        raw = woo._render_order(woo.orders[order_id])
    assert "phone" not in raw["shipping"]
    order = to_order(raw, WOO_STATUSES, DeliveryMap.default())
    assert order.delivery_address is not None
    assert order.delivery_address.phone == "600100200"
    assert order.delivery_address.name == "Anna Nowak"
