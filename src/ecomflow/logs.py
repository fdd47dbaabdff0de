"""Logging set-up for the worker and the app: plain text or one JSON object per line.

Records carry the context as fields — ``order_id``, ``channel``, ``carrier``,
``effect_key``, ``effect``, ``attempt`` — passed by ecomflow as ``extra``; the
JSON formatter puts them next to the message, so a log search finds every line
of one order or one effect. ecomflow logs ids, never names, addresses, phones,
e-mail addresses or tokens.

>>> import io, json, logging
>>> stream = io.StringIO()
>>> handler = logging.StreamHandler(stream)
>>> handler.setFormatter(JsonFormatter())
>>> log = logging.getLogger("ecomflow.example")
>>> log.addHandler(handler); log.propagate = False
>>> log.warning("retry %s", "create_shipment", extra={"order_id": "shop-1", "attempt": 2})
>>> record = json.loads(stream.getvalue())
>>> record["message"], record["order_id"], record["attempt"], record["level"]
('retry create_shipment', 'shop-1', 2, 'WARNING')
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["CONTEXT_FIELDS", "JsonFormatter", "configure_logging"]

#: The context fields ecomflow attaches to its records.
CONTEXT_FIELDS = (
    "order_id",
    "channel",
    "carrier",
    "effect_key",
    "effect",
    "attempt",
    "event",
    "source",
    "task",
    "endpoint",
    "status",
    "report",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(
    level: str = "INFO", fmt: Literal["text", "json"] = "text", stream: Any = None
) -> None:
    """Send ecomflow's logs to ``stream`` (stderr) as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ecomflow")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
