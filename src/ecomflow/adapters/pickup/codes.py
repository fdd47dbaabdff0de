"""Pickup codes and slip ids: derived from the shipment reference, nothing stored.

A pickup slip is fully determined by ``(carrier, service, reference)``: its
code is an HMAC of them, and its shipment id carries the code and the
reference, so :func:`parse_slip_id` can rebuild everything from the id alone
and refuse an id this desk did not make.

>>> code = pickup_code("shop-1001", carrier="shop", service_id="personal_pickup")
>>> code == pickup_code("shop-1001", carrier="shop", service_id="personal_pickup")
True
>>> len(code), code[4], set(code) <= set(ALPHABET + "-")
(9, '-', True)
>>> slip = slip_id(code, "shop-1001")
>>> parse_slip_id(slip, carrier="shop", service_id="personal_pickup")
'shop-1001'
>>> parse_slip_id(slip, carrier="shop", service_id="personal_pickup", key=b"other") is None
True
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "ALPHABET",
    "DEFAULT_KEY",
    "MAX_REFERENCE",
    "PREFIX",
    "parse_slip_id",
    "pickup_code",
    "slip_id",
]

#: 31 characters that cannot be misread aloud or on paper (no 0/O, 1/I/L).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

#: The HMAC key when ``code_key`` is not configured (public: codes are then guessable).
DEFAULT_KEY = b"ecomflow-personal-pickup"

#: The prefix of every slip id.
PREFIX = "PU"

#: The longest reference accepted (ids stay short enough for any channel's tracking field).
MAX_REFERENCE = 200

_CODE_CHARS = 8  # 31**8 ≈ 8.5e11 codes: a collision between two live orders is negligible


def pickup_code(reference: str, *, carrier: str, service_id: str, key: bytes = DEFAULT_KEY) -> str:
    """The short code the customer shows at the desk, e.g. ``"K7M2-Q9XA"``."""
    message = "\x1f".join((carrier, service_id, reference)).encode("utf-8")
    number = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    chars = []
    for _ in range(_CODE_CHARS):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def slip_id(code: str, reference: str) -> str:
    """The shipment id of a slip: ``PU:<code>:<reference>``."""
    return f"{PREFIX}:{code}:{reference}"


def parse_slip_id(
    shipment_id: str, *, carrier: str, service_id: str, key: bytes = DEFAULT_KEY
) -> str | None:
    """The reference inside ``shipment_id``, or ``None`` when this desk did not make it."""
    parts = shipment_id.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[2]:
        return None
    code, reference = parts[1], parts[2]
    expected = pickup_code(reference, carrier=carrier, service_id=service_id, key=key)
    return reference if hmac.compare_digest(code, expected) else None
