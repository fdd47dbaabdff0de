"""OAuth 1.0a over plain HTTP, checked against oauthlib (an independent implementation).

WooCommerce's server (WC-src ``includes/class-wc-rest-authentication.php``
``check_oauth_signature``) builds the RFC 5849 signature base string with RFC 3986
(``rawurlencode``) encoding, so a request oauthlib signs is one WooCommerce accepts and
the other way round. The client's signatures are compared with oauthlib's and verified by
oauthlib's own verifier; FakeWooCommerce's PHP-style check is checked against requests
oauthlib signed, so the fake cannot simply agree with the client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import pytest
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY
from oauthlib.oauth1 import Client as OAuthClient
from oauthlib.oauth1.rfc5849 import signature as rfc5849

from ecomflow.adapters.woocommerce import (
    WooCommerceClient,
    WooCommerceSettings,
    oauth_signature,
)
from ecomflow.errors import AuthenticationFailed
from ecomflow.http import RetryPolicy
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeWooCommerce

FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
URL = "http://shop.test/wp-json/wc/v3/products"

AWKWARD = [
    {"sku": "KUB/RED"},
    {"search": "kubek czerwony"},
    {"sku": "1+1"},
    {"sku": "a~b"},
    {"search": "żółć & ąę = ?"},
    {"sku": "50%/OFF"},
    {"sku": "KUB/RED", "search": "a b+c", "per_page": "100", "page": "2"},
]


def oauthlib_signed(
    url: str,
    params: dict[str, str],
    *,
    method: str = "GET",
    key: str = "ck_test",
    secret: str = "cs_test",
    sha1: bool = False,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The query parameters oauthlib sends for a one-legged, query-signed request."""
    client = OAuthClient(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1 if sha1 else SIGNATURE_HMAC_SHA256,
        signature_type=SIGNATURE_TYPE_QUERY,
        timestamp=str(timestamp) if timestamp is not None else None,
    )
    query = urlencode(params, quote_via=quote)
    uri, _, _ = client.sign(f"{url}?{query}" if query else url, method)
    return dict(parse_qsl(urlsplit(uri).query, keep_blank_values=True))


@pytest.mark.parametrize("params", AWKWARD)
def test_the_signature_is_the_one_oauthlib_computes(params: dict[str, str]) -> None:
    signed = oauthlib_signed(URL, params)
    assert oauth_signature("GET", URL, signed, "cs_test") == signed["oauth_signature"]


@pytest.mark.parametrize("sku", ["KUB/RED", "kubek czerwony", "1+1", "a~b", "żółć & ą=?", "5%/X"])
def test_oauthlib_verifies_what_the_client_sends(sku: str) -> None:
    """Every request the client makes over HTTP passes oauthlib's HMAC-SHA256 verifier."""
    verified: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        every = dict(rfc5849.collect_parameters(uri_query=query, exclude_oauth_signature=False))
        check = OAuthRequest(str(request.url.copy_with(query=None)), request.method)
        check.params = rfc5849.collect_parameters(uri_query=query)  # without the signature
        check.signature = every["oauth_signature"]
        verified.append(rfc5849.verify_hmac_sha256(check, client_secret="cs_test"))
        assert every["oauth_consumer_key"] == "ck_test"
        return httpx.Response(200, json=[], headers={"X-WP-TotalPages": "0"})

    settings = WooCommerceSettings(
        url="http://shop.test", consumer_key="ck_test", consumer_secret="cs_test", allow_http=True
    )
    client = WooCommerceClient(settings, retry=FAST, transport=httpx.MockTransport(handler))
    result = client.publish_stock([StockUpdate(channel="woocommerce", sku=sku, quantity=1)])
    assert list(result.warnings) == [sku]  # unknown here; the point is the requests
    assert len(verified) == 2 and all(verified)  # ?sku=…, then the catalogue


@pytest.fixture
def fake() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as server:
        yield server


def _get(fake: FakeWooCommerce, path: str, query: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{fake.url}{path}", params=query, timeout=5)


@pytest.mark.parametrize("params", AWKWARD)
@pytest.mark.parametrize("sha1", [False, True])
def test_the_fake_accepts_what_oauthlib_signs(
    fake: FakeWooCommerce, params: dict[str, str], sha1: bool
) -> None:
    path = "/wp-json/wc/v3/products"
    signed = oauthlib_signed(fake.url + path, params, sha1=sha1)
    assert _get(fake, path, signed).status_code == 200


def test_the_fake_refuses_what_woocommerce_refuses(fake: FakeWooCommerce) -> None:
    path = "/wp-json/wc/v3/products"
    signed = oauthlib_signed(fake.url + path, {"sku": "KUB/RED"})
    tampered = {**signed, "sku": "KUB/BLUE"}
    refused = _get(fake, path, tampered)
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_authentication_error"
    assert _get(fake, path, signed).status_code == 200
    assert _get(fake, path, signed).json()["message"].startswith("Invalid nonce")  # replay
    stale = oauthlib_signed(fake.url + path, {}, timestamp=int(time.time()) - 20 * 60)
    assert _get(fake, path, stale).json()["message"] == "Invalid timestamp."
    wrong = oauthlib_signed(fake.url + path, {"sku": "A"}, secret="nope")
    assert _get(fake, path, wrong).json()["message"] == (
        "Invalid signature - provided signature does not match."
    )
    partial = {k: v for k, v in signed.items() if k != "oauth_nonce"}
    assert _get(fake, path, partial).json()["code"] == (
        "woocommerce_rest_authentication_missing_parameter"
    )
    assert _get(fake, path, {}).status_code == 401  # no credentials over plain HTTP


def _quote_signed(fake: FakeWooCommerce, path: str, params: dict[str, str]) -> dict[str, str]:
    """The earlier client's signature: ``quote`` keeps ``/`` (what issue 16 item 3 found)."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import unquote

    oauth = {
        "oauth_consumer_key": fake.key,
        "oauth_timestamp": str(int(time.time())),
        "oauth_nonce": "n" + str(time.time_ns()),
        "oauth_signature_method": "HMAC-SHA256",
    }
    every = {**params, **oauth}

    def norm(value: str) -> str:
        return quote(unquote(value)).replace("%", "%25")

    pairs = "%26".join(f"{norm(k)}%3D{norm(v)}" for k, v in sorted(every.items()))
    base = f"GET&{quote(fake.url + path, '')}&{pairs}"
    mac = hmac.new(f"{fake.secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return {**every, "oauth_signature": base64.b64encode(mac).decode()}


def test_the_fake_refuses_a_slash_signed_with_quote(fake: FakeWooCommerce) -> None:
    path = "/wp-json/wc/v3/products"
    assert _get(fake, path, _quote_signed(fake, path, {"sku": "KUB"})).status_code == 200
    assert _get(fake, path, _quote_signed(fake, path, {"sku": "KUB/RED"})).status_code == 401


def test_a_sku_with_a_slash_is_published(fake: FakeWooCommerce) -> None:
    """Issue 16 item 3: ``KUB/RED`` got 401 because ``/`` was signed unencoded."""
    fake.add_product("KUB/RED", 0)
    fake.add_product("ŻÓŁW 1+1 ~", 0)
    settings = WooCommerceSettings(
        url=fake.url, consumer_key=fake.key, consumer_secret=fake.secret, allow_http=True
    )
    client = WooCommerceClient(settings, retry=FAST)
    result = client.publish_stock(
        [
            StockUpdate(channel="woocommerce", sku="KUB/RED", quantity=5),
            StockUpdate(channel="woocommerce", sku="ŻÓŁW 1+1 ~", quantity=6),
        ]
    )
    assert (result.updated, result.warnings) == (2, {})
    assert fake.stock_of("KUB/RED") == 5 and fake.stock_of("ŻÓŁW 1+1 ~") == 6


def test_every_retry_is_signed_afresh(fake: FakeWooCommerce) -> None:
    """A lost answer is retried with a new nonce; the shop refuses a nonce it saw."""
    fake.add_order()
    settings = WooCommerceSettings(
        url=fake.url, consumer_key=fake.key, consumer_secret=fake.secret, allow_http=True
    )
    client = WooCommerceClient(settings, retry=FAST)
    fake.inject("list_orders", "drop_after_write")
    assert len(client.fetch_orders().orders) == 1
    assert fake.calls["list_orders"] == 2


def test_a_wrong_secret_is_authentication_failed(fake: FakeWooCommerce) -> None:
    settings = WooCommerceSettings(
        url=fake.url, consumer_key=fake.key, consumer_secret="wrong", allow_http=True
    )
    with pytest.raises(AuthenticationFailed, match="Invalid signature") as info:
        WooCommerceClient(settings, retry=FAST).fetch_orders()
    assert "wrong" not in str(info.value)
