"""The one exception tree of ecomflow.

Every error the library raises on purpose is an :class:`EcomflowError`, so
``except EcomflowError`` catches all of them and nothing else.  Errors carry the
facts that explain them as attributes (``order_id``, ``sku``, ``status``…), not
only in their message, and the message says what to do next::

    EcomflowError
    ├── ConfigurationError            settings, URLs, files the user wrote
    ├── DomainError                   the business said no
    │   ├── InvalidTransition         an order/RMA event not allowed in its state
    │   │   └── GuardFailed           allowed in the state, refused by a guard
    │   ├── UnmappedStatus            a channel status with no master status
    │   ├── CurrencyMismatch          Money of two currencies mixed
    │   ├── InsufficientStock         a reservation that cannot be served whole
    │   ├── UnknownSku                a SKU the ledger has never seen
    │   ├── ReservationExpired        a reservation past its time-to-live
    │   ├── ReservationNotFound       no reservation for that order
    │   ├── ReservationExists         the order already holds a reservation
    │   ├── IdempotencyConflict       a key reused with another payload
    │   ├── ConcurrentUpdate          an optimistic version check lost a race
    │   ├── ValidationFailed          data that checks found wrong
    │   ├── RuleError                 a rule set that cannot be loaded
    │   │   └── RuleConflict          two rules that set one thing differently
    │   ├── UnmappedDeliveryMethod    a channel delivery method with no carrier/service/locker
    │   ├── UnknownOrder              no order with that id in the store
    │   ├── LeaseLost                 a worker's claim on an effect ran out (fencing)
    │   └── IntakeRefused             a channel order kept aside as an intake failure
    ├── AdapterError                  talking to a channel or carrier went wrong
    │   ├── MappingError              a remote record that cannot become a domain object
    │   ├── UnsupportedService        a carrier service id the adapter cannot create
    │   ├── CursorOverflow            more records in one instant than paging can separate
    │   ├── TransportError            timeout, connection refused or reset
    │   ├── RemoteAPIError            the remote API answered with an error
    │   │   ├── RateLimited           too many requests (carries retry_after)
    │   │   ├── AuthenticationFailed  bad token or key
    │   │   ├── NotFound              the remote object does not exist
    │   │   └── InvalidRequest        the remote API rejected the input
    │   │       └── LabelNotReady     the carrier has not made the label yet
    │   └── PluginError               an adapter plugin is missing or failed to load
    ├── SignatureVerificationError    a webhook that cannot be trusted
    └── Stopping                      a worker told to stop: a rate-limited call not made

>>> from ecomflow.errors import InvalidTransition, DomainError
>>> err = InvalidTransition(order_id="BL-1", state="new", event="ship", allowed=["pay", "cancel"])
>>> isinstance(err, DomainError)
True
>>> print(err)
Order BL-1 cannot 'ship' while it is 'new'; allowed now: pay, cancel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AdapterError",
    "AuthenticationFailed",
    "ConcurrentUpdate",
    "ConfigurationError",
    "CurrencyMismatch",
    "CursorOverflow",
    "DomainError",
    "EcomflowError",
    "GuardFailed",
    "IdempotencyConflict",
    "InsufficientStock",
    "IntakeRefused",
    "InvalidRequest",
    "InvalidTransition",
    "LabelNotReady",
    "LeaseLost",
    "MappingError",
    "NotFound",
    "PluginError",
    "RateLimited",
    "RemoteAPIError",
    "ReservationExists",
    "ReservationExpired",
    "ReservationNotFound",
    "RuleConflict",
    "RuleError",
    "Shortage",
    "SignatureVerificationError",
    "Stopping",
    "TransportError",
    "UnknownOrder",
    "UnknownSku",
    "UnmappedDeliveryMethod",
    "UnmappedStatus",
    "UnsupportedService",
    "ValidationFailed",
]

#: How many characters of a remote body an error keeps (bodies can be megabytes).
BODY_LIMIT = 2000


class EcomflowError(Exception):
    """Base of every error ecomflow raises on purpose."""


class ConfigurationError(EcomflowError):
    """A setting, URL or file the user wrote is wrong; the message says what to fix."""


class DomainError(EcomflowError):
    """A business rule refused an operation (the data is fine, the move is not)."""


class InvalidTransition(DomainError):
    """An event that is not allowed in the current state of an order or RMA.

    Attributes:
        order_id: the order (or RMA number) the event was sent to.
        state: the state the object was in.
        event: the event that was refused.
        allowed: the events allowed in that state.
    """

    def __init__(
        self,
        *,
        order_id: str,
        state: str,
        event: str,
        allowed: Sequence[str] = (),
        hint: str | None = None,
        subject: str = "Order",
    ) -> None:
        self.order_id = order_id
        self.state = state
        self.event = event
        self.allowed = list(allowed)
        self.hint = hint
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (final state)"
        message = (
            f"{subject} {order_id} cannot {event!r} while it is {state!r}; "
            f"allowed now: {allowed_text}."
        )
        if hint:
            message += f" {hint}"
        super().__init__(message)


class GuardFailed(InvalidTransition):
    """The event is allowed in the state, but a guard refused it.

    Attributes:
        guard: the name of the guard predicate that returned ``False``.
        reason: what is missing, in plain words.
    """

    def __init__(
        self,
        *,
        order_id: str,
        state: str,
        event: str,
        guard: str,
        reason: str,
        allowed: Sequence[str] = (),
        subject: str = "Order",
    ) -> None:
        self.guard = guard
        self.reason = reason
        super().__init__(
            order_id=order_id,
            state=state,
            event=event,
            allowed=allowed,
            hint=f"Guard {guard!r} refused it: {reason}",
            subject=subject,
        )


class UnmappedStatus(DomainError):
    """A channel status that the status map does not know.

    Attributes:
        channel: the channel whose map was used.
        status: the status that is not mapped.
        mapped: the statuses the map does know for that channel.
    """

    def __init__(self, *, channel: str, status: str, mapped: Iterable[str]) -> None:
        self.channel = channel
        self.status = status
        self.mapped = sorted(mapped)
        known = ", ".join(repr(m) for m in self.mapped) or "none"
        super().__init__(
            f"Channel {channel!r} status {status!r} is not mapped to a master status "
            f"(mapped: {known}). Add it to the channel's StatusMap."
        )


class UnmappedDeliveryMethod(DomainError):
    """A channel delivery method the delivery map does not know.

    Attributes:
        channel: the channel whose map was used.
        name: the delivery method's name on the channel (e.g. ``"Kurier DPD"``).
        mapped: the names the map knows for that channel.
    """

    def __init__(self, *, channel: str, name: str, mapped: Iterable[str]) -> None:
        self.channel = channel
        self.name = name
        self.mapped = sorted(mapped)
        known = ", ".join(repr(m) for m in self.mapped[:12]) or "none"
        more = f" and {len(self.mapped) - 12} more" if len(self.mapped) > 12 else ""
        super().__init__(
            f"Channel {channel!r} delivery method {name!r} is not mapped to a delivery "
            f"(mapped: {known}{more}). Add it to the channel's delivery map "
            f"([channels.{channel}.deliveries] in ecomflow.toml)."
        )


class UnknownOrder(DomainError, KeyError):
    """No order with this id is in the store.

    Attributes:
        order_id: the id asked for.
    """

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(
            f"No order {order_id!r} in the store; order ids are '<channel>-<channel order id>' "
            "(see `ecomflow status`)."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class Stopping(EcomflowError):
    """The worker is stopping: a call that would have waited for its rate limit was not made.

    Raised instead of waiting out an API's rate limit after SIGTERM, so a worker
    stops within seconds even when every worker shares a busy account. The work
    in hand is given back (no attempt counted) and the next worker takes it up.
    """

    def __init__(self, waited_for: str = "a rate-limit slot") -> None:
        super().__init__(
            f"The worker is stopping; it did not wait for {waited_for}. The work is given "
            "back and done by the next worker."
        )


class LeaseLost(DomainError):
    """A worker tried to finish an effect whose claim it no longer holds.

    Its lease ran out and another worker may have taken the effect over; the
    result is discarded so the effect is recorded once (fencing).

    Attributes:
        effect_key: the effect's idempotency key.
        token: the stale claim token.
    """

    def __init__(self, *, effect_key: str, token: str) -> None:
        self.effect_key = effect_key
        self.token = token
        super().__init__(
            f"The claim on effect {effect_key!r} expired before it was finished; another "
            "worker owns it now. Nothing was recorded; raise the lease if this repeats."
        )


class IntakeRefused(DomainError):
    """A channel order that could not be taken in; it is kept as an intake failure.

    Attributes:
        channel: the channel it came from.
        channel_order_id: the channel's id for it (``None`` when even that is unreadable).
        reason: what is wrong and what to do.
    """

    def __init__(self, *, channel: str, channel_order_id: str | None, reason: str) -> None:
        self.channel = channel
        self.channel_order_id = channel_order_id
        self.reason = reason
        super().__init__(
            f"Order {channel_order_id or '?'} from {channel!r} was not taken in: {reason}"
        )


class CurrencyMismatch(DomainError, ValueError):
    """Money in two currencies was combined; convert one of them first."""

    def __init__(self, left: str, right: str, operation: str = "combine") -> None:
        self.left = left
        self.right = right
        super().__init__(f"Cannot {operation} {left} with {right}; convert to one currency first.")


@dataclass(frozen=True, slots=True)
class Shortage:
    """One SKU a reservation could not get enough of."""

    sku: str
    requested: int
    available: int
    warehouse: str | None = None


class InsufficientStock(DomainError):
    """A reservation could not be served whole; nothing was reserved.

    Attributes:
        order_id: the order whose reservation failed.
        shortages: each short SKU with requested and available quantities.
    """

    def __init__(self, *, order_id: str, shortages: Sequence[Shortage]) -> None:
        self.order_id = order_id
        self.shortages = list(shortages)
        parts = ", ".join(
            f"{s.sku} (requested {s.requested}, available {s.available}"
            + (f" in {s.warehouse})" if s.warehouse else ")")
            for s in self.shortages
        )
        super().__init__(
            f"Not enough stock for order {order_id}: {parts}. Nothing was reserved; "
            "receive stock, reduce the quantities or hold the order."
        )

    @property
    def skus(self) -> list[str]:
        """The short SKUs, in the order they were reported."""
        return [s.sku for s in self.shortages]


class UnknownSku(DomainError, KeyError):
    """A SKU the ledger has never received."""

    def __init__(self, sku: str, warehouse: str | None = None) -> None:
        self.sku = sku
        self.warehouse = warehouse
        where = f" in warehouse {warehouse!r}" if warehouse else ""
        super().__init__(f"Unknown SKU {sku!r}{where}; receive it first.")

    def __str__(self) -> str:
        return str(self.args[0])


class ReservationExpired(DomainError):
    """A reservation passed its time-to-live and its stock was released."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(
            f"The reservation of order {order_id} expired and was released; reserve again."
        )


class ReservationNotFound(DomainError, KeyError):
    """There is no active reservation for the order."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} has no active reservation; reserve it first.")

    def __str__(self) -> str:
        return str(self.args[0])


class ReservationExists(DomainError):
    """The order already holds a reservation; release it first or pass the same key."""

    def __init__(self, order_id: str, reservation_id: str) -> None:
        self.order_id = order_id
        self.reservation_id = reservation_id
        super().__init__(
            f"Order {order_id} already holds reservation {reservation_id}; release it before "
            "reserving again, or retry with the original idempotency key."
        )


class IdempotencyConflict(DomainError):
    """An idempotency key was reused for a different operation or payload."""

    def __init__(self, key: str, detail: str = "") -> None:
        self.key = key
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"Idempotency key {key!r} was already used with a different payload{extra}; "
            "use a new key for a new operation."
        )


class ConcurrentUpdate(DomainError):
    """Someone else saved the object since it was loaded; reload and try again."""

    def __init__(self, *, object_id: str, expected: int, actual: int | None) -> None:
        self.object_id = object_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{object_id} was changed by another worker (expected version {expected}, "
            f"found {actual}); reload it and apply the change again."
        )


class ValidationFailed(DomainError):
    """Checks found data that must be fixed before going on.

    Attributes:
        findings: what was found (objects with ``code``, ``field`` and ``message``).
    """

    def __init__(self, message: str, *, findings: Sequence[Any] = ()) -> None:
        self.findings = list(findings)
        super().__init__(message)


class RuleError(DomainError):
    """A rule set that cannot be loaded; names the rule and the field."""

    def __init__(self, message: str, *, rule_id: str | None = None, field: str | None = None):
        self.rule_id = rule_id
        self.field = field
        super().__init__(message)


class RuleConflict(RuleError):
    """Two enabled rules of one priority set the same thing to different values."""

    def __init__(self, *, first: str, second: str, target: str, detail: str = "") -> None:
        self.first = first
        self.second = second
        self.target = target
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"Rules {first!r} and {second!r} have the same priority and can both match, "
            f"but set {target} differently{extra}. Give them different priorities or set "
            "the rule set's conflict resolution.",
            rule_id=first,
            field=target,
        )


class AdapterError(EcomflowError):
    """Talking to a channel, carrier or other remote system went wrong."""


class MappingError(AdapterError):
    """A remote record (an order, a shipment) that cannot be mapped onto the domain model.

    Adapters raise it instead of a bare ``ValueError``, ``KeyError`` or a pydantic
    ``ValidationError``, so one bad record never stops the good ones.

    Attributes:
        source: the adapter or channel name.
        object_id: the remote id of the record, when readable.
        field: the field that is wrong, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        object_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.object_id = object_id
        self.field = field
        super().__init__(message)


class UnsupportedService(AdapterError):
    """A carrier service id the carrier adapter does not offer.

    Attributes:
        carrier: the carrier adapter's id.
        service_id: the service asked for.
        supported: the services the adapter offers.
    """

    def __init__(self, *, carrier: str, service_id: str | None, supported: Iterable[str]) -> None:
        self.carrier = carrier
        self.service_id = service_id
        self.supported = sorted(supported)
        super().__init__(
            f"Carrier {carrier!r} has no service {service_id!r} (it offers: "
            f"{', '.join(self.supported) or 'none'}). Fix the catalogue or the rule that "
            "chose it."
        )


class CursorOverflow(AdapterError):
    """More records share one instant than the API's paging can separate.

    Raised instead of silently skipping records; the cursor does not move.

    Attributes:
        source: the adapter or channel.
        instant: the crowded instant (as the API writes it).
        count: how many records were seen in it.
    """

    def __init__(self, message: str, *, source: str, instant: str, count: int) -> None:
        self.source = source
        self.instant = instant
        self.count = count
        super().__init__(message)


class TransportError(AdapterError):
    """The request did not get an answer: timeout, refused or reset connection.

    Attributes:
        endpoint: the method or path that was called.
    """

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        self.endpoint = endpoint
        super().__init__(message)


class RemoteAPIError(AdapterError):
    """The remote API answered, and the answer is an error.

    Attributes:
        status: the HTTP status code (``None`` when the API signals errors in the body).
        code: the API's own error code, e.g. ``ERROR_UNKNOWN_METHOD``.
        message: the API's own message.
        request_id: the request id the API sent back, for its support.
        body: the first characters of the raw body.
        endpoint: the method or path that was called.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: str | bytes | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        self.body = body[:BODY_LIMIT] if body is not None else None
        self.endpoint = endpoint
        where = f" from {endpoint}" if endpoint else ""
        bits = [b for b in (f"HTTP {status}" if status else None, code) if b]
        head = f"[{' '.join(bits)}] " if bits else ""
        rid = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{head}{message}{where}{rid}")


class RateLimited(RemoteAPIError):
    """Too many requests; wait ``retry_after`` seconds (when known) before the next."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class AuthenticationFailed(RemoteAPIError):
    """The token or key was refused; check the adapter's credentials."""


class NotFound(RemoteAPIError):
    """The remote object does not exist (or the account cannot see it)."""


class InvalidRequest(RemoteAPIError):
    """The remote API rejected the input.

    Attributes:
        details: field → problem, as far as the API said.
    """

    def __init__(
        self, message: str, *, details: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        self.details = dict(details or {})
        super().__init__(message, **kwargs)


class LabelNotReady(InvalidRequest):
    """The shipment is not confirmed yet, so there is no label; wait and ask again."""


class PluginError(AdapterError):
    """An adapter plugin is not installed, or failed to load."""

    def __init__(self, message: str, *, adapter_id: str | None = None) -> None:
        self.adapter_id = adapter_id
        super().__init__(message)


class SignatureVerificationError(EcomflowError):
    """A webhook whose signature, token or origin cannot be trusted; nothing was applied."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(message)
