"""Mount ecomflow's webhook and status app inside your own ASGI project.

ecomflow's app (``ecomflow.asgi.create_app``) takes Shopify, WooCommerce, InPost
and plugin webhooks at ``/webhooks/<name>``, and serves ``/healthz``, ``/readyz``
and ``/metrics``. Here it lives under ``/ecomflow`` of a shop's own Starlette app;
FastAPI mounts it the same way (``app.mount("/ecomflow", create_app(...))``).

Run it with ``uvicorn --factory examples.mount_app:build`` (``pip install
'ecomflow[asgi]'``) and point the shops' webhooks at
``https://<host>/ecomflow/webhooks/<channel name>``.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from ecomflow.asgi import create_app


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("the shop's own pages live here")


def build(config: str | None = None) -> Starlette:
    """The shop's app with ecomflow mounted under ``/ecomflow``."""
    ecomflow = create_app(config or os.environ.get("ECOMFLOW_CONFIG", "ecomflow.toml"))
    return Starlette(routes=[Route("/", home), Mount("/ecomflow", app=ecomflow)])
