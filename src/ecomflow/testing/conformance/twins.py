"""Sync and async twins expose the same public methods (so they cannot drift apart)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar

__all__ = ["assert_twins_match", "public_methods", "run_async"]

T = TypeVar("T")

#: Methods that differ by design between the twins (closing, context managers, the driver).
_BY_DESIGN = frozenset({"close", "aclose"})


def public_methods(cls: type) -> set[str]:
    """Public callables of ``cls`` (flow operations included), without ``_``-names."""
    from ecomflow.http.flow import operation  # noqa: PLC0415

    names = set()
    for name in dir(cls):
        if name.startswith("_"):
            continue
        value = inspect.getattr_static(cls, name)
        if callable(value) or isinstance(value, operation | staticmethod | classmethod):
            names.add(name)
    return names


def assert_twins_match(sync_cls: type, async_cls: type) -> None:
    """Fail (``AssertionError``) when the twins' public methods differ, naming the difference."""
    sync, asynchronous = public_methods(sync_cls) - _BY_DESIGN, public_methods(async_cls)
    asynchronous -= _BY_DESIGN
    only_sync, only_async = sorted(sync - asynchronous), sorted(asynchronous - sync)
    assert not only_sync and not only_async, (
        f"{sync_cls.__name__} and {async_cls.__name__} differ: only sync {only_sync}, "
        f"only async {only_async}"
    )


def run_async(awaitable: Awaitable[T]) -> T:
    """Run a coroutine to completion from a sync test."""

    async def main() -> T:
        return await awaitable

    return asyncio.run(main())


def close_quietly(client: Any) -> None:
    """Close a sync client if it has ``close``."""
    close = getattr(client, "close", None)
    if callable(close):
        close()
