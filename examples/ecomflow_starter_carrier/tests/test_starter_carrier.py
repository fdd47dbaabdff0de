"""The starter carrier plugin keeps the carrier contract and speaks the API of README.md.

Two kinds of truth: the conformance kit against ``FakeKurier`` (a stateful fake
that refuses what the API refuses), and — so that a fake written to agree with
its client cannot hide a mistake — the README's own examples, served by
``httpx.MockTransport`` and checked by hand-computed signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from ecomflow_starter_carrier import (
    PLUGIN,
    AsyncExampleCourierClient,
    ExampleCourierClient,
    ExampleCourierSettings,
)
from ecomflow_starter_carrier.fake import FakeKurier, signed
from ecomflow_starter_carrier.mapper import create_body

from ecomflow.adapters import ShipmentEvent, WebhookRequest, capabilities
from ecomflow.errors import (
    AuthenticationFailed,
    InvalidRequest,
    LabelNotReady,
    MappingError,
    RateLimited,
    RemoteAPIError,
    SignatureVerificationError,
    UnsupportedService,
    ValidationFailed,
)
from ecomflow.http import RetryPolicy
from ecomflow.shipping import Parcel, ShipmentRequest, TrackingStatus
from ecomflow.shipping.catalogue import Catalogue
from ecomflow.testing import sample_order
from ecomflow.testing.conformance import ShipmentProviderConformance

HERE = Path(__file__).resolve().parents[1]
TOKEN = "kp-secret-token-5150"
WEBHOOK_SECRET = "kp-webhook-secret-7"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.001, sleep=lambda s: None)
PARCEL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)


def shipment_request(
    reference: str = "shop-1001",
    service_id: str = "example_courier_standard",
    *,
    cod: bool = False,
    parcel: Parcel = PARCEL,
) -> ShipmentRequest:
    order = sample_order(reference.rsplit("-", 1)[-1], cod=cod)
    made = ShipmentRequest.from_order(order, [parcel], service_id=service_id)
    return made.model_copy(update={"reference": reference})


def settings(url: str, token: str = TOKEN) -> ExampleCourierSettings:
    return ExampleCourierSettings(token=token, url=url, webhook_secret=WEBHOOK_SECRET, timeout=2.0)


def readme_example(name: str) -> Any:
    """The JSON block after ``<!-- example: name -->`` in README.md (the API's spec)."""
    text = (HERE / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {re.escape(name)} -->\s*```json\n(.*?)```", text, re.S)
    assert found, f"README.md has no example {name!r}"
    return json.loads(found.group(1))


class TestExampleCourierConformance(ShipmentProviderConformance):
    """The carrier conformance kit against the fake API, sync and async."""

    secret = TOKEN

    def start_fake(self) -> FakeKurier:
        return FakeKurier(token=TOKEN, webhook_secret=WEBHOOK_SECRET).start()

    def make_client(self, fake: FakeKurier, *, secret: str | None = None) -> ExampleCourierClient:
        return ExampleCourierClient(settings(fake.url, secret or TOKEN), retry=FAST)

    def make_async_client(self, fake: FakeKurier) -> AsyncExampleCourierClient:
        return AsyncExampleCourierClient(settings(fake.url), retry=FAST)

    def request(self, reference: str, service_id: str) -> ShipmentRequest:
        return shipment_request(reference, service_id)

    def inject(self, fake: FakeKurier, route: str, kind: str | int, times: int = 1) -> None:
        fake.inject(route, kind, times=times)

    def shipments_with(self, fake: FakeKurier, reference: str) -> int:
        return fake.live_with(reference)

    def confirm(self, fake: FakeKurier, shipment_id: str) -> None:
        fake.confirm(shipment_id)

    def webhook_for(self, fake: FakeKurier, shipment_id: str) -> WebhookRequest:
        return fake.webhook(shipment_id)

    def untrusted_webhook(self, fake: FakeKurier, shipment_id: str) -> WebhookRequest:
        return fake.webhook(shipment_id, secret="not-the-secret")


# -- against the README (independent of the fake) ----------------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, **extra: Any) -> ExampleCourierClient:
    return ExampleCourierClient(
        settings("https://api.test"), retry=FAST, transport=httpx.MockTransport(handler), **extra
    )


class TestAgainstTheSpec:
    """The client against hand-written answers copied from README.md."""

    def test_the_create_body_is_the_documented_one(self) -> None:
        body = create_body(shipment_request(cod=True))
        assert body == readme_example("create-request")

    def test_create_looks_first_and_finds_the_live_shipment(self) -> None:
        seen: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
            return httpx.Response(200, json=readme_example("list-response"))

        made = mock_client(handler).create_shipment(shipment_request())
        assert made.id == "KP000123"  # the cancelled KP000124 is not live
        assert made.status is TrackingStatus.LABEL_READY
        assert made.tracking_number == "KP0000000123PL"
        assert seen == ["GET /v1/shipments?reference=shop-1001"]

    def test_a_lost_create_answer_is_found_by_looking_again(self) -> None:
        posts, lists = [], []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                posts.append(json.loads(request.content))
                raise httpx.ReadTimeout("the answer was lost", request=request)
            lists.append(request.url.params["reference"])
            if len(lists) == 1:
                return httpx.Response(200, json={"items": []})
            return httpx.Response(200, json={"items": [readme_example("create-response")]})

        made = mock_client(handler).create_shipment(shipment_request())
        assert made.id == "KP000124"
        assert made.status is TrackingStatus.CREATED
        assert len(posts) == 1  # never created twice
        assert lists == ["shop-1001", "shop-1001"]

    def test_first_attempt_creates_without_looking(self) -> None:
        calls: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request.method)
            return httpx.Response(201, json=readme_example("create-response"))

        made = mock_client(handler).create_shipment(shipment_request(), first_attempt=True)
        assert made.id == "KP000124"
        assert not made.confirmed
        assert calls == ["POST"]

    def test_a_refused_create_is_not_looked_for_again(self) -> None:
        calls: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request.method)
            if request.method == "GET":
                return httpx.Response(200, json={"items": []})
            return httpx.Response(422, json=readme_example("error-422"))

        with pytest.raises(InvalidRequest) as info:
            mock_client(handler).create_shipment(shipment_request())
        assert info.value.details["receiver.postcode"] == "NN-NNN"
        assert "NN-NNN" in str(info.value)
        assert calls == ["GET", "POST"]

    def test_a_wrong_token_is_authentication_failed(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(401, json=readme_example("error-401"))

        with pytest.raises(AuthenticationFailed) as info:
            mock_client(handler).get_shipment("KP000123")
        assert TOKEN not in str(info.value)

    def test_a_label_before_confirmation_is_not_ready(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(409, json={"error": "not_confirmed", "message": "not yet"})

        with pytest.raises(LabelNotReady):
            mock_client(handler).get_label("KP000124")

    def test_tracking_events_come_oldest_first(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.url.path == "/v1/tracking/KP0000000123PL"
            return httpx.Response(200, json=readme_example("tracking-response"))

        events = mock_client(handler).get_tracking("KP0000000123PL")
        assert [e.status for e in events] == [
            TrackingStatus.LABEL_READY,
            TrackingStatus.PICKED_UP,
            TrackingStatus.OUT_FOR_DELIVERY,
        ]
        assert events[-1].location == "Kraków"

    def test_bulk_reads_go_fifty_ids_per_call(self) -> None:
        asked: list[list[str]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            ids = request.url.params.get_list("id")
            asked.append(ids)
            shipment = readme_example("shipment")
            return httpx.Response(200, json={"items": [{**shipment, "id": i} for i in ids]})

        found = mock_client(handler).get_shipments([f"KP{n:06d}" for n in range(120)])
        assert [len(a) for a in asked] == [50, 50, 20]
        assert len(found) == 120

    def test_an_unreadable_shipment_is_a_mapping_error(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"id": "KP1", "status": 7})

        with pytest.raises(MappingError):
            mock_client(handler).get_shipment("KP1")

    def test_refused_before_any_call(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise AssertionError("no call expected")

        client = mock_client(handler)
        with pytest.raises(UnsupportedService):
            client.create_shipment(shipment_request(service_id="dpd_classic"))
        with pytest.raises(ValidationFailed):
            client.create_shipment(shipment_request(reference="12"))

    def test_tracking_url(self) -> None:
        client = mock_client(lambda r: httpx.Response(500))
        assert client.tracking_url("KP0000000123PL") == (
            "https://kurier-przykladowy.example/sledzenie/KP0000000123PL"
        )


def readme_signed(body: bytes, secret: str, stamp: int) -> WebhookRequest:
    """A delivery signed by hand, exactly as README.md's webhook table says."""
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "X-KP-Event": "shipment.status_changed",
        "X-KP-Delivery": "5f0c6c1e-0000-4000-8000-000000000001",
        "X-KP-Timestamp": str(stamp),
        "X-KP-Signature": base64.b64encode(mac).decode(),
    }
    return WebhookRequest(headers=headers, body=body)


class TestWebhooks:
    """Signed deliveries as README.md specifies them."""

    NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def client(self) -> ExampleCourierClient:
        return mock_client(lambda r: httpx.Response(500), clock=lambda: self.NOW)

    def test_a_signed_delivery_names_the_shipment(self) -> None:
        body = json.dumps(readme_example("webhook-body")).encode()
        stamp = int(self.NOW.timestamp()) - 30
        [event] = self.client().parse_webhook(readme_signed(body, WEBHOOK_SECRET, stamp))
        assert isinstance(event, ShipmentEvent)
        assert (event.shipment_id, event.tracking_number) == ("KP000123", "KP0000000123PL")
        assert event.delivery_id == "5f0c6c1e-0000-4000-8000-000000000001"

    def test_refused_when_it_cannot_be_trusted(self) -> None:
        body = json.dumps(readme_example("webhook-body")).encode()
        now = int(self.NOW.timestamp())
        client = self.client()
        for request in (
            readme_signed(body, "wrong-secret", now),
            readme_signed(body, WEBHOOK_SECRET, now - 301),  # a replay after 5 minutes
            WebhookRequest({**readme_signed(body, WEBHOOK_SECRET, now).headers}, body + b" "),
            WebhookRequest({"X-KP-Signature": "x"}, body),
        ):
            with pytest.raises(SignatureVerificationError):
                client.parse_webhook(request)
        unconfigured = ExampleCourierClient(ExampleCourierSettings(token=TOKEN))
        with pytest.raises(SignatureVerificationError, match="webhook_secret"):
            unconfigured.parse_webhook(readme_signed(body, WEBHOOK_SECRET, now))

    def test_a_ping_has_no_events_and_garbage_is_a_mapping_error(self) -> None:
        now = int(self.NOW.timestamp())
        client = self.client()
        assert (
            client.parse_webhook(signed(b'{"event": "ping"}', WEBHOOK_SECRET, timestamp=now)) == []
        )
        with pytest.raises(MappingError):
            client.parse_webhook(signed(b"\xff\xfe not json", WEBHOOK_SECRET, timestamp=now))


# -- the fake refuses what the API refuses ----------------------------------------------


@pytest.fixture
def fake() -> Any:
    with FakeKurier(token=TOKEN, webhook_secret=WEBHOOK_SECRET) as server:
        yield server


def test_the_fake_refuses_what_the_api_refuses(fake: FakeKurier) -> None:
    client = ExampleCourierClient(settings(fake.url), retry=FAST)
    heavy = Parcel(weight_kg="12", length_cm=30, width_cm=20, height_cm=6)
    with pytest.raises(InvalidRequest, match="at most 10 kg"):
        client.create_shipment(shipment_request(service_id="example_courier_express", parcel=heavy))
    assert client.create_shipment(shipment_request("shop-H1", parcel=heavy)).id  # standard: 31.5
    made = client.create_shipment(shipment_request("shop-P1"))
    fake.confirm(made.id)
    fake.advance(made.id, "picked_up", location="Kraków")
    with pytest.raises(InvalidRequest, match="courier has the parcel"):
        client.cancel_shipment(made.id)
    with pytest.raises(RemoteAPIError) as info:
        client.get_shipment("KP999999")
    assert info.value.status == 404
    too_many = httpx.get(
        f"{fake.url}/v1/shipments",
        params={"id": [str(n) for n in range(51)]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert too_many.status_code == 422
    raw = httpx.post(
        f"{fake.url}/v1/shipments",
        json={**readme_example("create-request"), "receiver": {"name": "A", "country": "DE"}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert raw.status_code == 422
    assert {"receiver.street", "receiver.country", "receiver.postcode"} <= set(
        raw.json()["details"]
    )


def test_the_fake_answers_in_the_documented_shape(fake: FakeKurier) -> None:
    made = httpx.post(
        f"{fake.url}/v1/shipments",
        json=readme_example("create-request"),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert made.status_code == 201
    assert set(made.json()) == set(readme_example("create-response"))
    fake.confirm(made.json()["id"])
    one = httpx.get(
        f"{fake.url}/v1/shipments/{made.json()['id']}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    assert set(one) == set(readme_example("shipment"))


def test_the_rate_limit_is_honoured_with_retry_after() -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    patient = RetryPolicy(attempts=4, jitter=0, sleep=sleep)
    with FakeKurier(token=TOKEN, rate_limit=1) as limited:
        client = ExampleCourierClient(settings(limited.url), retry=patient)
        made = client.create_shipment(shipment_request("shop-R0"), first_attempt=True)
        for _ in range(2):  # reads at 1 per second: 429s, each waited out and retried
            assert client.get_shipment(made.id).id == made.id
        assert slept
        assert set(slept) == {1.0}  # the Retry-After the fake sent
        limited.inject("create_shipment", 429)
        with pytest.raises(RateLimited):  # a create is not retried blindly; the caller retries
            client.create_shipment(shipment_request("shop-R1"), first_attempt=True)
        assert limited.live_with("shop-R1") == 0


def test_tracking_through_the_fake(fake: FakeKurier) -> None:
    client = ExampleCourierClient(settings(fake.url), retry=FAST)
    made = client.create_shipment(shipment_request())
    number = fake.confirm(made.id)
    fake.advance(made.id, "picked_up", at="2099-01-01T10:00:00Z")
    fake.advance(made.id, "delivered", at="2099-01-02T10:00:00Z")
    events = client.get_tracking(number)
    assert [e.status for e in events][-2:] == [TrackingStatus.PICKED_UP, TrackingStatus.DELIVERED]
    assert client.get_shipment(made.id).status is TrackingStatus.DELIVERED
    assert client.get_label(made.id).is_pdf


# -- packaging ---------------------------------------------------------------------------


def test_the_entry_point_and_the_catalogue() -> None:
    project = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["ecomflow.adapters"] == {
        "example_courier": "ecomflow_starter_carrier:PLUGIN"
    }
    catalogue = Catalogue.from_toml(HERE / "catalogue.toml")
    client = ExampleCourierClient(ExampleCourierSettings(token=TOKEN))
    assert {s.id for s in catalogue} == client.services()
    assert {s.carrier for s in catalogue} == {client.settings.carrier}
    assert capabilities(PLUGIN.client) == {
        "shipments",
        "shipment_listing",
        "tracking",
        "webhooks",
    }
