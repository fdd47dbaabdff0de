"""What every conformance kit shares: the fake/client hooks and their fixtures.

A kit is a test-class base; an adapter's test class inherits it and implements
the hooks. The fixtures start the fake before a test and stop it after, and
close the client (sync, or the async twin through :meth:`Kit.twin`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ecomflow.testing.conformance.twins import close_quietly

__all__ = ["Kit"]


class Kit:
    """The hooks and fixtures common to the channel and carrier kits."""

    #: a secret the client is built with; it must never appear in errors or reprs
    secret: str = ""

    # -- hooks -----------------------------------------------------------------------------

    def start_fake(self) -> Any:
        """Start and return the adapter's fake server."""
        raise NotImplementedError

    def make_client(self, fake: Any, *, secret: str | None = None) -> Any:
        """A sync client talking to ``fake`` (with another ``secret`` when given)."""
        raise NotImplementedError

    def make_async_client(self, fake: Any) -> Any | None:
        """The async twin for ``fake``, or ``None`` when the adapter has none."""
        return None

    # -- fixtures ------------------------------------------------------------------------

    @pytest.fixture
    def fake(self) -> Iterator[Any]:
        """A started fake, stopped after the test."""
        server = self.start_fake()
        yield server
        server.stop()

    @pytest.fixture
    def client(self, fake: Any) -> Iterator[Any]:
        """The sync client, closed after the test."""
        made = self.make_client(fake)
        yield made
        close_quietly(made)

    def twin(self, fake: Any) -> Any:
        """The async twin, or skip the test when the adapter has none."""
        made = self.make_async_client(fake)
        if made is None:
            pytest.skip("this adapter has no async twin")
        return made
