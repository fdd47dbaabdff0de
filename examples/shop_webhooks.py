"""Shop webhooks in a small ASGI app: Shopify and WooCommerce, verified before anything else.

Run it with ``uvicorn examples.shop_webhooks:app`` (``pip install 'ecomflow[asgi]' uvicorn``)
and point the shops' webhooks at ``/webhooks/shopify`` and ``/webhooks/woocommerce``.
Every accepted delivery is appended to ``app.state.received``; a real shop would
call ``Orchestrator.sync()`` (or ingest the order) there.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ecomflow.adapters.shopify import ShopifyWebhooks
from ecomflow.adapters.woocommerce import WooWebhooks
from ecomflow.errors import SignatureVerificationError

shopify = ShopifyWebhooks(os.environ.get("SHOPIFY_APP_SECRET", "shpss_test"))
woocommerce = WooWebhooks(os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "whsec"))


async def shopify_webhook(request: Request) -> JSONResponse:
    try:
        delivery = shopify.handle(dict(request.headers), await request.body())
    except SignatureVerificationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    if not delivery.duplicate and delivery.routed:
        request.app.state.received.append(("shopify", delivery.topic, delivery.payload))
    return JSONResponse({"ok": True, "duplicate": delivery.duplicate})


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
