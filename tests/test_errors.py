from __future__ import annotations

import inspect

from ecomflow import errors
from ecomflow.errors import (
    AdapterError,
    DomainError,
    EcomflowError,
    InsufficientStock,
    RateLimited,
    RemoteAPIError,
    Shortage,
)


def test_every_error_is_an_ecomflow_error_and_drawn_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        value = getattr(errors, name)
        if inspect.isclass(value) and issubclass(value, BaseException):
            assert issubclass(value, EcomflowError), name
            assert name in doc, f"{name} is missing from the tree drawing"


def test_insufficient_stock_lists_each_short_sku() -> None:
    err = InsufficientStock(
        order_id="BL-7",
        shortages=[Shortage("MUG", requested=3, available=1), Shortage("CUP", 2, 0)],
    )
    assert isinstance(err, DomainError)
    assert err.skus == ["MUG", "CUP"]
    assert "MUG (requested 3, available 1), CUP (requested 2, available 0)" in str(err)
    assert "Nothing was reserved" in str(err)


def test_remote_errors_keep_context_and_truncate_body() -> None:
    err = RateLimited(
        "Too many requests",
        retry_after=30.0,
        status=429,
        code="ERROR_USER_ACCOUNT_BLOCKED",
        request_id="req-1",
        body=b"x" * 5000,
        endpoint="getOrders",
    )
    assert isinstance(err, RemoteAPIError) and isinstance(err, AdapterError)
    assert err.retry_after == 30.0
    assert err.body is not None and len(err.body) == errors.BODY_LIMIT
    assert str(err) == (
        "[HTTP 429 ERROR_USER_ACCOUNT_BLOCKED] Too many requests from getOrders (request id req-1)"
    )
