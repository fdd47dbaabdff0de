"""Proactive customer messages (pl first, en too) and the customer-facing status wording."""

from ecomflow.notify.build import build_notifier, notifier_settings
from ecomflow.notify.catalog import LANGUAGES, catalog, language_of
from ecomflow.notify.dates import LOCALES, Preposition, format_day
from ecomflow.notify.findings import FindingLike, describe_finding
from ecomflow.notify.journal import JournalNotifier
from ecomflow.notify.messages import (
    DelayReason,
    Message,
    MessageKind,
    Notifier,
    render,
    tracking_status_text,
)
from ecomflow.notify.notifiers import (
    MESSAGES_LOGGER,
    ConsoleNotifier,
    LogNotifier,
    RecordingNotifier,
)
from ecomflow.notify.settings import (
    CARRIER_NAMES,
    EmailAddress,
    HttpLink,
    LogSettings,
    NotifierSettings,
    ShopSettings,
    SmtpSettings,
    WebhookSettings,
    carrier_name,
)
from ecomflow.notify.smtp import SmtpNotifier, email_message, message_id
from ecomflow.notify.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    webhook_payload,
    webhook_signature,
)

__all__ = [
    "CARRIER_NAMES",
    "LANGUAGES",
    "LOCALES",
    "MESSAGES_LOGGER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "ConsoleNotifier",
    "DelayReason",
    "EmailAddress",
    "FindingLike",
    "HttpLink",
    "JournalNotifier",
    "LogNotifier",
    "LogSettings",
    "Message",
    "MessageKind",
    "Notifier",
    "NotifierSettings",
    "Preposition",
    "RecordingNotifier",
    "ShopSettings",
    "SmtpNotifier",
    "SmtpSettings",
    "WebhookNotifier",
    "WebhookSettings",
    "build_notifier",
    "carrier_name",
    "catalog",
    "describe_finding",
    "email_message",
    "format_day",
    "language_of",
    "message_id",
    "notifier_settings",
    "render",
    "tracking_status_text",
    "webhook_payload",
    "webhook_signature",
]
