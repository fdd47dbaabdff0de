"""Shop webhooks in a small ASGI app: Shopify and WooCommerce, verified before anything else.

Run it with ``uvicorn examples.shop_webhooks:app`` (``pip install 'ecomflow[asgi]' uvicorn``)
and point the shops' webhooks at ``/webhooks/shopify`` and ``/webhooks/woocommerce``.
Every accepted delivery is appended to ``app.state.received``; a real shop would
hand the events to the Orchestrator there (it re-reads the order and de-duplicates by
``delivery_id`` after applying it).
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.adapters.shopify import ShopifyClient, ShopifySettings
from ecomflow.adapters.woocommerce import WooWebhooks
from ecomflow.errors import MappingError, SignatureVerificationError

shopify = ShopifyClient(
    ShopifySettings(
        shop_url=os.environ.get("SHOPIFY_SHOP_URL", "https://example.myshopify.com"),
        access_token=os.environ.get("SHOPIFY_ACCESS_TOKEN", "shpat_unused_here"),
        app_secret=os.environ.get("SHOPIFY_APP_SECRET", "shpss_test"),
    )
)
woocommerce = WooWebhooks(os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "whsec"))


async def shopify_webhook(request: Request) -> JSONResponse:
    incoming = WebhookRequest(
        dict(request.headers), await request.body(), request.client and request.client.host
    )
    try:
        events = shopify.parse_webhook(incoming)
    except SignatureVerificationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    except MappingError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    for event in events:
        request.app.state.received.append(("shopify", event.topic, event.channel_order_id))
    return JSONResponse({"ok": True, "events": [e.delivery_id for e in events]})


async def woocommerce_webhook(request: Request) -> PlainTextResponse | JSONResponse:
    try:
        delivery = woocommerce.handle(dict(request.headers), await request.body())
    except SignatureVerificationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    if delivery.topic == "ping":
        return PlainTextResponse("ok")  # WooCommerce needs exactly 200 to the creation ping
    if not delivery.duplicate:
        request.app.state.received.append(("woocommerce", delivery.topic, delivery.payload))
    return JSONResponse({"ok": True, "duplicate": delivery.duplicate})


app = Starlette(
    routes=[
        Route("/webhooks/shopify", shopify_webhook, methods=["POST"]),
        Route("/webhooks/woocommerce", woocommerce_webhook, methods=["POST"]),
    ]
)
app.state.received = []
