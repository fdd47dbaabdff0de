"""The mounting example works: ecomflow's app under /ecomflow takes a signed WooCommerce webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path

import httpx

from ecomflow.testing import FakeWooCommerce

from .conftest import serving

ROOT = Path(__file__).parents[2]


def test_mounted_app_takes_webhooks_and_answers_health(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from examples.mount_app import build
    finally:
        sys.path.remove(str(ROOT))
    with FakeWooCommerce() as woo:
        order_id = woo.add_order()
        config = tmp_path / "ecomflow.toml"
        config.write_text(
            f"""
store = "sqlite:///{tmp_path / "shop.db"}"
[notify]
transport = "log"
[channels.woocommerce]
adapter = "woocommerce"
url = "{woo.url}"
consumer_key = "{woo.key}"
consumer_secret = "{woo.secret}"
allow_http = true
webhook_secret = "whsec"
""",
            encoding="utf-8",
        )
        with serving(build(str(config))) as url, httpx.Client(base_url=url) as client:
            assert client.get("/").text.startswith("the shop")
            assert client.get("/ecomflow/healthz").json() == {"status": "alive"}
            body = json.dumps({"id": order_id}).encode()
            signature = base64.b64encode(hmac.new(b"whsec", body, hashlib.sha256).digest())
            headers = {
                "X-WC-Webhook-Signature": signature.decode(),
                "X-WC-Webhook-Topic": "order.updated",
                "X-WC-Webhook-Delivery-ID": "17",
                "Content-Type": "application/json",
            }
            answer = client.post("/ecomflow/webhooks/woocommerce", content=body, headers=headers)
            assert answer.status_code == 200, answer.text
            assert answer.json()["events"] == 1
            ping = client.post("/ecomflow/webhooks/woocommerce", content=b"webhook_id=5")
            assert ping.status_code == 200
            forged = client.post(
                "/ecomflow/webhooks/woocommerce",
                content=body,
                headers={**headers, "X-WC-Webhook-Signature": "Zm9yZ2Vk"},
            )
            assert forged.status_code == 401
