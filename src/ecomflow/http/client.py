"""Client twins over httpx: one request path, retries, rate limiting, typed errors.

An adapter subclasses :class:`Client` and :class:`AsyncClient` (usually
through a shared mixin with its pure request-building and response-parsing
code) and overrides :meth:`BaseClient.auth_headers` and
:meth:`BaseClient.check_payload`. Everything else — retries, the rate
limiter, error mapping, secret redaction and logging — lives here, once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import httpx

from ecomflow import tracing
from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    EcomflowError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http.call import Call
from ecomflow.http.flow import Flow, Sleep
from ecomflow.http.ratelimit import RateLimiter
from ecomflow.http.retry import RetryPolicy

__all__ = ["MALFORMED", "AsyncClient", "BaseClient", "Call", "Client", "redact"]

logger = logging.getLogger("ecomflow.http")

T = TypeVar("T")

_MASK = "***"

#: The error code of a 2xx answer whose body is not valid JSON (retried when idempotent).
MALFORMED = "MALFORMED_RESPONSE"


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``***``.

    >>> redact("token abc123 failed", ("abc123",))
    'token *** failed'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return text


class BaseClient:
    """The configuration and pure request/response code both twins share.

    Args:
        base_url: the API root.
        secrets: values never to show in repr, logs or errors (tokens, keys).
        timeout: seconds for connect/read/write.
        retry: the retry policy.
        limiter: the account's rate limiter (share one between twins).
        user_agent: sent as ``User-Agent``.
    """

    def __init__(
        self,
        *,
        base_url: str,
        secrets: tuple[str, ...] = (),
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        user_agent: str = "ecomflow",
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"base_url {base_url!r} must start with http:// or https://.")
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive seconds.")
        self.base_url = base_url.rstrip("/")
        self._secrets = tuple(s for s in secrets if s)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.user_agent = user_agent
        self.calls = 0

    # -- hooks for adapters --------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request (override)."""
        return {}

    def check_payload(self, payload: Any, response: httpx.Response, call: Call) -> Any:
        """Turn an API-level error inside a 2xx body into an exception (override)."""
        return payload

    def error_fields(
        self, response: httpx.Response
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """(message, API error code, details) of an error answer (override for odd shapes)."""
        return _error_message(response), None, _details(response)

    def refine_error(self, error: RemoteAPIError, call: Call) -> RemoteAPIError:
        """A more specific error for an adapter's known codes (override)."""
        return error

    # -- shared pure code ------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def _request_args(self, call: Call) -> dict[str, Any]:
        headers = {"User-Agent": self.user_agent, **self.auth_headers(), **call.headers}
        return {
            "method": call.method,
            "url": f"{self.base_url}{call.path}",
            "params": call.params,
            "data": call.data,
            "json": call.json,
            "headers": headers,
        }

    def _transport_error(self, error: Exception, call: Call) -> TransportError:
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        text = self._redact(f"{call.endpoint} {kind}: {type(error).__name__}: {error}")
        return TransportError(text + "; check the network or retry later", endpoint=call.endpoint)

    def _parse(self, response: httpx.Response, call: Call) -> Any:
        status = response.status_code
        request_id = response.headers.get("x-request-id")
        if status >= 400:
            body = self._redact(response.text)
            raise self.refine_error(self._http_error(response, body, request_id, call), call)
        if not response.content:
            return None
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = self._redact(response.text)  # only an error carries the body (redacted)
            raise RemoteAPIError(
                f"malformed or truncated JSON ({len(response.content)} bytes); the API may be "
                "having trouble, retry later",
                code=MALFORMED,
                status=status,
                body=body,
                request_id=request_id,
                endpoint=call.endpoint,
            ) from None
        return self.check_payload(payload, response, call)

    def _finish(self, response: httpx.Response, call: Call, raw: bool) -> Any:
        if raw and response.status_code < 400:
            return response.content
        return self._parse(response, call)

    def _http_error(
        self, response: httpx.Response, body: str, request_id: str | None, call: Call
    ) -> RemoteAPIError:
        status = response.status_code
        text, code, details = self.error_fields(response)
        message = self._redact(text or response.reason_phrase)
        common: dict[str, Any] = {
            "status": status,
            "code": code,
            "body": body,
            "request_id": request_id,
            "endpoint": call.endpoint,
        }
        if status == 429:
            return RateLimited(message, retry_after=_retry_after(response), **common)
        if status in (401, 403):
            return AuthenticationFailed(message, **common)
        if status == 404:
            return NotFound(message, **common)
        if status in (400, 409, 422):
            return InvalidRequest(message, details=details, **common)
        return RemoteAPIError(message, **common)

    def _span(self, call: Call, attempt: int) -> AbstractContextManager[tracing.SpanLike]:
        """The client span of one HTTP request — one per attempt, as the conventions ask.

        Named ``<METHOD> <endpoint>`` (the endpoint is a low-cardinality target; a URL
        path never is). ``url.full`` has no query string (signatures, keys) and no
        user info, and the client's secrets are masked in it.
        """
        if not tracing.enabled():
            return tracing.span("")
        url = httpx.URL(f"{self.base_url}{call.path}").copy_with(query=None, fragment=None)
        if url.userinfo:
            url = url.copy_with(username="REDACTED", password="REDACTED")
        attributes: dict[str, tracing.AttributeValue] = {
            "http.request.method": call.method,
            "server.address": url.host,
            "server.port": url.port or (443 if url.scheme == "https" else 80),
            "url.full": self._redact(str(url)),
            "ecomflow.adapter": self._adapter_name(),
            "ecomflow.method": call.endpoint,
        }
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        return tracing.span(f"{call.method} {call.endpoint}", attributes, kind="client")

    def _adapter_name(self) -> str:
        """``inpost`` for ``ecomflow.adapters.inpost.client``; else the class name."""
        parts = type(self).__module__.split(".")
        if parts[:2] == ["ecomflow", "adapters"] and len(parts) > 2:
            return parts[2]
        return type(self).__name__

    def _received(
        self,
        span: tracing.SpanLike,
        response: httpx.Response,
        call: Call,
        started: float,
        attempt: int,
        raw: bool,
    ) -> tuple[Any, httpx.Response]:
        """Log and trace an answer, then parse it (an error status raises inside the span)."""
        span.set_attribute("http.response.status_code", response.status_code)
        self._log(call, response.status_code, started, attempt)
        return self._finish(response, call, raw or call.raw), response

    def _log(self, call: Call, status: int | str, started: float, attempt: int) -> None:
        logger.debug(
            "%s %s -> %s in %.3fs (attempt %d)",
            call.method,
            call.endpoint,
            status,
            time.perf_counter() - started,
            attempt,
            extra={"endpoint": call.endpoint, "status": status, "attempt": attempt},
        )

    @staticmethod
    def _answer(call: Call, payload: Any, response: httpx.Response) -> Any:
        """What a flow receives for ``call`` (see :class:`Call`)."""
        return (payload, response) if call.full else payload

    def _pause(self, seconds: float) -> None:
        (self.retry.sleep or time.sleep)(seconds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


def _error_message(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(payload, dict):
        for key in ("message", "error_message", "error", "detail"):
            if isinstance(payload.get(key), str):
                return str(payload[key])
    return None


def _details(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    details = payload.get("details") if isinstance(payload, dict) else None
    return details if isinstance(details, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Client(BaseClient):
    """The sync twin over :class:`httpx.Client`.

    Pass ``http_client`` to reuse one you own, or ``transport`` (e.g.
    ``httpx.MockTransport``) to inject faults in tests.
    """

    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        **config: Any,
    ) -> None:
        super().__init__(**config)
        self._owned = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, transport=transport)

    def request(self, call: Call) -> Any:
        """Make ``call`` with retries and the rate limit; returns the parsed payload."""
        return self.exchange(call)[0]

    def exchange(self, call: Call, *, raw: bool = False) -> tuple[Any, httpx.Response]:
        """Like :meth:`request`, also returning the response (headers, a file's bytes).

        With ``raw=True`` a successful body is not parsed as JSON (labels, files).
        """
        for attempt in self.retry.retrying(idempotent=call.idempotent):
            with attempt:
                if self.limiter is not None:
                    self.limiter.acquire()
                started = time.perf_counter()
                self.calls += 1
                number = attempt.retry_state.attempt_number
                with self._span(call, number) as span:
                    try:
                        response = self._http.request(**self._request_args(call))
                    except httpx.TransportError as error:
                        self._log(call, type(error).__name__, started, number)
                        raise self._transport_error(error, call) from None
                    return self._received(span, response, call, started, number, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result: make each call it yields, send back the answer.

        An :class:`~ecomflow.errors.EcomflowError` of a call is thrown into the
        flow where it yielded the call (see :mod:`ecomflow.http.flow`).
        """
        answer: Any = None
        error: EcomflowError | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(answer)
            except StopIteration as done:
                result: T = done.value
                return result
            answer, error = None, None
            try:
                if isinstance(step, Sleep):
                    self._pause(step.seconds)
                else:
                    answer = self._answer(step, *self.exchange(step, raw=step.raw))
            except EcomflowError as failed:
                error = failed

    def close(self) -> None:
        """Close the HTTP client (if this object created it)."""
        if self._owned:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient):
    """The async twin over :class:`httpx.AsyncClient` (same method names, ``aclose``)."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **config: Any,
    ) -> None:
        super().__init__(**config)
        self._owned = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, transport=transport)

    async def request(self, call: Call) -> Any:
        """Make ``call`` with retries and the rate limit; returns the parsed payload."""
        return (await self.exchange(call))[0]

    async def exchange(self, call: Call, *, raw: bool = False) -> tuple[Any, httpx.Response]:
        """Like :meth:`request`, also returning the response (see the sync twin)."""
        async for attempt in self.retry.async_retrying(idempotent=call.idempotent):
            with attempt:
                if self.limiter is not None:
                    await self.limiter.aacquire()
                started = time.perf_counter()
                self.calls += 1
                number = attempt.retry_state.attempt_number
                with self._span(call, number) as span:
                    try:
                        response = await self._http.request(**self._request_args(call))
                    except httpx.TransportError as error:
                        self._log(call, type(error).__name__, started, number)
                        raise self._transport_error(error, call) from None
                    return self._received(span, response, call, started, number, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    async def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result (the async twin of :meth:`Client.run`)."""
        answer: Any = None
        error: EcomflowError | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(answer)
            except StopIteration as done:
                result: T = done.value
                return result
            answer, error = None, None
            try:
                if isinstance(step, Sleep):
                    await self._apause(step.seconds)
                else:
                    answer = self._answer(step, *(await self.exchange(step, raw=step.raw)))
            except EcomflowError as failed:
                error = failed

    async def _apause(self, seconds: float) -> None:
        if self.retry.sleep is not None:  # a simulated clock (tests, the demo)
            self.retry.sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    async def aclose(self) -> None:
        """Close the HTTP client (if this object created it)."""
        if self._owned:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
