"""Building the message transport named in ``ecomflow.toml`` (``[notify]``).

There is no silent default: without ``[notify]`` the configuration is refused,
unless it says ``transport = "log"`` (messages only written to the log).
"""

from __future__ import annotations

import logging

from ecomflow.errors import ConfigurationError
from ecomflow.notify import ConsoleNotifier, Message, Notifier
from ecomflow.orchestration.config import OrchestratorConfig

__all__ = ["LogNotifier", "build_notifier"]


class LogNotifier:
    """Writes each message to the ``ecomflow.messages`` logger (ids only, no personal data)."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("ecomflow.messages")

    def send(self, message: Message) -> None:
        """Log that ``message`` would go out."""
        self.logger.info(
            "message %s for order %s (%s)",
            message.kind.value,
            message.order_id,
            message.key,
            extra={"order_id": message.order_id, "effect_key": message.key},
        )


def build_notifier(config: OrchestratorConfig) -> Notifier:
    """The notifier ``[notify]`` names; a clear error when it names none."""
    if config.notify is None:
        raise ConfigurationError(
            "ecomflow.toml has no [notify] section: say how customer messages leave "
            "(transport = 'smtp' | 'webhook'), or transport = 'log' to only log them."
        )
    transport = config.notify.get("transport")
    if transport == "log":
        return LogNotifier()
    if transport == "console":
        return ConsoleNotifier()
    raise ConfigurationError(
        f"[notify] transport {transport!r} is not known; use 'smtp', 'webhook' or 'log'."
    )
