"""HTML bodies, and the in-process notifiers: every send is recorded, duplicates stay visible."""

from __future__ import annotations

import io
import logging
from html.parser import HTMLParser

import pytest
from rich.console import Console

from ecomflow.notify import (
    ConsoleNotifier,
    JournalNotifier,
    LogNotifier,
    Message,
    MessageKind,
    Notifier,
    RecordingNotifier,
    ShopSettings,
    render,
)
from ecomflow.orders import ShipmentRef
from ecomflow.testing import sample_order

SHOP = ShopSettings(name="Kubkowo & Syn", sender_email="sklep@kubkowo.pl")
ODD_LINK = 'https://track.example/parcel?a=1&b="2"'


class _Tags(HTMLParser):
    """Collects the tags, hrefs and text of an HTML document (written for the tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.lines: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]
        if tag in ("br", "p", "li", "ul"):
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "ul"):
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        self.lines[-1] += data.strip("\n")

    def text_lines(self) -> list[str]:
        return [line for line in self.lines if line.strip()]


def _shipped(name: str = "Anna Nowak", link: str = ODD_LINK) -> Message:
    order = sample_order()
    order.customer.name = name
    order.shipment = ShipmentRef(carrier="dpd", tracking_number="0001", tracking_url=link)
    return render(MessageKind.SHIPPED, order, shop=SHOP)


def test_html_escapes_what_comes_from_the_order() -> None:
    message = _shipped(name="<script>alert(1)</script> Nowak")
    parsed = _Tags()
    parsed.feed(message.html)
    assert "script" not in parsed.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert parsed.text_lines()[1] == "Cześć <script>alert(1)</script>,"  # [0] is the title


def test_html_links_are_escaped_attributes() -> None:
    parsed = _Tags()
    parsed.feed(_shipped().html)
    assert parsed.hrefs == [ODD_LINK]


def test_html_says_what_the_plain_text_says() -> None:
    message = _shipped()
    parsed = _Tags()
    parsed.feed(message.html)
    plain = [line for line in message.body.splitlines() if line]
    assert parsed.text_lines()[1:] == plain  # the first is the <title>
    assert parsed.tags[:4] == ["html", "head", "meta", "title"]


def test_message_repr_carries_no_personal_data() -> None:
    message = _shipped()
    assert "anna@example.com" not in repr(message)
    assert "Anna" not in repr(message)


@pytest.mark.parametrize(
    "notifier",
    [RecordingNotifier(), ConsoleNotifier(Console(file=io.StringIO())), LogNotifier()],
    ids=["recording", "console", "log"],
)
def test_in_process_notifiers_are_notifiers(notifier: object) -> None:
    assert isinstance(notifier, Notifier)


def test_recording_notifier_shows_a_duplicate_send() -> None:
    notifier = RecordingNotifier()
    message = render(MessageKind.DELIVERED, sample_order())
    notifier.send(message)
    notifier.send(message)
    assert len(notifier.sent) == 2
    assert notifier.count(message.key) == 2
    assert notifier.duplicates() == {message.key: 2}
    assert notifier.by_kind() == {"delivered": 2}


def test_console_notifier_prints_every_send() -> None:
    out = io.StringIO()
    notifier = ConsoleNotifier(Console(file=out, width=120))
    message = render(MessageKind.DELIVERED, sample_order())
    notifier.send(message)
    notifier.send(message)
    assert out.getvalue().count("Zamówienie 1001 dostarczone") == 2
    assert notifier.duplicates() == {message.key: 2}


def test_journal_notifier_appends_every_send(tmp_path: object) -> None:
    from pathlib import Path

    journal = JournalNotifier(Path(str(tmp_path)) / "messages.jsonl")
    message = render(MessageKind.DELIVERED, sample_order())
    journal.send(message)
    journal.send(message)
    assert journal.keys() == [message.key, message.key]
    assert journal.duplicates() == {message.key: 2}


def test_log_notifier_logs_ids_only_at_info(caplog: pytest.LogCaptureFixture) -> None:
    order = sample_order()
    message = render(MessageKind.CONFIRMATION, order, shop=SHOP)
    with caplog.at_level(logging.DEBUG, logger="ecomflow.messages"):
        LogNotifier().send(message)
        LogNotifier().send(message)
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(info) == 2
    assert all(r.name == "ecomflow.messages" for r in caplog.records)
    for record in info:
        text = record.getMessage()
        assert order.id in text and "confirmation" in text and message.key in text
        assert record.order_id == order.id  # type: ignore[attr-defined]
        assert record.message_key == message.key  # type: ignore[attr-defined]
    everything = " ".join(r.getMessage() for r in caplog.records)
    for personal in ("anna@example.com", "Anna", "Nowak", "600 100 200", "+48"):
        assert personal not in everything
