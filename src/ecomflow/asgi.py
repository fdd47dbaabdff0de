"""The webhook and status app: ``ecomflow serve``, or mounted in your own ASGI project.

.. code-block:: python

    from ecomflow.asgi import create_app
    app = create_app("ecomflow.toml")          # uvicorn module:app

Routes (``[serve] path_prefix`` defaults to ``/webhooks``):

- ``POST /webhooks/<name>`` — a webhook from the channel or carrier configured as
  ``<name>`` (Shopify, WooCommerce, a plugin…), verified by its adapter (HMAC of
  the raw body), de-duplicated, applied; ``POST /webhooks/<name>/<token>`` for
  sources that carry a secret in the URL (InPost ShipX; the source network is
  checked too). A bad signature is ``401`` and nothing is stored; a body over
  ``[serve] max_body_bytes`` is ``413``; a malformed one ``400``; a channel that
  cannot be reached to re-read the order ``503`` (the sender retries later —
  nothing was marked as seen, so nothing is lost).
- ``GET /healthz`` — the process is alive; ``GET /readyz`` — the database answers
  and its schema is current; ``GET /metrics`` — Prometheus text format.

Mount it in FastAPI with ``app.mount("/ecomflow", create_app(config))``, or in Django's
ASGI application with a path router (see docs/running.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecomflow.errors import (
    AdapterError,
    ConfigurationError,
    EcomflowError,
    MappingError,
    SignatureVerificationError,
)
from ecomflow.orchestration import Orchestrator, OrchestratorConfig, ServeSettings
from ecomflow.orchestration.limits import share_rate_limits

__all__ = ["create_app"]

logger = logging.getLogger("ecomflow.asgi")


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    source: Orchestrator | OrchestratorConfig | str | Path,
    *,
    settings: ServeSettings | None = None,
) -> Starlette:
    """The Starlette app for one shop: an Orchestrator, its configuration, or its TOML path."""
    if isinstance(source, str | Path):
        source = OrchestratorConfig.from_toml(source)
    owned = not isinstance(source, Orchestrator)
    if isinstance(source, OrchestratorConfig):
        settings = settings or source.serve
        orchestrator = Orchestrator.from_config(source, worker_id="serve")
        share_rate_limits(orchestrator, source)  # webhooks read orders within the same budget
    else:
        orchestrator = source
    settings = settings or ServeSettings()
    prefix = "/" + settings.path_prefix.strip("/")

    async def webhook(request: Request) -> Response:
        name = request.path_params["source"]
        token = request.path_params.get("token")
        try:
            body = await _body(request, settings.max_body_bytes)
        except _TooLarge:
            return JSONResponse(
                {"error": f"body over {settings.max_body_bytes} bytes"}, status_code=413
            )
        remote = request.client.host if request.client else None
        try:
            report = await run_in_threadpool(
                orchestrator.handle_webhook,
                name,
                dict(request.headers),
                body,
                remote_addr=remote,
                path_token=token,
            )
        except SignatureVerificationError as error:
            logger.warning("webhook %s refused: %s", name, error, extra={"source": name})
            return JSONResponse({"error": str(error)}, status_code=401)
        except MappingError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except ConfigurationError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        except AdapterError as error:
            logger.warning("webhook %s not applied yet: %s", name, error, extra={"source": name})
            return JSONResponse(
                {"error": f"not applied yet ({error}); send it again later"}, status_code=503
            )
        except EcomflowError as error:
            logger.exception("webhook %s failed", name)
            return JSONResponse({"error": str(error)}, status_code=500)
        return JSONResponse(
            {
                "events": report.events,
                "applied": report.applied,
                "duplicates": report.duplicates,
            }
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        try:
            versions = await run_in_threadpool(orchestrator.repository.store.schema_versions)
        except EcomflowError as error:
            return JSONResponse({"status": "unavailable", "error": str(error)}, status_code=503)
        except Exception as error:  # the driver's own error: the database is not there
            return JSONResponse(
                {"status": "unavailable", "error": type(error).__name__}, status_code=503
            )
        if "orchestrator" not in versions:
            return JSONResponse({"status": "no schema; run ecomflow migrate"}, status_code=503)
        return JSONResponse({"status": "ready", "schema": versions})

    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST  # noqa: PLC0415

        from ecomflow.orchestration.metrics import render_metrics  # noqa: PLC0415

        text = await run_in_threadpool(render_metrics, orchestrator)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    routes: list[Any] = [
        Route(f"{prefix}/{{source}}", webhook, methods=["POST"]),
        Route(f"{prefix}/{{source}}/{{token}}", webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            orchestrator.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.orchestrator = orchestrator
    return app
