"""The card's QR code and Code 128 barcode hold the member number, and the
counter's find box finds the member from what a scanner reads."""

import io
import re

import barcode
import segno
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image

from members.selectors import search_members
from portal.codes import code128_modules, code128_svg, qr_code, qr_svg


def _decode_png(data: bytes):
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))


def test_the_qr_code_reads_as_the_member_number_and_finds_the_member(member):
    buffer = io.BytesIO()
    qr_code(member.member_number).save(buffer, kind="png", scale=6, border=4)
    (found,) = _decode_png(buffer.getvalue())
    assert found.text == member.member_number
    assert list(search_members(found.text)) == [member]


def test_the_barcode_reads_as_the_member_number_and_finds_the_member(member):
    buffer = io.BytesIO()
    barcode.get("code128", member.member_number, writer=ImageWriter()).write(buffer)
    (found,) = _decode_png(buffer.getvalue())
    assert found.format == zxingcpp.BarcodeFormat.Code128
    assert found.text == member.member_number
    assert list(search_members(found.text)) == [member]


def test_the_svg_barcode_draws_the_libraries_modules(member):
    modules = code128_modules(member.member_number)
    svg = str(code128_svg(member.member_number))
    bars = re.findall(r"M(\d+) 0h(\d+)", svg)
    drawn = ["0"] * (len(modules) + 20)
    for x, width in bars:
        for i in range(int(x), int(x) + int(width)):
            drawn[i] = "1"
    assert "".join(drawn)[10:-10] == modules


def test_the_svg_qr_code_is_segnos(member):
    svg = str(qr_svg(member.member_number, label="card"))
    assert svg.startswith('<svg role="img" aria-label="card"')
    expected = segno.make_qr(member.member_number, error="m", mask=2).svg_inline(
        scale=1, border=4, omitsize=True
    )
    assert re.search(r'd="([^"]+)"', svg).group(1) == re.search(r'd="([^"]+)"', expected).group(1)


def test_a_label_cannot_inject_markup():
    assert "<script>" not in str(qr_svg("123", label="<script>"))


def test_the_cards_qr_code_on_the_page_finds_the_member(member_client, member):
    from django.urls import reverse

    from tests.portal.conftest import read_svg_qr

    body = member_client.get(reverse("portal:home")).content.decode()
    svg = re.search(r"data-card-qr>(<svg.*?</svg>)", body, re.S).group(1)
    assert list(search_members(read_svg_qr(svg))) == [member]
