"""The import pages with figures and tiers from an earlier system: the
preview says where new members will start, confirming puts them there,
and a wrong tier name is shown with the names that exist."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

ROWS = [
    ["手機", "姓名", "累計消費", "會員等級"],
    ["0912345678", "陳美玲", "50,000", ""],
    ["0912345679", "黃志豪", "100", "Silver"],
]


def _upload(client, capture, rows=ROWS):
    upload = SimpleUploadedFile("old-system.csv", csv_bytes(rows))
    with capture(execute=True):
        return client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})


def test_preview_lists_new_members_per_tier(
    owner_client, salon, django_capture_on_commit_callbacks
):
    response = _upload(owner_client, django_capture_on_commit_callbacks)
    page = owner_client.get(response["Location"]).content.decode()
    assert "New members by tier" in page
    assert '<th>Silver</th><td class="num">1</td>' in page
    assert '<th>Gold</th><td class="num">1</td>' in page
    assert '">會員等級</label>' in page and '<option value="tier" selected>Tier</option>' in page
    assert not Member.objects.exists()


def test_confirm_puts_members_in_their_tiers(
    owner_client, salon, django_capture_on_commit_callbacks
):
    _upload(owner_client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("importing:confirm", args=[job.pk]))
    tiers = dict(Member.objects.values_list("name", "tier__name"))
    assert tiers == {"陳美玲": "Gold", "黃志豪": "Silver"}
    member = Member.objects.get(name="陳美玲")
    page = owner_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Qualified by figures brought from the earlier system (old-system.csv)" in page
    assert "Brought from the earlier system" in page


def test_an_unknown_tier_is_shown_with_the_names_that_exist(
    owner_client, salon, django_capture_on_commit_callbacks
):
    rows = [*ROWS[:2], ["0912345679", "黃志豪", "100", "Platinum"]]
    response = _upload(owner_client, django_capture_on_commit_callbacks, rows)
    page = owner_client.get(response["Location"]).content.decode()
    assert "“Platinum” is not one of the tiers: Member, Silver, Gold." in page


def test_the_preview_speaks_chinese(client, owner, salon, django_capture_on_commit_callbacks):
    client.force_login(owner)
    rows = [*ROWS[:2], ["0912345679", "黃志豪", "100", "鑽石"]]
    upload = SimpleUploadedFile("old-system.csv", csv_bytes(rows))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("importing:upload"),
            {"file": upload, "encoding": "auto"},
            headers={"accept-language": "zh-hant"},
        )
    page = client.get(response["Location"], headers={"accept-language": "zh-hant"})
    body = page.content.decode()
    assert "新會員的等級" in body
    assert "「鑽石」不是任何一個等級。現有等級：Member, Silver, Gold。" in body


def test_staff_cannot_see_an_import(staff_client, salon):
    assert staff_client.get(reverse("importing:upload")).status_code == 403
