"""Shop webhooks in a small ASGI app: Shopify and WooCommerce, verified before anything else.

Run it with ``uvicorn examples.shop_webhooks:app`` (``pip install 'ecomflow[asgi]' uvicorn``)
and point the shops' webhooks at ``/webhooks/shopify`` and ``/webhooks/woocommerce``.
Every accepted delivery is appended to ``app.state.received``; a real shop would
call ``Orchestrator.sync()`` (or ingest the order) there.

WooCommerce deliveries go through the adapter's ``parse_webhook``: the signature is
verified first, the creation ping (``webhook_id=N``, unsigned) gets the plain 200
WooCommerce insists on, and the events only name the order — re-read it before acting.
A delivery is marked as applied only after it was applied, so a retry after a failure
is not dropped.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ecomflow.adapters.protocols import OrderEvent, WebhookRequest
from ecomflow.adapters.shopify import ShopifyWebhooks
from ecomflow.adapters.woocommerce import parse_webhook as parse_woocommerce
from ecomflow.errors import MappingError, SignatureVerificationError

shopify = ShopifyWebhooks(os.environ.get("SHOPIFY_APP_SECRET", "shpss_test"))
WOOCOMMERCE_SECRET = os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "whsec")


async def shopify_webhook(request: Request) -> JSONResponse:
    try:
        delivery = shopify.handle(dict(request.headers), await request.body())
    except SignatureVerificationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    if not delivery.duplicate and delivery.routed:
        request.app.state.received.append(("shopify", delivery.topic, delivery.payload))
    return JSONResponse({"ok": True, "duplicate": delivery.duplicate})


async def woocommerce_webhook(request: Request) -> PlainTextResponse | JSONResponse:
    incoming = WebhookRequest(
        dict(request.headers),
        await request.body(),
        remote_addr=request.client.host if request.client else None,
    )
    try:
        events = parse_woocommerce(incoming, secret=WOOCOMMERCE_SECRET)
    except SignatureVerificationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    except MappingError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    if not events:  # the creation ping, or a topic this shop does not act on
        return PlainTextResponse("ok")  # WooCommerce needs exactly 200 to the ping
    applied: set[str] = request.app.state.applied
    duplicates = 0
    for event in events:
        if event.delivery_id in applied:
            duplicates += 1
            continue
        if isinstance(event, OrderEvent):  # re-read the order (get_order) before acting
            request.app.state.received.append(("woocommerce", event.topic, event.channel_order_id))
        applied.add(event.delivery_id)  # marked only once applied
    return JSONResponse({"ok": True, "duplicate": duplicates == len(events)})


app = Starlette(
    routes=[
        Route("/webhooks/shopify", shopify_webhook, methods=["POST"]),
        Route("/webhooks/woocommerce", woocommerce_webhook, methods=["POST"]),
    ]
)
app.state.received = []
app.state.applied = set()  # a real shop keeps these in its store (the Orchestrator does)
