"""A notifier that appends every message to a JSON-lines file (the demo, worker tests).

It stands for an external sender: each ``send`` is one line, so a message the
dispatcher delivered twice (say, after a crash) shows up twice — exactly-once
is the outbox's job, and the journal is how a test sees whether it did it.
Only ids and the subject are written, no address or text.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

from ecomflow.notify.messages import Message

__all__ = ["JournalNotifier"]


class JournalNotifier:
    """Appends each message sent to ``path``, one JSON object a line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def keys(self) -> list[str]:
        """Keys of every message in the file, in order (a duplicate shows twice)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["key"] for line in lines if line.strip()]

    def duplicates(self) -> dict[str, int]:
        """Keys in the file more than once → how many times."""
        return {key: n for key, n in Counter(self.keys()).items() if n > 1}

    def send(self, message: Message) -> None:
        """Append ``message``."""
        record = {
            "key": message.key,
            "kind": message.kind.value,
            "order_id": message.order_id,
            "language": message.language,
            "subject": message.subject,
        }
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()

    def __repr__(self) -> str:
        return f"JournalNotifier({str(self.path)!r})"
