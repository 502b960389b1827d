"""An export of the member list imported again changes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from importing.files import import_members_file
from members.models import Member
from tests.factories import MemberFactory


def _snapshot():
    return list(
        Member.objects.order_by("pk").values(
            "member_number", "phone", "name", "email", "birthday", "gender", "notes", "updated_at"
        )
    )


@pytest.mark.parametrize(
    "url_name, suffix", [("members:export_csv", "csv"), ("members:export_xlsx", "xlsx")]
)
def test_export_then_import_changes_nothing(owner_client, tiers, tmp_path, url_name, suffix):
    MemberFactory(name="陳美玲", phone="+886912345678", birthday=date(1990, 1, 2), gender="f")
    MemberFactory(name="=danger", phone="+85251234567", notes="-note\nline 2", email="a@b.co")
    MemberFactory(name="王小明", phone="+8613800138000", member_number="0000000012")
    before = _snapshot()
    response = owner_client.get(reverse(url_name))
    data = b"".join(response.streaming_content) if response.streaming else response.getvalue()
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(data)
    result = import_members_file(path, update_existing=True)
    assert (result.created, result.updated, result.error_rows) == (0, 0, 0), result.errors
    assert result.unchanged == 3
    assert _snapshot() == before


def test_export_in_chinese_imports_back(owner_client, tiers, tmp_path, client):
    MemberFactory(name="陳美玲", phone="+886912345678", gender="f")
    before = _snapshot()
    response = owner_client.get(reverse("members:export_csv"), HTTP_ACCEPT_LANGUAGE="zh-hant")
    path = tmp_path / "zh.csv"
    path.write_bytes(b"".join(response.streaming_content))
    result = import_members_file(path, update_existing=True)
    assert (result.unchanged, result.error_rows) == (1, 0), result.errors
    assert _snapshot() == before
