"""A day of logs: every record scanned for personal data and secrets; the context every line carries.

The shop is built from its configuration (real adapters against the fakes) and runs
a day with the unhappy paths in it: an address the checks hold, a delivery method
the channel map does not know, a carrier that fails once and one that keeps
failing until the effect is parked, an operator's cancel with a reason naming the
customer, a forged webhook and a genuine one, tracking to delivery. Every record at
INFO and above must name orders by id only — no name, street, phone or e-mail —
and no record at any level may carry a secret.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.errors import SignatureVerificationError
from ecomflow.logs import JsonFormatter
from ecomflow.orchestration import Orchestrator, OrchestratorConfig
from ecomflow.testing import FakeBaseLinker, FakeShipX, FakeWooCommerce, FrozenClock
from tests.e2e.shop import fake_shop_config

BL_TOKEN, SHIPX_TOKEN = "bl-log-secret-0c4e", "shipx-log-secret-8d21"
WOO_KEY, WOO_SECRET, WOO_HOOK = "ck_log_secret_51", "cs_log_secret_77", "whsec_log_secret_93"
SECRETS = (BL_TOKEN, SHIPX_TOKEN, WOO_KEY, WOO_SECRET, WOO_HOOK)

PEOPLE = [
    ("Wanda Przybylska", "wanda.p@przyklad.pl", "611222333", "Słoneczna 14", "30-100"),
    ("Ignacy Szczepański", "ignacy.sz@przyklad.pl", "612333444", "Ogrodowa 3", "30-200"),
    ("Genowefa Olszewska", "genia.o@przyklad.pl", "613444555", "Polna 27", "30-300"),
    ("Zbigniew Ostrowski", "zbyszek.o@przyklad.pl", "614555666", "Leśna 9", "XX-999"),
    ("Felicja Borkowska", "felicja.b@przyklad.pl", "615666777", "Łąkowa 5", "30-500"),
    ("Hieronim Kalinowski", "h.kalinowski@przyklad.pl", "616777888", "Krótka 2", "30-600"),
]


class _Capture(logging.Handler):
    """Every record of the ``ecomflow`` loggers, rendered as the JSON formatter renders it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[tuple[int, str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.lines.append((record.levelno, line, json.loads(line)))


@pytest.fixture
def capture() -> Iterator[_Capture]:
    handler = _Capture()
    root = logging.getLogger("ecomflow")
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _config(tmp_path: Path, bl: FakeBaseLinker, shipx: FakeShipX, woo: FakeWooCommerce) -> Any:
    return OrchestratorConfig.from_dict(
        fake_shop_config(
            tmp_path,
            baselinker=(BL_TOKEN, bl.url),
            woocommerce={
                "url": woo.url,
                "consumer_key": WOO_KEY,
                "consumer_secret": WOO_SECRET,
                "allow_http": True,
                "webhook_secret": WOO_HOOK,
            },
            inpost={
                "token": SHIPX_TOKEN,
                "organization_id": shipx.organization_id,
                "url": shipx.url,
            },
            pipeline={"max_attempts": 2, "confirm_poll_seconds": 0.01},
        )
    )


def _run(shop: Orchestrator, rounds: int = 4) -> None:
    """A worker's rounds, ten minutes apart (retries wait for their backoff)."""
    clock = shop.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(rounds):
        clock.advance(minutes=10)
        shop.sync()
        shop.expire()
        shop.release_stock_holds()
        shop.dispatch()
        shop.poll_tracking()


def test_a_day_of_logs_names_orders_by_id_only(tmp_path: Path, capture: _Capture) -> None:
    with (
        FakeBaseLinker(token=BL_TOKEN) as bl,
        FakeShipX(token=SHIPX_TOKEN) as shipx,
        FakeWooCommerce(key=WOO_KEY, secret=WOO_SECRET, webhook_secret=WOO_HOOK) as woo,
    ):
        clock = FrozenClock(datetime.now(UTC))
        shop = Orchestrator.from_config(_config(tmp_path, bl, shipx, woo), clock=clock)
        try:
            _a_day(shop, bl, shipx, woo)
        finally:
            shop.close()
    _check(capture)


def _a_day(shop: Orchestrator, bl: FakeBaseLinker, shipx: FakeShipX, woo: FakeWooCommerce) -> None:
    shop.ledger.receive("MUG-RED", 50, key="initial")
    numbers = []
    for name, mail, phone, street, postcode in PEOPLE[:4]:
        numbers.append(
            bl.add_order(
                email=mail,
                phone=phone,
                delivery_fullname=name,
                delivery_address=f"ul. {street}",
                delivery_postcode=postcode,  # the fourth one's postcode is held by the checks
                delivery_city="Kraków",
                delivery_method="Kurier InPost",
            )
        )
    name, mail, phone, street, postcode = PEOPLE[4]
    bl.add_order(  # a method the channel map does not know: kept as an intake failure
        email=mail,
        phone=phone,
        delivery_fullname=name,
        delivery_address=f"ul. {street}",
        delivery_postcode=postcode,
        delivery_city="Kraków",
        delivery_method="Kurier Pocztex Ekspres 24",
    )
    name, mail, phone, street, postcode = PEOPLE[5]
    first, last = name.split()
    address = {
        "first_name": first,
        "last_name": last,
        "address_1": street,
        "city": "Kraków",
        "postcode": postcode,
        "country": "PL",
    }
    woo_id = woo.add_order(status="pending", billing={**address, "email": mail, "phone": phone})
    woo.change_order(woo_id, shipping=address)
    shipx.inject("create_shipment", 503)  # fails once: a retry
    _run(shop)

    # the WooCommerce order is paid; a forged webhook first, then the shop's own
    woo.change_order(woo_id, status="processing", date_paid_gmt="2026-12-07T10:00:00")
    genuine = woo.webhook_request("order.updated", woo_id)
    forged = WebhookRequest({**genuine.headers, "X-WC-Webhook-Signature": "Zm9yZ2Vk"}, genuine.body)
    with pytest.raises(SignatureVerificationError):
        shop.handle_webhook("woocommerce", forged.headers, forged.body)
    shop.handle_webhook("woocommerce", genuine.headers, genuine.body)
    # ShipX refuses the WooCommerce order's shipment until it is parked for a person
    shipx.inject("create_shipment", 500, times=20)
    _run(shop)
    assert shop.repository.effects("parked"), "nothing was parked"

    # an operator cancels one order, naming the customer in the reason
    held = f"baselinker-{numbers[3]}"
    shop.cancel(held, f"{PEOPLE[3][0]} zadzwonił(a), rezygnuje", actor="user:ola")
    # the carrier delivers the rest
    for shipment in list(shipx.shipments.values()):
        shipx.advance(shipment["id"], "taken_by_courier")
        shipx.advance(shipment["id"], "delivered")
    _run(shop)
    assert shop.repository.counts()["status"].get("delivered", 0) == 3


def _check(capture: _Capture) -> None:
    personal = []
    for name, mail, phone, street, postcode in PEOPLE:
        personal += [name, *name.split(), mail, mail.split("@")[0], phone, street, postcode]
    assert len(capture.lines) > 100
    for level, line, _ in capture.lines:
        leaked_secrets = [s for s in SECRETS if s in line]
        assert not leaked_secrets, f"a secret in the log: {line}"
        if level >= logging.INFO:
            leaked = [p for p in personal if p in line]
            assert not leaked, f"personal data {leaked} at INFO: {line}"
    records = [data for level, _, data in capture.lines if level >= logging.INFO]
    # every effect's start, retry, park and finish says which order, effect and attempt
    effects = [
        r for _, _, r in capture.lines if r.get("event") in ("start", "retry", "park", "finish")
    ]
    assert {r["event"] for r in effects} == {"start", "retry", "park", "finish"}
    for record in effects:
        assert record["effect_key"] and record["effect"] and record["attempt"] >= 1, record
        if record["effect"] != "publish_stock":
            assert record["order_id"], record
        assert record.get("channel") or record.get("carrier") or record["effect"] == "send_message"
    # a line about an order carries its id as a field, for filtering
    about = [r for r in records if str(r.get("message", "")).startswith("order ")]
    assert about
    for record in about:
        assert record.get("order_id"), record
    # one INFO line per stage an order went through, in order
    stages = [r for r in records if r["logger"] == "ecomflow.orchestrator" and "status" in r]
    delivered = {r["order_id"] for r in stages if r["status"] == "delivered"}
    assert len(delivered) == 3
    for order_id in delivered:
        path = [r["status"] for r in stages if r["order_id"] == order_id]
        assert path == ["paid", "ready_to_pack", "packed", "shipped", "delivered"], path
