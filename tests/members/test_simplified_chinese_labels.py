"""Simplified Chinese: a member's name is 姓名 and a new member 新会员, although
django-celery-beat's catalog (read first) says 任务名 and 新增 for the bare words."""

from django.urls import reverse

from tests.factories import MemberFactory

ZH_HANS = {"accept-language": "zh-hans"}


def test_enrol_form_labels_the_name_as_a_persons(staff_client, tiers):
    page = staff_client.get(reverse("members:create"), headers=ZH_HANS).content.decode()
    assert '<label for="id_name">姓名' in page
    assert "任务名" not in page


def test_member_list_heads_the_name_column_as_a_persons(staff_client, tiers):
    MemberFactory()
    page = staff_client.get(reverse("members:list"), headers=ZH_HANS).content.decode()
    assert 'class="sort">姓名</a></th>' in page
    assert "任务名" not in page


def test_lifecycle_filter_offers_new_members(staff_client, tiers):
    page = staff_client.get(reverse("members:list"), headers=ZH_HANS).content.decode()
    assert '<option value="new">新会员</option>' in page


def test_export_heads_the_name_column_as_a_persons(owner_client, tiers):
    MemberFactory()
    response = owner_client.get(reverse("members:export_csv"), headers=ZH_HANS)
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert "姓名" in header.split(",")
    assert "任务名" not in header
