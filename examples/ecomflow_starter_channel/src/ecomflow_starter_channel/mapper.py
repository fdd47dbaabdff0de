"""Pure translation of the shop's orders into ecomflow's :class:`~ecomflow.orders.Order`.

An order that cannot be mapped raises a typed error — :class:`UnmappedStatus`,
:class:`UnmappedDeliveryMethod` or :class:`MappingError` naming the field —
never a bare ``ValueError`` or pydantic ``ValidationError``; the client turns
it into an :class:`~ecomflow.adapters.IntakeFailure` that keeps the raw order.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from ecomflow.adapters import IntakeFailure
from ecomflow.errors import MappingError, UnmappedDeliveryMethod, UnmappedStatus
from ecomflow.money import Money
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import (
    Address,
    Customer,
    Delivery,
    Order,
    OrderLine,
    Payment,
)
from ecomflow.orders.status import StatusMap
from ecomflow_starter_channel.wire import WireAddress, WireOrder

__all__ = ["intake_failure", "to_order"]

SOURCE = "example_shop"


def _problem(error: ValidationError, order_id: str | None, what: str) -> MappingError:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(order)"
    return MappingError(
        f"{what} {order_id or '?'} cannot be read: {where}: {first['msg']}; fix it in the shop",
        source=SOURCE,
        object_id=order_id,
        field=where,
    )


def _address(wire: WireAddress | None) -> Address | None:
    if wire is None:
        return None
    return Address(
        name=wire.name,
        company=wire.company,
        street=wire.street,
        city=wire.city,
        postcode=wire.postcode,
        country=wire.country,
        phone=wire.phone,
        email=wire.email,
    )


def _money(value: str | None, currency: str, where: str, order_id: str) -> Money | None:
    if value is None or value == "":
        return None
    try:
        return Money(Decimal(value), currency)
    except (InvalidOperation, ValueError, ArithmeticError):
        raise MappingError(
            f"order {order_id}: {where} {value!r} is not an amount in {currency}",
            source=SOURCE,
            object_id=order_id,
            field=where,
        ) from None


def to_order(raw: Any, *, channel: str, statuses: StatusMap, deliveries: DeliveryMap) -> Order:
    """Map one raw order (``UnmappedStatus`` / ``UnmappedDeliveryMethod`` / ``MappingError``)."""
    order_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None
    try:
        wire = WireOrder.model_validate(raw)
    except ValidationError as error:
        raise _problem(error, order_id, "order") from None
    status = statuses.to_master(channel, wire.status)
    rule = deliveries.resolve(channel, wire.shipping.method)
    currency = wire.currency.strip().upper()
    try:
        lines = [
            OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=_money(line.unit_price, currency, f"lines.{i}.unit_price", wire.id)
                or Money(0, currency),
                tax_rate=Decimal(line.tax_rate) if line.tax_rate else None,
                line_id=line.id,
            )
            for i, line in enumerate(wire.lines)
        ]
        return Order(
            channel=channel,
            channel_order_id=wire.id,
            status=status,
            currency=currency,
            lines=lines,
            customer=Customer(
                name=wire.customer.name, email=wire.customer.email, phone=wire.customer.phone
            ),
            billing_address=_address(wire.billing_address),
            delivery_address=_address(wire.shipping_address),
            delivery=Delivery(
                method=rule.method,
                carrier=rule.carrier,
                service_id=rule.service_id,
                name=wire.shipping.method,
                # kept as sent: a locker order without a point is held for verification by
                # the Orchestrator, never turned into a courier order here
                point_id=(wire.shipping.point_id or "").strip() or None,
            ),
            payment=Payment(
                method=wire.payment.method,
                paid_amount=_money(
                    wire.payment.paid_amount, currency, "payment.paid_amount", wire.id
                ),
                cod=wire.payment.cod,
                paid_at=wire.payment.paid_at,
            ),
            shipping_price=_money(wire.shipping.price, currency, "shipping.price", wire.id),
            discount=_money(wire.discount, currency, "discount", wire.id),
            created_at=wire.created_at,
            updated_at=wire.updated_at,
            raw=raw,
        )
    except ValidationError as error:
        raise _problem(error, wire.id, "order") from None
    except (InvalidOperation, ValueError, ArithmeticError) as error:  # tax_rate, Money
        raise MappingError(
            f"order {wire.id} cannot be read: {error}; fix it in the shop",
            source=SOURCE,
            object_id=wire.id,
        ) from None


def intake_failure(raw: Any, error: Exception, *, channel: str) -> IntakeFailure:
    """An order that cannot be mapped, kept whole with what to fix."""
    order_id = None
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int) and raw.get("id") != "":
        order_id = str(raw["id"])
    reason = str(error)
    if isinstance(error, UnmappedStatus):
        reason += f" Map it under [channels.{channel}.statuses] in ecomflow.toml."
    elif isinstance(error, UnmappedDeliveryMethod):
        pass  # its message names [channels.<name>.deliveries] already
    return IntakeFailure(
        channel=channel,
        channel_order_id=order_id,
        reason=reason,
        raw=raw,
        error=type(error).__name__,
    )
