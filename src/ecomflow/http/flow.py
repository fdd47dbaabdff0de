"""Multi-call operations written once, driven by the sync and the async client.

An adapter operation that takes several calls — create a shipment but look
for it first, record a package and look again after a lost answer, page
through orders — is written once as a generator (a *flow*): it yields a
:class:`~ecomflow.http.Call` (or a :class:`Sleep`) and receives the answer.
:class:`~ecomflow.http.Client` drives it with plain calls and
:class:`~ecomflow.http.AsyncClient` with ``await`` — the way httpx writes
``Auth.auth_flow`` once for both clients. An error of a call is thrown into the
flow at its ``yield``, so a flow can catch a lost answer and look again.

Decorate the flow method with :func:`operation` on a mixin shared by the twins;
the sync client then has a plain method and the async client a coroutine
method of the same name and signature, so the twins cannot drift apart.

>>> import httpx
>>> from ecomflow.http import AsyncClient, Call, Client
>>> class _Ops:
...     @operation
...     def total(self, *paths: str) -> Flow[int]:
...         total = 0
...         for path in paths:
...             answer = yield Call("GET", path, "count")
...             total += answer["n"]
...         return total
>>> class Counter(_Ops, Client): ...
>>> class AsyncCounter(_Ops, AsyncClient): ...
>>> def handler(request: httpx.Request) -> httpx.Response:
...     return httpx.Response(200, json={"n": len(request.url.path)})
>>> Counter(base_url="http://api", transport=httpx.MockTransport(handler)).total("/a", "/bb")
5
>>> import asyncio
>>> asyncio.run(AsyncCounter(base_url="http://api",
...     transport=httpx.MockTransport(handler)).total("/a", "/bb"))
5
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ecomflow.http.call import Call

if TYPE_CHECKING:
    from ecomflow.http.client import AsyncClient, Client

__all__ = ["Flow", "Sleep", "operation"]

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Sleep:
    """A pause inside a flow (polling); the driver sleeps the right way for its kind."""

    seconds: float


#: A flow returning ``T``: yields calls (or pauses) and receives their answers.
Flow = Generator[Call | Sleep, Any, T]


class operation(Generic[P, T]):  # noqa: N801 - used as a decorator, like property
    """Turn a flow method into a method of both twins (see the module docstring)."""

    def __init__(self, flow: Callable[Concatenate[Any, P], Flow[T]]) -> None:
        self.flow = flow
        functools.update_wrapper(self, flow)  # type: ignore[arg-type]

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> operation[P, T]: ...

    @overload
    def __get__(self, instance: Client, owner: type | None = None) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, instance: AsyncClient, owner: type | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        flow = self.flow

        @functools.wraps(flow)
        def bound(*args: Any, **kwargs: Any) -> Any:
            return instance.run(flow(instance, *args, **kwargs))

        return bound
