"""WebhookNotifier against a real loopback HTTP server; the HMAC is checked independently."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from ecomflow.errors import (
    AuthenticationFailed,
    InvalidRequest,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import RetryPolicy
from ecomflow.notify import (
    MessageKind,
    ShopSettings,
    WebhookNotifier,
    WebhookSettings,
    render,
)
from ecomflow.testing import FrozenClock, sample_order

SECRET = "whsec-kubkowo-0123456789"
SHOP = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    """What the loopback server got, and the statuses it answers with (then 200)."""

    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/sms?shop=kubkowo"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            answer = b'{"error": "nope"}' if status >= 300 else b"OK"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _notifier(gateway: Gateway, **overrides: Any) -> WebhookNotifier:
    settings = WebhookSettings.model_validate(
        {"url": gateway.url, "secret": SECRET, "timeout": 2, **overrides}
    )
    return WebhookNotifier(
        settings, clock=FrozenClock(NOW), retry=RetryPolicy(attempts=3, sleep=lambda _: None)
    )


def _message() -> Any:
    return render(MessageKind.DELIVERED, sample_order(), shop=SHOP, key="msg:delivered:shop-1001")


def _independent_signature(timestamp: str, body: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(SECRET.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def test_webhook_posts_signed_json_the_receiver_can_verify(gateway: Gateway) -> None:
    message = _message()
    with _notifier(gateway) as notifier:
        notifier.send(message)

    (request,) = gateway.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/hooks/sms?shop=kubkowo"
    assert headers["content-type"] == "application/json"
    assert headers["x-ecomflow-timestamp"] == str(int(NOW.timestamp()))
    expected = _independent_signature(headers["x-ecomflow-timestamp"], request.body)
    assert hmac.compare_digest(headers["x-ecomflow-signature"], expected)
    assert headers["idempotency-key"] == "msg:delivered:shop-1001"
    payload = json.loads(request.body)
    assert payload == {
        "key": "msg:delivered:shop-1001",
        "kind": "delivered",
        "order_id": "shop-1001",
        "language": "pl",
        "to": "anna@example.com",
        "phone": "+48 600 100 200",
        "sender": "Kubkowo <sklep@kubkowo.pl>",
        "reply_to": None,
        "subject": "Zamówienie 1001 dostarczone",
        "text": message.body,
        "html": message.html,
    }


def test_a_tampered_body_fails_the_independent_check(gateway: Gateway) -> None:
    with _notifier(gateway) as notifier:
        notifier.send(_message())
    request = gateway.requests[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    forged = request.body.replace(b"1001", b"1002")
    assert headers["x-ecomflow-signature"] != _independent_signature(
        headers["x-ecomflow-timestamp"], forged
    )


def test_a_server_error_is_retried_through_the_shared_policy(gateway: Gateway) -> None:
    gateway.statuses = [503]
    with _notifier(gateway) as notifier:
        notifier.send(_message())
    assert len(gateway.requests) == 2
    for request in gateway.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["x-ecomflow-signature"] == _independent_signature(
            headers["x-ecomflow-timestamp"], request.body
        )


@pytest.mark.parametrize(
    ("statuses", "error"),
    [
        ([400], InvalidRequest),
        ([401], AuthenticationFailed),
        ([500, 500, 500], RemoteAPIError),
        ([302], RemoteAPIError),
    ],
)
def test_a_non_2xx_answer_is_a_typed_error(
    gateway: Gateway, statuses: list[int], error: type[Exception]
) -> None:
    gateway.statuses = list(statuses)
    with _notifier(gateway) as notifier, pytest.raises(error) as caught:
        notifier.send(_message())
    assert SECRET not in str(caught.value)
    assert len(gateway.requests) == len(statuses)


def test_a_timeout_is_a_transport_error(gateway: Gateway) -> None:
    gateway.delay = 1.0
    with (
        _notifier(gateway, timeout=0.2, attempts=1) as notifier,
        pytest.raises(TransportError),
    ):
        notifier.send(_message())


def test_the_secret_is_never_shown(gateway: Gateway) -> None:
    with _notifier(gateway) as notifier:
        assert SECRET not in repr(notifier)
        assert SECRET not in repr(notifier.settings)


def test_webhook_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="extra"):
        WebhookSettings.model_validate({"url": "https://x.pl/h", "secret": "s", "token": "t"})
    with pytest.raises(ValidationError):
        WebhookSettings.model_validate({"url": "ftp://x.pl/h", "secret": "s"})
    with pytest.raises(ValidationError, match="secret"):
        WebhookSettings.model_validate({"url": "https://x.pl/h"})
