from datetime import date, timedelta

import pytest
from django.urls import reverse

from config.clock import shop_today
from config.errors import LoyaltyError
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierChange
from tiers.services import evaluate_tiers, set_tier


def test_set_tier_by_hand_writes_history(salon, owner):
    member = MemberFactory()
    change = set_tier(member=member, tier=salon["gold"], reason="Celebrity client", by=owner)
    member.refresh_from_db()
    assert member.tier == salon["gold"]
    assert change.kind == TierChange.Kind.MANUAL
    assert change.from_tier == salon["member"]
    assert change.by == owner
    assert change.reason == "Celebrity client"


def test_set_tier_needs_a_reason(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        set_tier(member=MemberFactory(), tier=salon["gold"], reason="  ", by=owner)
    assert error.value.field == "reason"


def test_set_tier_refuses_a_past_pin(salon, owner):
    with pytest.raises(LoyaltyError) as error:
        set_tier(
            member=MemberFactory(),
            tier=salon["gold"],
            reason="VIP",
            pinned_until=shop_today() - timedelta(days=1),
            by=owner,
        )
    assert error.value.code == "pin_past"


def test_pinned_tier_is_a_floor(salon, owner):
    """Pinned to Silver: moves up to Gold with a sale, drops back to Silver,
    never to Member, while the pin lasts."""
    member = MemberFactory(joined_on=date(2026, 1, 1))
    set_tier(
        member=member,
        tier=salon["silver"],
        reason="Friend of the owner",
        pinned_until=date(2099, 1, 1),
        by=owner,
    )
    buy(member, "3500", at(date(2027, 1, 10)))  # pays 3,150 after Silver's 10 % off
    member.refresh_from_db()
    assert member.tier == salon["gold"]
    evaluate_tiers(as_of=date(2028, 1, 31))  # nothing bought for a year: grace
    member.refresh_from_db()
    assert member.tier == salon["gold"] and member.tier_grace_until is not None
    evaluate_tiers(as_of=date(2028, 6, 30))
    member.refresh_from_db()
    assert member.tier == salon["silver"]
    evaluate_tiers(as_of=date(2029, 6, 30))
    member.refresh_from_db()
    assert member.tier == salon["silver"]
    assert member.tier_grace_until is None


def test_page_works(owner_client, salon):
    member = MemberFactory()
    url = reverse("tiers:set_tier", args=[member.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url, {"tier": salon["silver"].pk, "reason": "Loyal since 2010", "pinned_until": ""}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.tier == salon["silver"]


def test_page_shows_the_refusal_next_to_the_field(owner_client, salon):
    member = MemberFactory()
    response = owner_client.post(
        reverse("tiers:set_tier", args=[member.pk]),
        {"tier": salon["member"].pk, "reason": "no change"},
    )
    assert response.status_code == 400
    assert "is already in Member" in response.content.decode()


def test_page_is_for_owners(staff_client, salon):
    member = MemberFactory()
    url = reverse("tiers:set_tier", args=[member.pk])
    assert staff_client.get(url).status_code == 403
    response = staff_client.post(url, {"tier": salon["gold"].pk, "reason": "x"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.tier == salon["member"]


def test_pin_holds_a_member_who_does_not_qualify_until_it_ends(salon, owner):
    member = MemberFactory()
    set_tier(
        member=member,
        tier=salon["silver"],
        reason="Opening-week promise",
        pinned_until=date(2027, 6, 30),
        by=owner,
    )
    for month_end in (date(2027, 1, 31), date(2027, 3, 31), date(2027, 6, 30)):
        evaluate_tiers(as_of=month_end)
        member.refresh_from_db()
        assert member.tier == salon["silver"] and member.tier_grace_until is None
    evaluate_tiers(as_of=date(2027, 7, 31))
    member.refresh_from_db()
    assert member.tier_grace_until == date(2027, 10, 29)
    evaluate_tiers(as_of=date(2027, 10, 31))
    member.refresh_from_db()
    assert member.tier == salon["member"]
    assert member.points_balance == 0
