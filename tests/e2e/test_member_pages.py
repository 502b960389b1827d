"""A member on their phone (390×844): in by a receipt's QR code or a code by
SMS, joining by the shop's poster, redeeming a coupon, turning SMS off."""

import io
import re
from decimal import Decimal

import pytest
import zxingcpp
from django.db import transaction
from PIL import Image

from automation.channels import MemorySmsBackend
from automation.messaging import queue_message, send_due_messages
from loyalty.sale import record_purchase
from members.models import Member, MessageTemplate, OutboundMessage
from points.models import LedgerEntry, Purchase
from rewards.models import Coupon
from tests.e2e.conftest import log_in
from tests.factories import (
    MemberFactory,
    TierFactory,
    coupon_reward,
    give_points,
    owner_user,
    staff_user,
)

PHONE_SIZE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _sms_kept_in_memory(settings):
    from django.core.cache import cache

    settings.SMS_BACKEND = "automation.channels.MemorySmsBackend"
    MemorySmsBackend.sent.clear()
    cache.clear()


@pytest.fixture
def phone(browser, live_server):
    """A member's phone: its own browser, no staff log-in."""
    context = browser.new_context(
        viewport=PHONE_SIZE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def scan(locator) -> str:
    """What a camera reads from the code on screen (a screenshot, zxing-cpp)."""
    picture = Image.open(io.BytesIO(locator.screenshot()))
    (found,) = zxingcpp.read_barcodes(picture)
    return found.text


def code_texted_to(phone_number) -> str:
    (text, *_rest) = reversed(MemorySmsBackend.texts_to(phone_number))
    return re.search(r"\b(\d{6})\b", text).group(1)


def _shop():
    TierFactory(rank=1, name="Member", retail_discount=Decimal("10"))
    return MemberFactory(name="陳美玲", phone="+886912345678")


def test_a_receipts_qr_code_opens_the_members_page(page, phone, transactional_db):
    member = _shop()
    sale = record_purchase(member=member, amount=Decimal("880"), idempotency_key="e2e-r-1")
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.goto(f"/points/counter/sales/{sale.pk}/receipt/")
    url = scan(page.locator("[data-receipt-link] svg"))

    phone.goto(url)
    phone.wait_for_selector("[data-member-card]")
    assert "陳美玲" in phone.inner_text("[data-member-card]")
    assert phone.inner_text("[data-balance]") == str(sale.points_earned)
    # The card's codes are what the counter's find box reads.
    assert scan(phone.locator("[data-card-qr] svg")) == member.member_number
    assert scan(phone.locator("[data-card-barcode] svg")) == member.member_number
    assert "/my/in/" not in phone.url  # the link is not left in the address bar


def test_signing_in_with_the_code_sent_by_sms(phone, transactional_db):
    member = _shop()
    phone.goto("/my/")
    phone.fill("input[name=phone]", "0912 345 678")
    phone.click("button[type=submit]")
    phone.wait_for_url(lambda url: "/my/sign-in/code/" in url)
    phone.fill("input[name=code]", code_texted_to(member.phone))
    phone.click("button[type=submit]")
    phone.wait_for_selector("[data-member-card]")
    assert "陳美玲" in phone.inner_text("[data-member-card]")


def test_five_wrong_codes_lock_the_phone(phone, transactional_db):
    member = _shop()
    phone.goto("/my/sign-in/")
    phone.fill("input[name=phone]", "0912345678")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/my/sign-in/code/")
    right = code_texted_to(member.phone)
    wrong = "000000" if right != "000000" else "111111"
    for tries_left in (4, 3, 2, 1):
        phone.fill("input[name=code]", wrong)
        phone.click("button[type=submit]")
        phone.wait_for_selector(f".errorlist:has-text('{tries_left} tr')")
    phone.fill("input[name=code]", wrong)
    phone.click("button[type=submit]")
    phone.wait_for_selector(".errorlist:has-text('Too many wrong codes')")
    # Locked for the period: the right code is refused, and so is a new one.
    phone.fill("input[name=code]", right)
    phone.click("button[type=submit]")
    phone.wait_for_selector(".errorlist:has-text('Too many wrong codes')")
    phone.goto("/my/sign-in/")
    phone.fill("input[name=phone]", "0912345678")
    phone.click("button[type=submit]")
    phone.wait_for_selector(".errorlist:has-text('Too many wrong codes')")
    assert len(MemorySmsBackend.texts_to(member.phone)) == 1
    assert "/my/sign-in/" in phone.url


def test_joining_by_the_posters_qr_code_creates_one_member(page, phone, transactional_db):
    TierFactory(rank=1, name="Member")
    owner_user(username="boss")
    log_in(page, "boss")
    page.goto("/members/pages/poster/")
    join_url = scan(page.locator("[data-poster-qr] svg"))
    assert join_url.endswith("/join/")

    phone.goto(join_url)
    phone.fill("input[name=phone]", "0933-111-222")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/join/details/")
    phone.fill("input[name=code]", code_texted_to("+886933111222"))
    phone.fill("input[name=name]", "王小明")
    phone.dblclick("[data-join-form] button[type=submit]")
    phone.wait_for_selector("[data-member-card]")
    assert "王小明" in phone.inner_text("[data-member-card]")
    assert Member.objects.filter(phone="+886933111222").count() == 1


def test_redeeming_a_coupon_on_the_phone_and_using_it_at_the_counter(page, phone, transactional_db):
    from portal.links import link_path

    member = _shop()
    give_points(member, 500)
    reward = coupon_reward(name="NT$50 off", points_cost=200, coupon_value=Decimal("50"))
    phone.goto(link_path(member))
    phone.click("nav.m-tabs a[href='/my/rewards/']")
    phone.click(f"[data-reward='{reward.pk}'] a")
    phone.dblclick("[data-redeem-form] button")
    phone.wait_for_selector("[data-coupon-qr] svg")
    code = scan(phone.locator("[data-coupon-qr] svg"))
    member.refresh_from_db()
    assert member.points_balance == 300  # spent once, whatever the double tap
    assert LedgerEntry.objects.filter(kind="reward_redeem").count() == 1

    staff_user(username="cashier")
    log_in(page, "cashier")
    page.wait_for_selector("#counter-find-form")
    page.keyboard.type("0912-345-678")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    page.wait_for_function("() => document.activeElement.name === 'amount'")
    page.keyboard.type("1000")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$900')")
    page.focus("input[name=coupon]")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$850')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sale-done")
    sale = Purchase.objects.get()
    assert sale.coupon_discount == Decimal("50.00")
    assert Coupon.objects.get().used_purchase == sale


def test_turning_sms_off_stops_the_outbox_sending_to_the_member(phone, transactional_db):
    from portal.links import link_path

    member = _shop()
    MessageTemplate.objects.get_or_create(
        purpose="expiry_reminder", channel="sms", language="en", defaults={"body": "{points}"}
    )
    with transaction.atomic():
        queue_message(
            member=member, purpose="expiry_reminder", context={"points": 5}, dedup_key="before"
        )
    phone.goto(link_path(member))
    phone.click("nav.m-tabs a[href='/my/profile/']")
    phone.uncheck("input[name=sms]")
    phone.click("form button[type=submit]:has-text('Save')")
    phone.wait_for_selector(".m-message:has-text('Saved.')")

    member.refresh_from_db()
    with transaction.atomic():
        queued = queue_message(
            member=member, purpose="expiry_reminder", context={"points": 5}, dedup_key="after"
        )
    assert queued == []
    send_due_messages()
    assert MemorySmsBackend.texts_to(member.phone) == []
    assert OutboundMessage.objects.get(dedup_key="before:sms").status == "skipped"
