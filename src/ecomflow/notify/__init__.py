"""Proactive customer messages (pl first, en too) and the customer-facing status wording."""

from ecomflow.notify.catalog import LANGUAGES, catalog, language_of
from ecomflow.notify.dates import LOCALES, Preposition, format_day
from ecomflow.notify.journal import JournalNotifier
from ecomflow.notify.messages import (
    ConsoleNotifier,
    DelayReason,
    Message,
    MessageKind,
    Notifier,
    RecordingNotifier,
    ShopLinks,
    render,
    tracking_status_text,
)

__all__ = [
    "LANGUAGES",
    "LOCALES",
    "ConsoleNotifier",
    "DelayReason",
    "JournalNotifier",
    "Message",
    "MessageKind",
    "Notifier",
    "Preposition",
    "RecordingNotifier",
    "ShopLinks",
    "catalog",
    "format_day",
    "language_of",
    "render",
    "tracking_status_text",
]
