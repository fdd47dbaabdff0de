"""Proactive customer messages (pl first, en too) and the customer-facing status wording."""

from ecomflow.notify.catalog import LANGUAGES, catalog, language_of
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
    "ConsoleNotifier",
    "DelayReason",
    "JournalNotifier",
    "Message",
    "MessageKind",
    "Notifier",
    "RecordingNotifier",
    "ShopLinks",
    "catalog",
    "language_of",
    "render",
    "tracking_status_text",
]
