"""Notifiers that keep messages in the process: in memory, on the terminal, in the log.

None of them drops a repeated key: sending a message exactly once is the
outbox's job, and a duplicate send must stay visible to the project's checks
(``duplicates()``).

>>> from ecomflow.notify import MessageKind, render
>>> from ecomflow.testing import sample_order
>>> notifier = RecordingNotifier()
>>> message = render(MessageKind.DELIVERED, sample_order())
>>> notifier.send(message); notifier.send(message)
>>> notifier.duplicates()
{'delivered:shop-1001': 2}
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape

from ecomflow.notify.messages import Message

__all__ = ["MESSAGES_LOGGER", "ConsoleNotifier", "LogNotifier", "RecordingNotifier"]

#: The logger :class:`LogNotifier` writes to.
MESSAGES_LOGGER = "ecomflow.messages"


def _duplicates(keys: list[str]) -> dict[str, int]:
    return {key: n for key, n in Counter(keys).items() if n > 1}


@dataclass
class RecordingNotifier:
    """Keeps every message sent, in memory (tests, the demo's report)."""

    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        """Record ``message`` (a repeated key is recorded again)."""
        self.sent.append(message)

    def keys(self) -> list[str]:
        """The key of every send, in order."""
        return [message.key for message in self.sent]

    def count(self, key: str) -> int:
        """How many times a message with ``key`` was sent."""
        return sum(1 for message in self.sent if message.key == key)

    def duplicates(self) -> dict[str, int]:
        """Keys sent more than once → how many times (empty when each went once)."""
        return _duplicates(self.keys())

    def by_kind(self) -> dict[str, int]:
        """How many sends of each kind."""
        return dict(Counter(message.kind.value for message in self.sent))


class ConsoleNotifier:
    """Prints every message to the terminal (the demo)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.sent_keys: list[str] = []

    def send(self, message: Message) -> None:
        """Print ``message``."""
        self.sent_keys.append(message.key)
        self.console.print(f"[bold]{escape(message.subject)}[/bold]\n{escape(message.body)}\n")

    def duplicates(self) -> dict[str, int]:
        """Keys printed more than once → how many times."""
        return _duplicates(self.sent_keys)


class LogNotifier:
    """Writes each message to the ``ecomflow.messages`` logger.

    At INFO only identifiers go out (order id, kind, key), never the address,
    the name or the text: logs must not carry personal data. DEBUG adds the
    subject and language. Useful as a transport while a shop is set up, and to
    see what would be sent.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(MESSAGES_LOGGER)

    def send(self, message: Message) -> None:
        """Log ``message`` (ids at INFO)."""
        ids = {
            "order_id": message.order_id,
            "message_kind": message.kind.value,
            "message_key": message.key,
        }
        self.logger.info(
            "message %s for order %s (key %s)",
            message.kind.value,
            message.order_id,
            message.key,
            extra=ids,
        )
        self.logger.debug(
            "message %s: subject %r, language %s", message.key, message.subject, message.language
        )

    def __repr__(self) -> str:
        return f"LogNotifier(logger={self.logger.name!r})"
