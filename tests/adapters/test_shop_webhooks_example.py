"""examples/shop_webhooks.py runs: signed deliveries in, tampered/unsigned/replayed out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import httpx

EXAMPLE = Path(__file__).parents[2] / "examples" / "shop_webhooks.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_webhooks", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


async def test_the_example_app() -> None:
    module = load()
    body = json.dumps({"id": 1001, "financial_status": "paid"}).encode()
    shopify = {
        "X-Shopify-Hmac-Sha256": sign(body, "shpss_test"),
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Event-Id": "e-1",
    }
    woo = {
        "X-WC-Webhook-Signature": sign(body, "whsec"),
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Delivery-ID": "d-1",
    }
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        first = await client.post("/webhooks/shopify", content=body, headers=shopify)
        again = await client.post("/webhooks/shopify", content=body, headers=shopify)
        tampered = await client.post("/webhooks/shopify", content=body + b" ", headers=shopify)
        woo_ok = await client.post("/webhooks/woocommerce", content=body, headers=woo)
        unsigned = await client.post(
            "/webhooks/woocommerce", content=body, headers={"X-WC-Webhook-Topic": "order.updated"}
        )
        ping = await client.post("/webhooks/woocommerce", content=b"webhook_id=7", headers=form)
        woo_again = await client.post("/webhooks/woocommerce", content=body, headers=woo)
        look_alike = await client.post(
            "/webhooks/woocommerce", content=b"webhook_id=7\xff", headers=form
        )
        garbled = b"\xff\xfe{"
        malformed = await client.post(
            "/webhooks/woocommerce",
            content=garbled,
            headers={**woo, "X-WC-Webhook-Signature": sign(garbled, "whsec")},
        )
    assert first.json() == {"ok": True, "duplicate": False}
    assert again.json()["duplicate"]
    assert tampered.status_code == 401
    assert woo_ok.status_code == 200
    assert unsigned.status_code == 401
    assert (ping.status_code, ping.text) == (200, "ok")
    assert woo_again.json() == {"ok": True, "duplicate": True}
    assert look_alike.status_code == 401  # an unsigned non-UTF-8 look-alike: refused, not a 500
    assert malformed.status_code == 400
    assert [r[:2] for r in module.app.state.received] == [
        ("shopify", "orders/paid"),
        ("woocommerce", "order.updated"),
    ]
