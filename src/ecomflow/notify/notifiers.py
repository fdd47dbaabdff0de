"""Notifiers that keep messages in the process: in memory and on the terminal."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from ecomflow.notify.messages import Message

__all__ = ["ConsoleNotifier", "RecordingNotifier"]


@dataclass
class RecordingNotifier:
    """Keeps messages in memory, once per key (tests, the demo's report)."""

    sent: list[Message] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set, repr=False)

    def send(self, message: Message) -> None:
        """Record ``message`` unless its key was sent already."""
        if message.key in self._keys:
            return
        self._keys.add(message.key)
        self.sent.append(message)

    def by_kind(self) -> dict[str, int]:
        """How many messages of each kind went out."""
        counts: dict[str, int] = {}
        for message in self.sent:
            counts[message.kind.value] = counts.get(message.kind.value, 0) + 1
        return counts


class ConsoleNotifier:
    """Prints messages to the terminal (the demo), once per key."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self._keys: set[str] = set()

    def send(self, message: Message) -> None:
        """Print ``message`` unless its key was printed already."""
        if message.key in self._keys:
            return
        self._keys.add(message.key)
        self.console.print(f"[bold]{message.subject}[/bold]\n{message.body}\n")
