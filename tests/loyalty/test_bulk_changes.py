"""Bulk changes from the member list: a tier by hand, points added, export;
confirmed with the count, once per request, owners only."""

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from loyalty import bulk
from points.models import LedgerEntry
from tests.factories import MemberFactory, staff_user
from tiers.models import TierChange

URL = reverse("loyalty:bulk")


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def members(tiers):
    return [MemberFactory(name=f"M{n}", tier=tiers["member"]) for n in range(3)]


def _post(client, tiers, members=None, confirm=True, key="k1", follow=False, **fields):
    ticked = "&".join(f"member={m.pk}" for m in members or [])
    data = {
        "action": "tier",
        "tier": tiers["silver"].pk,
        "reason": "Promotion",
        "key": key,
        "selection": f"scope=ticked&{ticked}",
        **fields,
    }
    if confirm:
        data["confirm"] = "True"
    return client.post(URL, data, follow=follow)


def test_the_page_names_the_count_of_the_filtered_members(owner_client, members, tiers):
    MemberFactory(tier=tiers["gold"])
    response = owner_client.get(URL, {"tier": tiers["member"].pk, "scope": "all"})
    assert response.status_code == 200
    assert "Change 3 members" in response.content.decode()


def test_the_page_names_the_count_of_the_ticked_members(owner_client, members):
    response = owner_client.get(URL, {"scope": "ticked", "member": [members[0].pk, members[2].pk]})
    assert "Change 2 members" in response.content.decode()


def test_nobody_ticked_goes_back_to_the_list_saying_so(owner_client, members):
    response = owner_client.get(URL, {"scope": "ticked"}, follow=True)
    assert "No member is selected" in response.content.decode()


def test_check_asks_to_confirm_with_the_count_and_changes_nothing(owner_client, members, tiers):
    response = _post(owner_client, tiers, members, confirm=False)
    body = response.content.decode()
    assert "Put 3 members in Silver?" in body
    assert 'name="confirm" value="True"' in body
    assert not TierChange.objects.filter(kind=TierChange.Kind.MANUAL).exists()


def test_set_tier_writes_one_history_line_each(owner_client, members, tiers):
    response = _post(owner_client, tiers, members, pinned_until="2099-01-01")
    assert response.status_code == 302
    changes = TierChange.objects.filter(kind=TierChange.Kind.MANUAL)
    assert sorted(changes.values_list("member_id", flat=True)) == [m.pk for m in members]
    assert {(c.to_tier_id, c.reason, str(c.pinned_until)) for c in changes} == {
        (tiers["silver"].pk, "Promotion", "2099-01-01")
    }
    for member in members:
        member.refresh_from_db()
        assert member.tier == tiers["silver"]


def test_set_tier_again_with_the_same_request_changes_nobody_twice(owner_client, members, tiers):
    _post(owner_client, tiers, members)
    response = _post(owner_client, tiers, members, follow=True)
    assert "0 members changed. 3 already had this change" in response.content.decode()
    assert TierChange.objects.filter(kind=TierChange.Kind.MANUAL).count() == 3


def test_set_tier_reports_the_members_already_there(owner_client, members, tiers):
    members[0].tier = tiers["silver"]
    members[0].save()
    response = _post(owner_client, tiers, members, follow=True)
    assert "2 members changed. 1 already had this change" in response.content.decode()


def test_add_points_writes_one_ledger_entry_each(owner_client, members, tiers):
    response = _post(owner_client, tiers, members, action="points", points=120, follow=True)
    assert "3 members changed." in response.content.decode()
    entries = LedgerEntry.objects.filter(kind="adjustment")
    assert sorted(entries.values_list("member_id", "points")) == [(m.pk, 120) for m in members]
    assert set(entries.values_list("reason", flat=True)) == {"Promotion"}
    for member in members:
        member.refresh_from_db()
        assert member.points_balance == 120


def test_add_points_retried_gives_no_second_entry(owner_client, members, tiers):
    _post(owner_client, tiers, members, action="points", points=120)
    response = _post(owner_client, tiers, members, action="points", points=120, follow=True)
    assert "3 already had this change" in response.content.decode()
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 3
    members[0].refresh_from_db()
    assert members[0].points_balance == 120


def test_add_points_with_a_new_request_adds_again(owner_client, members, tiers):
    _post(owner_client, tiers, members, action="points", points=120)
    _post(owner_client, tiers, members, action="points", points=120, key="k2")
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 6


def test_a_chunk_whose_tier_was_retired_meanwhile_refuses_each_member(members, tiers, owner):
    params = bulk.check_params("tier", {"tier": tiers["gold"].pk, "reason": "Later"})
    tiers["gold"].is_active = False
    tiers["gold"].save()
    outcome = bulk.apply_chunk(
        action="tier", member_ids=[m.pk for m in members], params=params, key="t", by=owner.pk
    )
    assert (outcome.changed, outcome.refused) == (0, 3)
    assert "Gold is not active" in outcome.reasons[0] and "M0" in outcome.reasons[0]
    assert not TierChange.objects.filter(kind=TierChange.Kind.MANUAL).exists()


def test_the_filtered_members_are_changed_when_nobody_is_ticked(owner_client, members, tiers):
    other = MemberFactory(tier=tiers["gold"])
    _post(
        owner_client,
        tiers,
        action="points",
        points=10,
        selection=f"scope=all&tier={tiers['member'].pk}",
    )
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 3
    assert not LedgerEntry.objects.filter(member=other).exists()


def test_missing_reason_or_points_are_field_errors(owner_client, members, tiers):
    response = _post(owner_client, tiers, members, action="points", reason="")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter how many points each member gets." in body
    assert "This field is required." in body
    assert not LedgerEntry.objects.exists()


def test_a_big_selection_runs_in_chunks_on_the_workers(owner_client, members, tiers, monkeypatch):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 2)
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    response = _post(owner_client, tiers, members, action="points", points=7, follow=True)
    assert "3 members are being changed in the background" in response.content.decode()
    # Eager in the tests: both chunks ran.
    assert LedgerEntry.objects.filter(kind="adjustment", points=7).count() == 3


def test_a_chunk_delivered_twice_adds_nothing_more(members, tiers, owner):
    params = bulk.check_params("points", {"points": 9, "reason": "Again"})
    ids = [m.pk for m in members]
    bulk.apply_chunk(action="points", member_ids=ids, params=params, key="x", by=owner.pk)
    again = bulk.apply_chunk(action="points", member_ids=ids, params=params, key="x", by=owner.pk)
    assert (again.changed, again.unchanged) == (0, 3)
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 3


def test_export_carries_only_the_ticked_members(owner_client, members):
    response = owner_client.get(
        reverse("loyalty:bulk_export_csv"), {"scope": "ticked", "member": [members[1].pk]}
    )
    text = b"".join(response.streaming_content).decode()
    assert ",M1," in text and ",M0," not in text and ",M2," not in text


def test_staff_get_403(staff_client, members, tiers):
    assert staff_client.get(URL, {"scope": "all"}).status_code == 403
    assert _post(staff_client, tiers, members).status_code == 403
    assert staff_client.get(reverse("loyalty:bulk_export_csv")).status_code == 403
    assert not TierChange.objects.filter(kind=TierChange.Kind.MANUAL).exists()


def test_the_service_refuses_staff(members, tiers):
    with pytest.raises(LoyaltyError):
        bulk.start_bulk_change(
            action="points",
            member_ids=[m.pk for m in members],
            params={"points": 1, "reason": "x"},
            key="s",
            by=staff_user(username="cashier"),
        )
    assert not LedgerEntry.objects.exists()


def test_the_member_list_offers_bulk_changes_to_owners_only(owner_client, members, client, staff):
    body = owner_client.get(reverse("members:list")).content.decode()
    assert URL in body and f'name="member" value="{members[0].pk}"' in body
    client.force_login(staff)
    assert URL not in client.get(reverse("members:list")).content.decode()
