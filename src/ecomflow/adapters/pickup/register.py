"""What a pickup desk cannot derive from a reference: which slips were cancelled.

Everything else about a slip (its id, code, service, status while live) is
computed from the reference, so the only state is the set of cancelled slips.
:class:`MemoryRegister` keeps it in the process (the default);
:class:`FileRegister` in a small SQLite file, so a cancellation survives a
restart and is seen by every worker on the host. Pass one register to both
twins to share it.

>>> register = MemoryRegister()
>>> register.cancel("PU:AAAA-AAAA:shop-1")
>>> register.is_cancelled("PU:AAAA-AAAA:shop-1")
True
>>> register.issue("PU:AAAA-AAAA:shop-1", "shop-1")   # created again: live again
>>> register.is_cancelled("PU:AAAA-AAAA:shop-1")
False
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Protocol, runtime_checkable

from ecomflow.errors import ConfigurationError

__all__ = ["FileRegister", "MemoryRegister", "PickupRegister"]


@runtime_checkable
class PickupRegister(Protocol):
    """Remembers cancelled slips (the one fact a reference does not tell)."""

    def issue(self, shipment_id: str, reference: str) -> None:
        """A slip was (re)issued: it is live, even if it was cancelled before."""

    def cancel(self, shipment_id: str) -> None:
        """The slip is cancelled (a repeat is harmless)."""

    def is_cancelled(self, shipment_id: str) -> bool:
        """Whether the slip is cancelled."""


class MemoryRegister:
    """Cancelled slips in this process (lost on restart; see :class:`FileRegister`)."""

    def __init__(self) -> None:
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()

    def issue(self, shipment_id: str, reference: str) -> None:
        """Mark the slip live."""
        with self._lock:
            self._cancelled.discard(shipment_id)

    def cancel(self, shipment_id: str) -> None:
        """Mark the slip cancelled."""
        with self._lock:
            self._cancelled.add(shipment_id)

    def is_cancelled(self, shipment_id: str) -> bool:
        """Whether the slip is cancelled."""
        with self._lock:
            return shipment_id in self._cancelled


class FileRegister:
    """Cancelled slips in a SQLite file (one short transaction per change).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pickup.db")
    >>> FileRegister(path).cancel("PU:AAAA-AAAA:shop-1")
    >>> FileRegister(path).is_cancelled("PU:AAAA-AAAA:shop-1")
    True
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with closing(self._connect()) as db, db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS cancelled_slips "
                    "(shipment_id TEXT PRIMARY KEY, cancelled_at TEXT NOT NULL)"
                )
        except sqlite3.Error as error:
            raise ConfigurationError(
                f"pickup state_file {str(self.path)!r} cannot be used: {error}; point "
                "state_file at a writable path"
            ) from None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def issue(self, shipment_id: str, reference: str) -> None:
        """Mark the slip live."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM cancelled_slips WHERE shipment_id = ?", (shipment_id,))

    def cancel(self, shipment_id: str) -> None:
        """Mark the slip cancelled."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO cancelled_slips VALUES (?, datetime('now'))",
                (shipment_id,),
            )

    def is_cancelled(self, shipment_id: str) -> bool:
        """Whether the slip is cancelled."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT 1 FROM cancelled_slips WHERE shipment_id = ?", (shipment_id,)
            ).fetchone()
        return row is not None

    def __repr__(self) -> str:
        return f"FileRegister({str(self.path)!r})"
