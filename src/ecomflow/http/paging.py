"""Pages of results, for both ``for`` and ``async for``.

>>> def fetch(cursor):
...     start = cursor or 0
...     items = list(range(start, min(start + 2, 5)))
...     return items, (start + 2 if start + 2 < 5 else None)
>>> [page for page in Pages(fetch)]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["Pages"]

T = TypeVar("T")

PageFetch = Callable[[Any], tuple[list[T], Any]]
AsyncPageFetch = Callable[[Any], Awaitable[tuple[list[T], Any]]]


class Pages(Generic[T]):
    """Iterate pages from a cursor until the fetch function returns no next cursor.

    Give ``fetch`` for ``for`` and ``afetch`` for ``async for`` (or both).
    """

    def __init__(
        self,
        fetch: PageFetch[T] | None = None,
        afetch: AsyncPageFetch[T] | None = None,
        *,
        start: Any = None,
    ) -> None:
        self._fetch = fetch
        self._afetch = afetch
        self._start = start
        self.cursor: Any = start

    def __iter__(self) -> Iterator[list[T]]:
        if self._fetch is None:
            raise TypeError("These pages are async: use 'async for'.")
        cursor = self._start
        while True:
            items, cursor = self._fetch(cursor)
            if cursor is not None:
                self.cursor = cursor
            yield items
            if cursor is None:
                return

    async def __aiter__(self) -> AsyncIterator[list[T]]:
        if self._afetch is None:
            raise TypeError("These pages are sync: use 'for'.")
        cursor = self._start
        while True:
            items, cursor = await self._afetch(cursor)
            if cursor is not None:
                self.cursor = cursor
            yield items
            if cursor is None:
                return
