"""Every receipt carries the member's personal link as a small QR code."""

import re
from decimal import Decimal

from django.urls import reverse

from loyalty.sale import record_purchase
from tests.portal.conftest import read_svg_qr


def test_the_receipt_shows_the_members_link(staff_client, member):
    sale = record_purchase(member=member, amount=Decimal("500"), idempotency_key="s-1")
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    assert "data-receipt-link" in body
    assert "Scan to see your points" in body


def test_the_link_in_the_qr_code_signs_the_member_in(staff_client, member):
    from django.test import Client

    sale = record_purchase(member=member, amount=Decimal("500"), idempotency_key="s-2")
    body = staff_client.get(reverse("counter:receipt", args=[sale.pk])).content.decode()
    svg = re.search(r"data-receipt-link>\s*(<svg.*?</svg>)", body, re.S).group(1)
    url = read_svg_qr(svg)
    assert url.startswith("http://testserver/my/in/")
    phone = Client()
    assert phone.get(url.removeprefix("http://testserver"))["Location"] == reverse("portal:home")
    assert "陳美玲" in phone.get(reverse("portal:home")).content.decode()
