from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
import pytest

from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import AsyncClient, Call, Client, FakeClock, Pages, RateLimiter, RetryPolicy

SECRET = "sk_live_SECRET123"
NO_WAIT = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)


def client(handler: Any, **kw: Any) -> Client:
    return Client(
        base_url="https://api.example.com",
        secrets=(SECRET,),
        transport=httpx.MockTransport(handler),
        retry=kw.pop("retry", NO_WAIT),
        **kw,
    )


def sequence(*responses: httpx.Response | Exception) -> Any:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        item = responses[min(len(seen), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


CALL = Call("GET", "/things", "getThings")


def test_retries_5xx_and_connection_errors_then_succeeds() -> None:
    handler = sequence(
        httpx.Response(503), httpx.ConnectError("boom"), httpx.Response(200, json={"ok": True})
    )
    assert client(handler).request(CALL) == {"ok": True}
    assert len(handler.seen) == 3


def test_gives_up_after_attempts_with_typed_error() -> None:
    handler = sequence(httpx.Response(502, text="bad gateway"))
    with pytest.raises(RemoteAPIError) as info:
        client(handler).request(CALL)
    assert info.value.status == 502
    assert info.value.endpoint == "getThings"
    assert len(handler.seen) == 4


def test_timeout_is_a_transport_error() -> None:
    handler = sequence(httpx.ReadTimeout("slow"))
    with pytest.raises(TransportError, match="getThings timed out") as info:
        client(handler, retry=RetryPolicy(attempts=2, sleep=lambda s: None)).request(CALL)
    assert info.value.endpoint == "getThings"


def test_non_idempotent_calls_are_tried_once() -> None:
    handler = sequence(httpx.Response(503))
    with pytest.raises(RemoteAPIError):
        client(handler).request(Call("POST", "/orders", "addOrder", idempotent=False))
    assert len(handler.seen) == 1


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=2, jitter=0, sleep=waits.append)
    handler = sequence(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})
    )
    client(handler, retry=policy).request(CALL)
    assert waits == [7.0]


def test_backoff_is_capped_exponential_with_pinned_jitter() -> None:
    policy = RetryPolicy(base=1, cap=5, jitter=0)
    assert [policy.delay(n, None) for n in range(1, 6)] == [1, 2, 4, 5, 5]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationFailed),
        (403, AuthenticationFailed),
        (404, NotFound),
        (400, InvalidRequest),
        (422, InvalidRequest),
        (429, RateLimited),
    ],
)
def test_status_mapping(status: int, error: type[Exception]) -> None:
    handler = sequence(httpx.Response(status, json={"message": "nope", "details": {"a": "b"}}))
    with pytest.raises(error, match="nope"):
        client(handler, retry=RetryPolicy(attempts=1)).request(CALL)


@pytest.mark.parametrize("body", [b"{not json", b'{"a": [1, 2', b"\xff\xfe"])
def test_malformed_json_is_a_remote_api_error_naming_the_endpoint(body: bytes) -> None:
    handler = sequence(httpx.Response(200, content=body))
    with pytest.raises(RemoteAPIError, match="malformed or truncated JSON") as info:
        client(handler).request(CALL)
    assert info.value.endpoint == "getThings"
    assert info.value.code == "MALFORMED_RESPONSE"
    assert len(handler.seen) == 4  # retried like any transient failure


def test_secrets_never_leak(caplog: pytest.LogCaptureFixture) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text=f"token {SECRET} rejected")

    api = client(echo, retry=RetryPolicy(attempts=1))
    with (
        caplog.at_level(logging.DEBUG, logger="ecomflow.http"),
        pytest.raises(RemoteAPIError) as info,
    ):
        api.request(CALL)
    assert SECRET not in repr(api)
    assert SECRET not in str(info.value)
    assert SECRET not in (info.value.body or "")
    assert SECRET not in caplog.text
    assert "getThings -> 500" in caplog.text


def test_configuration_is_validated() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Client(base_url="ftp://x")
    with pytest.raises(ConfigurationError, match="timeout"):
        Client(base_url="https://x", timeout=0)


async def test_async_twin_behaves_the_same() -> None:
    handler = sequence(httpx.Response(500), httpx.Response(200, json={"ok": 1}))
    async with AsyncClient(
        base_url="https://api.example.com", transport=httpx.MockTransport(handler), retry=NO_WAIT
    ) as api:
        assert await api.request(CALL) == {"ok": 1}
    assert len(handler.seen) == 2


def test_rate_limiter_keeps_any_window_under_the_limit_across_threads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(90, 60.0, clock=clock)
    assert limiter.window_limit == 99
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(125):
            limiter.acquire()
            with lock:
                stamps.append(clock.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 500
    for i, start in enumerate(stamps):
        window = [s for s in stamps[i:] if s < start + 60.0 - 1e-9]
        assert len(window) <= limiter.window_limit


def test_pages_sync_and_async() -> None:
    def fetch(cursor: Any) -> tuple[list[int], Any]:
        start = cursor or 0
        return [start], (start + 1 if start < 2 else None)

    async def afetch(cursor: Any) -> tuple[list[int], Any]:
        return fetch(cursor)

    assert list(Pages(fetch)) == [[0], [1], [2]]

    async def collect() -> list[list[int]]:
        return [page async for page in Pages(afetch=afetch)]

    import asyncio

    assert asyncio.run(collect()) == [[0], [1], [2]]
    with pytest.raises(TypeError, match="async"):
        list(Pages(afetch=afetch))
