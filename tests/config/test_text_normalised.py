"""Names and free text are kept in NFC without bidi, zero-width or control
characters, whichever door they come in by."""

from datetime import timedelta

import pytest
from django.urls import reverse

from campaigns.services import create_campaign
from config.clock import shop_today
from config.text import clean_text
from members.models import Member
from members.services import enrol_member, update_member
from portal.services import update_profile
from rewards.services import save_reward
from tests.factories import MemberFactory, RewardFactory, TierFactory
from tiers.programme import save_tier

SPOOF = "\u202eAnna\u200b \u2066Lee\u2069\x07"


def test_clean_text_removes_what_nobody_sees():
    assert clean_text(SPOOF) == "Anna Lee"
    assert clean_text("e\u0301") == "\u00e9"  # NFC
    assert clean_text("\ufeff陳\u200d美玲\u200e") == "陳美玲"
    assert clean_text("  a\tb\r\nc ") == "a b c"


def test_clean_text_keeps_the_lines_of_notes():
    assert clean_text("first\u202e line \r\nsecond\x00\n\nthird", multiline=True) == (
        "first line\nsecond\n\nthird"
    )


def test_counter_enrolment_normalises_the_name(staff_client, tiers):
    response = staff_client.post(
        reverse("counter:enrol"),
        {"enrol-phone": "0933111222", "enrol-name": SPOOF},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Member.objects.get().name == "Anna Lee"


def test_a_name_of_invisible_characters_only_is_refused(tiers):
    from config.errors import LoyaltyError

    with pytest.raises(LoyaltyError) as refused:
        enrol_member(phone="0933111222", name="\u202e\u200b")
    assert refused.value.field == "name"


def test_member_form_normalises_name_and_notes(owner_client, tiers):
    response = owner_client.post(
        reverse("members:create"),
        {"phone": "0933111223", "name": SPOOF, "notes": "likes\u202e tea\r\nno sugar"},
    )
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.name, member.notes) == ("Anna Lee", "likes tea\nno sugar")


def test_member_update_and_portal_profile_normalise(tiers):
    member = MemberFactory()
    update_member(member=member, name=SPOOF, notes="\u200bnote")
    member.refresh_from_db()
    assert (member.name, member.notes) == ("Anna Lee", "note")
    update_profile(
        member=member,
        name="\u202eBob",
        email="",
        birthday=None,
        sms=True,
        email_messages=False,
        language="",
    )
    member.refresh_from_db()
    assert member.name == "Bob"


def test_tier_names_are_normalised(owner):
    only = TierFactory(rank=1, name="Member")
    tier = save_tier(tier=only, by=owner, name="\u202eGold\u200b", benefits="a\u200b\nb")
    assert (tier.name, tier.benefits) == ("Gold", "a\nb")


def test_reward_and_campaign_names_are_normalised(tiers, owner):
    reward = RewardFactory.build(name="\u2067Mug\u2069", description="x\u202e\ny")
    save_reward(reward=reward, by=owner)
    reward.refresh_from_db()
    assert (reward.name, reward.description) == ("Mug", "x\ny")
    today = shop_today()
    campaign = create_campaign(
        by=owner,
        name="\u202eDouble",
        description="\x1b[31m",
        starts_on=today,
        ends_on=today + timedelta(days=3),
        multiplier=2,
    )
    assert (campaign.name, campaign.description) == ("Double", "[31m")


def test_reasons_and_key_names_are_normalised(tiers, owner, staff):
    """A points adjustment's and a refund's reason (the member reads them in
    their history) and an API key's name (it names what the till records)."""
    from api.keys import create_api_key
    from counter.services import refund_sale
    from loyalty.sale import record_purchase
    from points.behaviour import adjust_points

    member = MemberFactory()
    entry = adjust_points(member=member, points=50, reason=SPOOF, idempotency_key="adj-1", by=owner)
    assert entry.reason == "Anna Lee"
    sale = record_purchase(member=member, amount="100", idempotency_key="s-1", by=staff)
    refund = refund_sale(
        purchase=sale, by=owner, idempotency_key="r-1", amount=None, reason="\u202eBroken\x07"
    )
    assert refund.reason == "Broken"
    api_key, _text = create_api_key(name="\u202eTill\u200b 1", scopes=["sell"], by=owner)
    assert api_key.name == "Till 1"
    assert api_key.user.first_name == "Till 1"
