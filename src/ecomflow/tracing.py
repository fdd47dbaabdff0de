"""Optional OpenTelemetry spans: ``pip install "ecomflow[otel]"`` turns them on.

ecomflow opens a span around each channel read (``ecomflow.sync``), each
outbox effect run (``ecomflow.effect <kind>``) and each adapter HTTP request
(``<METHOD> <endpoint>``, a client span nested under the other two). It only
*emits* spans through ``opentelemetry-api``; where they go — an OTLP collector,
the console, nowhere — is the application's choice of SDK and exporter.

Without ``opentelemetry-api`` installed, :func:`span` is a no-op: one shared
context manager, no import error, no attribute work.

>>> with span("ecomflow.example", {"ecomflow.order_id": "shop-1"}) as current:
...     current.set_attribute("ecomflow.attempt", 1)

Attribute names follow the OpenTelemetry semantic conventions where they exist
(HTTP client spans: ``http.request.method``, ``server.address``,
``server.port``, ``url.full``, ``http.response.status_code``,
``http.request.resend_count``, ``error.type`` — semantic-conventions
``docs/http/http-spans.md``, v1.45, "HTTP client span";
https://opentelemetry.io/docs/specs/semconv/http/http-spans/) and are
``ecomflow.*`` for ours: ``ecomflow.order_id``, ``ecomflow.effect``,
``ecomflow.effect_key``, ``ecomflow.attempt``, ``ecomflow.channel``,
``ecomflow.carrier``, ``ecomflow.adapter``, ``ecomflow.method``. ecomflow puts
ids on spans, never tokens, names, addresses, phones or e-mail addresses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ecomflow._version import __version__
from ecomflow.errors import Stopping

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

try:
    from opentelemetry import trace as _trace
except ImportError:  # pragma: no cover - the tests run this in a fresh interpreter
    _trace = None  # type: ignore[assignment]

__all__ = [
    "AttributeValue",
    "SpanLike",
    "enabled",
    "record_error",
    "span",
    "use_tracer_provider",
]

#: A value OpenTelemetry accepts as an attribute.
AttributeValue = str | bool | int | float

#: The instrumentation scope every ecomflow span is reported under.
SCOPE = "ecomflow"


class SpanLike(Protocol):
    """What ecomflow does with a span: add attributes once the outcome is known."""

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute (ignored by the no-op span)."""


class _NoSpan:
    """The span of the no-op path: accepts attributes and drops them."""

    __slots__ = ()

    def set_attribute(self, key: str, value: Any) -> None:
        """Drop the attribute."""


_NO_SPAN = _NoSpan()
#: Reusable and re-entrant: the whole cost of a span when tracing is off.
_NOTHING: AbstractContextManager[SpanLike] = nullcontext(_NO_SPAN)


def _default_tracer() -> Tracer | None:
    if _trace is None:
        return None
    # A proxy until the application sets its provider; then spans go there.
    return _trace.get_tracer(SCOPE, __version__)


_tracer: Tracer | None = _default_tracer()


def enabled() -> bool:
    """``True`` if ``opentelemetry-api`` is installed (spans are built, maybe not recorded).

    Callers use it to skip building attributes that cost something.
    """
    return _tracer is not None


def use_tracer_provider(provider: TracerProvider | None) -> None:
    """Send ecomflow's spans to ``provider`` instead of the global one.

    For an application that keeps its own provider, and for tests (an SDK
    provider with an in-memory exporter, no global state to reset). ``None``
    goes back to the global provider (``opentelemetry.trace.set_tracer_provider``).
    """
    global _tracer  # noqa: PLW0603 - the module's one switch
    _tracer = _default_tracer() if provider is None else provider.get_tracer(SCOPE, __version__)


def span(
    name: str,
    attributes: Mapping[str, AttributeValue] | None = None,
    *,
    kind: Literal["internal", "client"] = "internal",
) -> AbstractContextManager[SpanLike]:
    """A span named ``name`` around the block, current while it runs (children nest).

    An exception leaving the block is recorded on the span as an event and sets
    its status to error, then propagates — except :class:`~ecomflow.errors.Stopping`
    (a worker told to stop), which marks the span ``ecomflow.stopped``. Without
    ``opentelemetry-api`` this is a shared no-op context manager.
    """
    tracer = _tracer
    if tracer is None:
        return _NOTHING
    return _started(tracer, name, attributes, kind)


@contextmanager
def _started(
    tracer: Tracer,
    name: str,
    attributes: Mapping[str, AttributeValue] | None,
    kind: Literal["internal", "client"],
) -> Iterator[SpanLike]:
    assert _trace is not None
    span_kind = _trace.SpanKind.CLIENT if kind == "client" else _trace.SpanKind.INTERNAL
    with tracer.start_as_current_span(
        name,
        kind=span_kind,
        attributes=dict(attributes) if attributes else None,
        record_exception=False,  # recorded below, but for a stop request
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except Stopping:  # a worker told to stop: the work is given back, nothing failed
            current.set_attribute("ecomflow.stopped", True)
            raise
        except Exception as error:
            record_error(current, error)
            raise


def _error_type(error: BaseException) -> str:
    """``error.type``: the exception's fully-qualified class name (semantic conventions)."""
    cls = type(error)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def record_error(current: SpanLike, error: BaseException) -> None:
    """Mark ``current`` failed by ``error`` that was handled inside the span's block.

    For a block that catches its own errors (a channel that could not be read,
    an effect that will be retried): the span still shows the failure.
    """
    if _trace is None or not isinstance(current, _trace.Span):
        return
    current.record_exception(error)
    current.set_status(_trace.Status(_trace.StatusCode.ERROR, type(error).__name__))
    current.set_attribute("error.type", _error_type(error))
