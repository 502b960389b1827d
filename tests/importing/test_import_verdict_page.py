"""The preview page says whether the file can be imported, and why not; the
confirmation does what it said."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

ROWS = [["手機", "姓名"], ["0912345678", "陳美玲"], ["0912345679", "黃志豪"]]


def _preview(client, capture, rows=ROWS, **choices):
    """Upload `rows` as a CSV; the job and its page."""
    upload = SimpleUploadedFile("list.csv", csv_bytes(rows))
    with capture(execute=True):
        client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto", **choices})
    job = ImportJob.objects.get()
    page = client.get(reverse("importing:job", args=[job.pk])).content.decode()
    return job, page


def _confirm(client, capture, job, **data):
    with capture(execute=True):
        return client.post(reverse("importing:confirm", args=[job.pk]), data)


def _verdict(page):
    start = page.index('id="import-verdict"')
    return page[start : page.index("</div>", start)]


def test_a_clean_file_is_ready(owner_client, tiers, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    job, page = _preview(owner_client, capture)
    assert "Ready to import" in _verdict(page)
    assert "Confirm and import" in page
    assert _confirm(owner_client, capture, job).status_code == 302
    assert Member.objects.count() == 2


def test_wrong_rows_are_ready_with_errors(owner_client, tiers, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    job, page = _preview(owner_client, capture, rows=[*ROWS, ["123", "Bad"]])
    verdict = _verdict(page)
    assert "Ready with errors: only the valid rows can be imported" in verdict
    assert "1 row is wrong" in verdict
    assert "Import only the valid rows" in page
    assert _confirm(owner_client, capture, job).status_code == 400
    assert _confirm(owner_client, capture, job, valid_rows_only="on").status_code == 302
    assert Member.objects.count() == 2


def test_a_missing_column_cannot_be_imported(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    job, page = _preview(owner_client, capture, rows=[["姓名", "生日"], ["陳美玲", "1990/1/2"]])
    verdict = _verdict(page)
    assert "Cannot be imported" in verdict and "no column for: Phone" in verdict
    assert "Confirm and import" not in page
    response = _confirm(owner_client, capture, job)
    assert response.status_code == 400 and "no column for: Phone" in response.content.decode()
    assert not Member.objects.exists()


def test_a_file_without_rows_cannot_be_imported(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    job, page = _preview(owner_client, capture, rows=[["手機", "姓名"]])
    assert "no members under it" in _verdict(page)
    assert "Confirm and import" not in page
    assert _confirm(owner_client, capture, job).status_code == 400


def test_without_an_entry_tier_it_cannot_be_imported(
    owner_client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    job, page = _preview(owner_client, capture)
    assert "set up an entry tier first" in _verdict(page)
    assert job.preview["created"] == 0
    assert "Confirm and import" not in page
    response = _confirm(owner_client, capture, job)
    assert response.status_code == 400 and "set up an entry tier first" in response.content.decode()
    assert not Member.objects.exists()


def test_repeated_phone_names_both_rows(owner_client, tiers, django_capture_on_commit_callbacks):
    rows = [*ROWS, ["0912-345-678", "林美玲"]]
    job, page = _preview(owner_client, django_capture_on_commit_callbacks, rows=rows)
    assert "Row 4 of the file has this phone too" in page
    assert "Row 2 of the file has this phone too" in page
    assert [error["row"] for error in job.preview["errors"]] == [2, 4]


def test_recent_imports_show_the_verdict(owner_client, tiers, django_capture_on_commit_callbacks):
    _preview(owner_client, django_capture_on_commit_callbacks, rows=[["姓名"], ["陳"]])
    page = owner_client.get(reverse("importing:upload")).content.decode()
    assert "Cannot be imported" in page and "Ready to import" not in page


def test_the_verdict_in_chinese(owner_client, tiers, django_capture_on_commit_callbacks):
    job, _page = _preview(owner_client, django_capture_on_commit_callbacks, rows=[["手機", "姓名"]])
    url = reverse("importing:job", args=[job.pk])
    hant = owner_client.get(url, headers={"accept-language": "zh-hant"}).content.decode()
    hans = owner_client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "無法匯入" in _verdict(hant) and "標題列" in _verdict(hant)
    assert "无法导入" in _verdict(hans) and "标题行" in _verdict(hans)
