"""The pickup slip: a one-page A6 PDF written by hand (no PDF library needed).

The PDF uses the two standard Helvetica fonts every viewer has, with
WinAnsiEncoding (PDF 32000-1:2008, 9.6.2.2 and Annex D); a character that
encoding lacks (``ł``, ``ą``…) is printed without its accent. The file is
deterministic: the same slip gives the same bytes.

>>> pdf = render_slip(code="K7M2-Q9XA", reference="shop-1001", shop_name="Sklep Łąka")
>>> pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
True
>>> b"(K7M2-Q9XA)" in pdf and b"(Sklep Laka)" in pdf
True
"""

from __future__ import annotations

import textwrap
import unicodedata

__all__ = ["render_slip", "to_pdf_text"]

_WIDTH, _HEIGHT = 298, 420  # A6 in points (105 × 148 mm)
_MARGIN = 22
_SPECIAL = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss"}


def to_pdf_text(text: str) -> bytes:
    r"""``text`` as a PDF string body in WinAnsiEncoding, escaped.

    >>> to_pdf_text("Odbiór (osobisty) ł\\")
    b'Odbi\xf3r \\(osobisty\\) l\\\\'
    """
    out = bytearray()
    for char in text.replace("\r", " ").replace("\n", " ").replace("\t", " "):
        try:
            encoded = char.encode("cp1252")
        except UnicodeEncodeError:
            plain = _SPECIAL.get(char) or "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                encoded = plain.encode("cp1252") if plain else b"?"
            except UnicodeEncodeError:
                encoded = b"?"
        if encoded in (b"(", b")", b"\\"):
            encoded = b"\\" + encoded
        elif encoded and encoded[0] < 32:
            encoded = b" "
        out += encoded
    return bytes(out)


def _lines(
    *,
    code: str,
    reference: str,
    shop_name: str,
    location: str,
    opening_hours: str,
) -> list[tuple[str, int, str]]:
    """(font, size, text) lines from the top of the slip."""
    lines: list[tuple[str, int, str]] = []
    if shop_name:
        lines.append(("F2", 13, shop_name))
    lines.append(("F2", 11, "ODBIÓR OSOBISTY / PICKUP SLIP"))
    lines.append(("F1", 9, ""))
    lines.append(("F1", 9, "Kod odbioru / Pickup code:"))
    lines.append(("F2", 28, code))
    lines.append(("F1", 9, ""))
    lines += [("F1", 10, part) for part in textwrap.wrap(f"Zamówienie / Order: {reference}", 46)]
    for label, value in (("Miejsce / Where", location), ("Godziny / Hours", opening_hours)):
        if value:
            lines += [("F1", 10, part) for part in textwrap.wrap(f"{label}: {value}", 46)]
    lines.append(("F1", 9, ""))
    lines.append(("F1", 9, "Wydano / Handed over: ____ . ____ . ________"))
    lines.append(("F1", 9, ""))
    lines.append(("F1", 9, "Podpis / Signature: ______________________"))
    return lines


def render_slip(
    *,
    code: str,
    reference: str,
    shop_name: str = "",
    location: str = "",
    opening_hours: str = "",
) -> bytes:
    """The slip as PDF bytes (A6 portrait)."""
    content = bytearray()
    y = _HEIGHT - _MARGIN
    for font, size, text in _lines(
        code=code,
        reference=reference,
        shop_name=shop_name,
        location=location,
        opening_hours=opening_hours,
    ):
        y -= size + 4
        if text:
            content += b"BT /%s %d Tf %d %d Td (%s) Tj ET\n" % (
                font.encode(),
                size,
                _MARGIN,
                max(y, _MARGIN),
                to_pdf_text(text),
            )
    return _document(bytes(content))


def _document(content: bytes) -> bytes:
    """A minimal PDF 1.4 file with one page showing ``content`` (PDF 32000-1, 7.5)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>" % (_WIDTH, _HEIGHT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Title (Pickup slip) /Producer (ecomflow) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
