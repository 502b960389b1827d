"""Merging two records of one person: everything moves, balances add, nothing is deleted."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import LoyaltyError
from members.models import Member, MemberMerge
from members.services import merge_members
from points.models import LedgerEntry, Purchase
from points.selectors import ledger_mismatches, lot_mismatches
from tests.factories import MemberFactory


def _lot(member, points, key, expires_on=None):
    member.points_balance += points
    member.save(update_fields=["points_balance"])
    return LedgerEntry.objects.create(
        member=member,
        kind=LedgerEntry.Kind.PURCHASE_EARN,
        points=points,
        remaining=points,
        expires_on=expires_on,
        created_at=timezone.now(),
        idempotency_key=key,
    )


def _sale(member, amount, key):
    member.lifetime_spend += amount
    member.purchase_count += 1
    member.last_purchase_at = timezone.now()
    member.save()
    return Purchase.objects.create(
        member=member,
        idempotency_key=key,
        created_at=timezone.now(),
        gross_amount=amount,
        amount_paid=amount,
    )


@pytest.fixture
def pair(tiers):
    keep = MemberFactory(name="陳美玲", phone="+886912345678", email="")
    absorb = MemberFactory(
        name="陳美玲", phone="+886922345678", email="mei@example.com", birthday=date(1990, 1, 2)
    )
    return keep, absorb


def test_merge_moves_ledger_sales_and_referrals_and_adds_balances(pair, owner):
    keep, absorb = pair
    _lot(keep, 100, "k1")
    expiry = date.today() + timedelta(days=30)
    lot = _lot(absorb, 250, "a1", expires_on=expiry)
    sale = _sale(absorb, Decimal("800"), "s1")
    _sale(keep, Decimal("200"), "s2")
    friend = MemberFactory(referred_by=absorb)

    merge = merge_members(keep=keep, absorb=absorb, by=owner, reason="same person")

    keep.refresh_from_db()
    absorb.refresh_from_db()
    lot.refresh_from_db()
    sale.refresh_from_db()
    friend.refresh_from_db()
    assert keep.points_balance == 350
    assert keep.points_balance == sum(keep.ledger_entries.values_list("points", flat=True))
    assert (lot.member, lot.remaining, lot.expires_on) == (keep, 250, expiry)
    assert sale.member == keep
    assert keep.lifetime_spend == Decimal("1000") and keep.purchase_count == 2
    assert friend.referred_by == keep
    assert keep.email == "mei@example.com" and keep.birthday == date(1990, 1, 2)
    # Nothing deleted: the absorbed record stays, blocked, with a note.
    assert absorb.status == Member.Status.BLOCKED
    assert absorb.points_balance == 0 and not absorb.ledger_entries.exists()
    assert keep.member_number in absorb.notes and "same person" in absorb.notes
    assert merge.points == 250 and merge.by == owner
    assert merge.moved["points.ledgerentry.member"] == 1
    assert merge.moved["points.purchase.member"] == 1
    assert merge.moved["members.member.referred_by"] == 1
    assert absorb.merged_into == merge
    assert not list(ledger_mismatches()) and not list(lot_mismatches())


def test_a_member_who_referred_the_other_does_not_end_up_referring_themselves(pair, owner):
    keep, absorb = pair
    keep.referred_by = absorb
    keep.save()
    merge_members(keep=keep, absorb=absorb, by=owner)
    keep.refresh_from_db()
    assert keep.referred_by is None


def test_cannot_merge_a_member_into_itself(pair, owner):
    keep, _absorb = pair
    with pytest.raises(LoyaltyError):
        merge_members(keep=keep, absorb=keep, by=owner)


def test_cannot_merge_twice(pair, owner):
    keep, absorb = pair
    merge_members(keep=keep, absorb=absorb, by=owner)
    with pytest.raises(LoyaltyError, match="already merged"):
        merge_members(keep=keep, absorb=absorb, by=owner)
    assert MemberMerge.objects.count() == 1


def test_merge_page_shows_both_then_merges(owner_client, pair):
    keep, absorb = pair
    url = reverse("members:merge", args=[keep.pk])
    assert owner_client.get(url).status_code == 200
    check = owner_client.post(url, {"other": absorb.member_number})
    assert check.status_code == 200
    assert absorb.member_number in check.content.decode()
    assert not MemberMerge.objects.exists()
    done = owner_client.post(url, {"other": absorb.member_number, "confirm": "True"})
    assert done.status_code == 302
    assert MemberMerge.objects.get().kept == keep


def test_merge_page_refuses_an_unknown_member(owner_client, pair):
    keep, _absorb = pair
    response = owner_client.post(reverse("members:merge", args=[keep.pk]), {"other": "999"})
    assert response.status_code == 400


def test_merge_page_is_owner_only(staff_client, pair):
    keep, absorb = pair
    url = reverse("members:merge", args=[keep.pk])
    assert staff_client.get(url).status_code == 403
    staff_client.post(url, {"other": absorb.member_number, "confirm": "True"})
    assert not MemberMerge.objects.exists()


def test_merge_link_from_the_import_fills_in_the_other_record(owner_client, pair):
    keep, absorb = pair
    url = reverse("members:merge", args=[keep.pk])
    response = owner_client.get(url, {"other": absorb.phone})
    assert f'value="{absorb.phone}"' in response.content.decode()
