"""Build the notifier ``ecomflow.toml`` asks for.

.. code-block:: toml

    [notify]
    transport = "smtp"            # or "webhook", or "log"
    host = "smtp.kubkowo.pl"
    security = "starttls"         # "ssl", "none" (a local relay only)
    username = "sklep@kubkowo.pl"
    password = "…"

>>> build_notifier({"transport": "log"})
LogNotifier(logger='ecomflow.messages')
>>> build_notifier({"transport": "smtp"})
Traceback (most recent call last):
...
ecomflow.errors.ConfigurationError: The [notify] settings are not right:
[notify] host: Field required
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from ecomflow.errors import ConfigurationError
from ecomflow.notify.messages import Notifier
from ecomflow.notify.notifiers import LogNotifier
from ecomflow.notify.settings import LogSettings, NotifierSettings, SmtpSettings, WebhookSettings
from ecomflow.notify.smtp import SmtpNotifier
from ecomflow.notify.webhook import WebhookNotifier

__all__ = ["build_notifier", "notifier_settings"]

_MODELS: dict[str, type[BaseModel]] = {
    "smtp": SmtpSettings,
    "webhook": WebhookSettings,
    "log": LogSettings,
}


def notifier_settings(data: Mapping[str, Any], *, section: str = "notify") -> NotifierSettings:
    """The settings model for the ``[notify]`` table ``data``.

    Raises :class:`~ecomflow.errors.ConfigurationError` naming every missing,
    wrong or unknown key (values are not repeated: they may be secrets).
    """
    transport = data.get("transport")
    model = _MODELS.get(transport) if isinstance(transport, str) else None
    if model is None:
        raise ConfigurationError(
            f"[{section}] transport must be 'smtp', 'webhook' or 'log' (got {transport!r})."
        )
    try:
        settings = model.model_validate(dict(data))
    except ValidationError as exc:
        problems = [
            f"[{section}] {'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ConfigurationError(
            f"The [{section}] settings are not right:\n" + "\n".join(problems)
        ) from None
    assert isinstance(settings, SmtpSettings | WebhookSettings | LogSettings)
    return settings


def build_notifier(settings: NotifierSettings | Mapping[str, Any]) -> Notifier:
    """The notifier for ``settings`` (a settings model, or the ``[notify]`` table as read)."""
    if not isinstance(settings, SmtpSettings | WebhookSettings | LogSettings):
        settings = notifier_settings(settings)
    if isinstance(settings, SmtpSettings):
        return SmtpNotifier(settings)
    if isinstance(settings, WebhookSettings):
        return WebhookNotifier(settings)
    return LogNotifier()
