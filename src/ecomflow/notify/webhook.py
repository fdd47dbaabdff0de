"""Messages as signed JSON POSTs, for SMS gateways and helpdesks.

The body is the message as JSON (``key``, ``kind``, ``order_id``,
``language``, ``to``, ``phone``, ``sender``, ``reply_to``, ``subject``,
``text``, ``html``). Two headers sign it:

- ``X-Ecomflow-Timestamp``: Unix seconds when the request was made;
- ``X-Ecomflow-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the shared
  secret, of ``<timestamp>.<raw body>`` — the timestamp is signed too, so an
  old request cannot be replayed with a new one.

``Idempotency-Key`` carries the message key, the same on every retry, so a
receiver can drop a repeat. A receiver checks it like this (ecomflow's own
:func:`ecomflow.webhooks.verify_hmac` does the same)::

    signed = timestamp.encode() + b"." + raw_body
    expected = "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-Ecomflow-Signature"])

>>> webhook_signature(b"s3cret", "1764000000", b'{"key": "k"}')
'sha256=dc7deb0b403ef872628f8781ae959c3dec732edaa3820a0b2265a51a61843218'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator
from typing import Any

import httpx

from ecomflow.clock import Clock, utc_now
from ecomflow.errors import RemoteAPIError
from ecomflow.http import Call, Client, RetryPolicy
from ecomflow.notify.messages import Message
from ecomflow.notify.settings import WebhookSettings

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookNotifier",
    "webhook_payload",
    "webhook_signature",
]

#: The header with ``sha256=<hex HMAC>`` of ``<timestamp>.<body>``.
SIGNATURE_HEADER = "X-Ecomflow-Signature"
#: The header with the signing time, Unix seconds.
TIMESTAMP_HEADER = "X-Ecomflow-Timestamp"


def webhook_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Ecomflow-Signature`` value for ``body`` sent at ``timestamp``."""
    signed = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()


def webhook_payload(message: Message) -> dict[str, Any]:
    """The JSON body posted for ``message``."""
    return {
        "key": message.key,
        "kind": message.kind.value,
        "order_id": message.order_id,
        "language": message.language,
        "to": message.to,
        "phone": message.phone,
        "sender": message.sender,
        "reply_to": message.reply_to,
        "subject": message.subject,
        "text": message.body,
        "html": message.html,
    }


class _Signer(httpx.Auth):
    """Signs the request's final bytes (an httpx auth flow, re-run on every retry)."""

    requires_request_body = True

    def __init__(self, secret: bytes, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(self._clock().timestamp()))
        request.headers[TIMESTAMP_HEADER] = timestamp
        request.headers[SIGNATURE_HEADER] = webhook_signature(
            self._secret, timestamp, request.content
        )
        yield request


class WebhookNotifier:
    """Posts each message, signed, to one URL; typed errors on anything but 2xx.

    Requests go through ecomflow's HTTP plumbing (:class:`ecomflow.http.Client`):
    the shared :class:`~ecomflow.http.RetryPolicy` retries connection errors,
    429 and 5xx; errors are :class:`~ecomflow.errors.TransportError` (timeout,
    refused), :class:`~ecomflow.errors.InvalidRequest` (400/409/422),
    :class:`~ecomflow.errors.AuthenticationFailed` (401/403) or
    :class:`~ecomflow.errors.RemoteAPIError`. Pass ``transport`` (e.g.
    ``httpx.MockTransport``) to inject faults.
    """

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        url = httpx.URL(settings.url)
        self._origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self._path = url.raw_path.decode("ascii") or "/"
        secret = settings.secret.get_secret_value()
        self._http = httpx.Client(
            auth=_Signer(secret.encode("utf-8"), clock),
            timeout=settings.timeout,
            transport=transport,
        )
        self._client = Client(
            base_url=self._origin,
            secrets=(secret,),
            timeout=settings.timeout,
            retry=retry or RetryPolicy(attempts=settings.attempts),
            user_agent="ecomflow-notify",
            http_client=self._http,
        )

    def send(self, message: Message) -> None:
        """Post ``message``; return only on a 2xx answer (else raise)."""
        call = Call(
            "POST",
            self._path,
            endpoint="webhook",
            json=webhook_payload(message),
            headers={"Idempotency-Key": message.key},
            idempotent=True,  # the receiver can drop a repeat by its Idempotency-Key
            raw=True,
        )
        _, response = self._client.exchange(call)
        if not response.is_success:
            raise RemoteAPIError(
                f"the webhook answered {response.status_code} {response.reason_phrase} "
                "instead of 2xx; check the URL (redirects are not followed)",
                status=response.status_code,
                endpoint="webhook",
            )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> WebhookNotifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # the query string is left out: it may carry a token
        return f"WebhookNotifier(url={self._origin + self._path.split('?', 1)[0]!r})"
