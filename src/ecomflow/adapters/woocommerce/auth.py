"""WooCommerce REST authentication: HTTP Basic over HTTPS, one-legged OAuth 1.0a over HTTP.

Over HTTPS the consumer key and secret go as HTTP Basic (reference B1;
WC-src ``includes/class-wc-rest-authentication.php`` ``perform_basic_authentication``,
which runs only when ``is_ssl()``). Over plain HTTP WooCommerce accepts only
one-legged OAuth 1.0a (``perform_oauth_authentication``): the parameters
``oauth_consumer_key``, ``oauth_timestamp`` (within 15 minutes of the server's
clock), ``oauth_nonce`` (never reused), ``oauth_signature_method``
(``HMAC-SHA1`` or ``HMAC-SHA256``) and ``oauth_signature``, here in the query
string; the body is not signed.

The server rebuilds the signature in ``check_oauth_signature``:
``METHOD & rawurlencode(home URL + path) & `` the parameters sorted by name
(``uksort(..., 'strcmp')``), each name and value ``rawurlencode``-d
(``normalize_parameters`` → ``wc_rest_urlencode_rfc3986`` in
``includes/wc-rest-functions.php``), each ``name=value`` pair encoded once more
(``join_with_equals_sign``) and the pairs joined with ``%26``; the key is the
consumer secret followed by ``&``. That is RFC 5849 §3.4.1 with RFC 3986
percent-encoding: everything but ``A-Z a-z 0-9 - . _ ~`` is encoded, ``/``
included (PHP's ``rawurlencode``). Python's ``quote`` keeps ``/`` by default,
which is why a SKU like ``KUB/RED`` used to get a 401.

>>> rfc3986("KUB/RED 1+1~ż")
'KUB%2FRED%201%2B1~%C5%BC'
>>> signature_base_string("get", "http://shop.test/wp-json/wc/v3/products",
...                       {"sku": "KUB/RED", "oauth_nonce": "n"})
'GET&http%3A%2F%2Fshop.test%2Fwp-json%2Fwc%2Fv3%2Fproducts&oauth_nonce%3Dn%26sku%3DKUB%252FRED'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Literal
from urllib.parse import quote

__all__ = [
    "SIGNATURE_METHODS",
    "basic_authorization",
    "oauth_query",
    "oauth_signature",
    "rfc3986",
    "signature_base_string",
]

#: The signature methods WooCommerce accepts (WC-src ``check_oauth_signature``).
SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256")

SignatureMethod = Literal["HMAC-SHA1", "HMAC-SHA256"]


def rfc3986(value: str) -> str:
    """Percent-encode ``value`` as PHP's ``rawurlencode`` does (RFC 3986, UTF-8).

    Only the unreserved characters ``A-Z a-z 0-9 - . _ ~`` stay as they are.
    """
    return quote(value, safe="")


def signature_base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """The OAuth 1.0a signature base string WooCommerce compares (see the module docstring).

    ``url`` is the request URL without its query (the shop's home URL and the
    path); ``params`` are the query parameters as the server decodes them
    (each name once), ``oauth_signature`` excluded.
    """
    pairs = sorted((k, v) for k, v in params.items() if k != "oauth_signature")
    joined = "%26".join(rfc3986(f"{rfc3986(k)}={rfc3986(v)}") for k, v in pairs)
    return f"{method.upper()}&{rfc3986(url)}&{joined}"


def oauth_signature(
    method: str,
    url: str,
    params: Mapping[str, str],
    secret: str,
    *,
    signature_method: SignatureMethod = "HMAC-SHA256",
) -> str:
    """The base64 HMAC signature of the request, keyed with ``secret + "&"``."""
    digest = hashlib.sha256 if signature_method == "HMAC-SHA256" else hashlib.sha1
    base = signature_base_string(method, url, params)
    mac = hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def oauth_query(
    method: str,
    url: str,
    query: Mapping[str, str],
    *,
    key: str,
    secret: str,
    clock: Callable[[], float] = time.time,
    nonce: str | None = None,
) -> dict[str, str]:
    """``query`` plus the signed OAuth 1.0a parameters, for one request attempt.

    A fresh nonce every call: WooCommerce refuses a nonce it has seen (WC-src
    ``check_oauth_timestamp_and_nonce``), so a retry must be signed again.
    ``oauth_version`` is left out as the WooCommerce docs ask (reference B1).
    """
    oauth = {
        "oauth_consumer_key": key,
        "oauth_timestamp": str(int(clock())),
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA256",
    }
    signed = {**query, **oauth}
    signed["oauth_signature"] = oauth_signature(method, url, signed, secret)
    return signed


def basic_authorization(key: str, secret: str) -> str:
    """The ``Authorization`` header value for HTTP Basic with the consumer key and secret.

    >>> basic_authorization("ck", "cs")
    'Basic Y2s6Y3M='
    """
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
