"""Issue 16 item 20: postcodes, tax ids and EANs accept only ASCII digits.

Python's ``\\d`` matches every Unicode digit (fullwidth ``０``, Arabic-Indic
``٠``…) and ``[A-Z]`` with ``re.IGNORECASE`` matches the Kelvin sign ``K``
(U+212A) and the long s ``ſ`` (U+017F). A label printer, a carrier API or
the tax office takes none of them, so each must be a finding.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecomflow.checks import POSTCODE_FORMATS, check_address, check_ean, check_order
from ecomflow.orders import Address, InvoiceRequest
from ecomflow.testing import sample_order

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def postcode_codes(postcode: str, country: str) -> list[str]:
    address = Address(name="A", street="S 1", city="C", postcode=postcode, country=country)
    return [f.code for f in check_address(address, "a", phone_required=False)]


@pytest.mark.parametrize(
    ("country", "good"),
    [
        ("PL", "00-950"),
        ("DE", "10115"),
        ("CZ", "110 00"),
        ("SK", "811 01"),
        ("LT", "LT-01100"),
        ("FR", "75008"),
        ("NL", "1012 JS"),
        ("GB", "SW1A 1AA"),
        ("IT", "00184"),
    ],
)
@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC], ids=["fullwidth", "arabic-indic"])
def test_item20_non_ascii_digits_are_an_invalid_postcode(
    country: str, good: str, digits: dict[int, str]
) -> None:
    assert postcode_codes(good, country) == []
    assert postcode_codes(good.translate(digits), country) == ["address.postcode"]


def test_item20_the_seed_example_in_fullwidth_is_invalid() -> None:
    assert postcode_codes("００-９５０", "PL") == ["address.postcode"]


@pytest.mark.parametrize(
    ("country", "postcode"),
    [
        ("GB", "\u212at1 1AA"),  # Kelvin sign K, folds to "k" under re.IGNORECASE
        ("GB", "\u017fW1A 1AA"),  # long s, folds to "s"
        ("NL", "1012 J\u017f"),
        ("IT", "\u212a0184"),
    ],
)
def test_item20_letters_that_only_fold_to_ascii_are_invalid(country: str, postcode: str) -> None:
    assert postcode_codes(postcode, country) == ["address.postcode"]


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x80, blacklist_categories=("Cs",)),
        min_size=1,
        max_size=8,
    )
)
def test_item20_a_non_ascii_character_is_never_a_valid_pl_postcode(junk: str) -> None:
    assert postcode_codes(f"00-95{junk}", "PL") == ["address.postcode"]
    assert postcode_codes(f"{junk}0-950", "PL") == ["address.postcode"]


def test_item20_no_pattern_uses_unicode_classes() -> None:
    for pattern, _ in POSTCODE_FORMATS.values():
        assert "\\d" not in pattern and "\\w" not in pattern, pattern
        assert re.fullmatch(r"[\x20-\x7e]*", pattern), pattern


def test_item20_tax_id_with_fullwidth_digits_is_invalid() -> None:
    order = sample_order()
    order.invoice = InvoiceRequest(company="ACME sp. z o.o.", nip="7740001454".translate(FULLWIDTH))
    codes = [f.code for f in check_order(order)]
    assert codes == ["invoice.nip_invalid"]
    order.invoice = InvoiceRequest(company="ACME sp. z o.o.", nip="774-000-14-54")
    assert check_order(order) == []


def test_item20_ean_with_fullwidth_digits_is_invalid() -> None:
    assert check_ean("5901234123457", "ean") == []
    (finding,) = check_ean("5901234123457".translate(FULLWIDTH), "ean")
    assert finding.code == "ean.invalid"


def test_item20_a_vat_prefix_that_only_upper_cases_to_ascii_is_invalid() -> None:
    order = sample_order()
    order.invoice = InvoiceRequest(company="ACME", nip="\u0131e6388047V")  # dotless i: "IE…"
    assert [f.code for f in check_order(order)] == ["invoice.nip_invalid"]
