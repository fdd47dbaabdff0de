"""A notifier that appends messages to a JSON-lines file, once per key (demo and tests).

It stands for an external sender with idempotency keys: a message whose key is
already in the file is not written again, so a dispatcher that re-sends after
a crash does not deliver twice.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ecomflow.notify.messages import Message

__all__ = ["JournalNotifier"]


class JournalNotifier:
    """Appends each message (by key, once) to ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def keys(self) -> list[str]:
        """Keys of every message in the file, in order (duplicates would show twice)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["key"] for line in lines if line.strip()]

    def send(self, message: Message) -> None:
        """Append ``message`` unless its key is already there."""
        with self._lock:
            if message.key in set(self.keys()):
                return
            record = {
                "key": message.key,
                "kind": message.kind.value,
                "order_id": message.order_id,
                "to": message.to,
                "subject": message.subject,
            }
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
