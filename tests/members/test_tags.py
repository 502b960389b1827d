"""Tags: owners name them, staff set them on a member, owners change many
members at once from the list, and the list filters by them."""

import re

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from loyalty import bulk
from members import tags
from members.models import Tag
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def vip(db):
    return Tag.objects.create(name="VIP", name_zh_hant="貴賓", name_zh_hans="贵宾")


def test_owner_adds_a_tag_on_the_tags_page(owner_client):
    response = owner_client.post(
        reverse("members:tags"), {"name": " Wholesale ", "name_zh_hant": "批發"}
    )
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.name_zh_hant) == ("Wholesale", "批發")


def test_a_taken_name_is_refused_with_a_message(owner_client, vip):
    response = owner_client.post(reverse("members:tags"), {"name": "vip"})
    assert response.status_code == 400
    assert "already a tag" in response.content.decode()
    assert Tag.objects.count() == 1


def test_staff_cannot_open_the_tags_page(staff_client):
    assert staff_client.get(reverse("members:tags")).status_code == 403


def test_tags_page_counts_members(owner_client, vip, tiers):
    MemberFactory().tags.add(vip)
    page = owner_client.get(reverse("members:tags")).content.decode()
    assert f'?tags={vip.pk}">1</a>' in page


def test_tag_name_is_read_in_the_readers_script(vip):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert vip.display_name == "贵宾"
    with translation.override("zh-hant"):
        assert vip.display_name == "貴賓"


def test_staff_sets_a_members_tags_from_the_member_page(staff_client, vip, tiers):
    member = MemberFactory()
    other = Tag.objects.create(name="Perm client")
    member.tags.add(other)
    response = staff_client.post(
        reverse("members:member_tags", args=[member.pk]), {"tags": [vip.pk]}
    )
    assert response.status_code == 302
    assert list(member.tags.all()) == [vip]
    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert re.search(rf'value="{vip.pk}"[^>]*checked', page)
    assert not re.search(rf'value="{other.pk}"[^>]*checked', page)


def test_deleting_a_tag_takes_it_off_members(owner, vip, tiers):
    member = MemberFactory()
    member.tags.add(vip)
    tags.delete_tag(tag=vip, by=owner)
    assert member.tags.count() == 0


def test_staff_cannot_rename_a_tag(staff, vip):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tags.save_tag(tag=vip, names={"name": "X"}, by=staff)


def test_empty_name_is_refused(owner):
    with pytest.raises(LoyaltyError):
        tags.save_tag(names={"name": "  "}, by=owner)


def test_bulk_adds_a_tag_once_and_removes_it(owner, vip, tiers):
    members = [MemberFactory() for _ in range(3)]
    members[0].tags.add(vip)
    ids = [m.pk for m in members]
    outcome = bulk.start_bulk_change(
        action=bulk.ADD_TAG, member_ids=ids, params={"tag": vip.pk}, key="k", by=owner
    )
    assert (outcome.changed, outcome.unchanged) == (2, 1)
    assert vip.members.count() == 3
    again = bulk.start_bulk_change(
        action=bulk.ADD_TAG, member_ids=ids, params={"tag": vip.pk}, key="k", by=owner
    )
    assert (again.changed, again.unchanged) == (0, 3)
    removed = bulk.start_bulk_change(
        action=bulk.REMOVE_TAG, member_ids=ids[:2], params={"tag": vip.pk}, key="k2", by=owner
    )
    assert removed.changed == 2
    assert list(vip.members.all()) == [members[2]]


def test_bulk_page_tags_the_ticked_members(owner_client, vip, tiers):
    members = [MemberFactory() for _ in range(2)]
    response = owner_client.post(
        reverse("loyalty:bulk"),
        {
            "action": "add_tag",
            "tag": vip.pk,
            "key": "k1",
            "selection": f"scope=ticked&member={members[0].pk}",
            "confirm": "True",
        },
    )
    assert response.status_code == 302
    assert list(vip.members.all()) == [members[0]]


def test_bulk_tag_without_a_tag_is_a_field_error(owner_client, tiers):
    member = MemberFactory()
    response = owner_client.post(
        reverse("loyalty:bulk"),
        {"action": "add_tag", "key": "k1", "selection": f"scope=ticked&member={member.pk}"},
    )
    assert response.status_code == 400
    assert "Choose a tag." in response.content.decode()


def test_member_list_filters_by_any_of_the_tags(staff_client, vip, tiers):
    wholesale = Tag.objects.create(name="Wholesale")
    both, only_vip, _untagged = (
        MemberFactory(name="Both"),
        MemberFactory(name="Vip"),
        MemberFactory(name="None"),
    )
    both.tags.add(vip, wholesale)
    only_vip.tags.add(vip)
    response = staff_client.get(reverse("members:list"), {"tags": [vip.pk, wholesale.pk]})
    names = [m.name for m in response.context["page"]]
    assert sorted(names) == ["Both", "Vip"]


def test_tags_page_reads_a_fixed_number_of_queries(
    owner_client, tiers, django_assert_max_num_queries
):
    for n in range(5):
        tag = Tag.objects.create(name=f"T{n}")
        MemberFactory().tags.add(tag)
    with django_assert_max_num_queries(8):
        assert owner_client.get(reverse("members:tags")).status_code == 200
