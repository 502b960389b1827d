"""The owner's import page: upload, preview, choices, confirm, progress."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from importing import services as imports
from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

ROWS = [["手機", "姓名"], ["0912345678", "陳美玲"], ["0912345679", "黃志豪"]]


def _upload(client, capture, rows=ROWS, file_encoding="utf-8", name="list.csv", **choices):
    upload = SimpleUploadedFile(name, csv_bytes(rows, file_encoding))
    data = {"file": upload, "encoding": "auto", **choices}
    with capture(execute=True):
        return client.post(reverse("importing:upload"), data)


def test_upload_page_works(owner_client):
    response = owner_client.get(reverse("importing:upload"))
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


def test_staff_cannot_import(staff_client):
    assert staff_client.get(reverse("importing:upload")).status_code == 403


def test_upload_previews_and_writes_nothing(
    owner_client, tiers, django_capture_on_commit_callbacks, private_storage
):
    response = _upload(owner_client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("importing:job", args=[job.pk])
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.preview["created"] == 2
    assert not Member.objects.exists()
    # The upload waits in private storage, not in public media.
    assert (private_storage / job.file.name).is_file()
    page = owner_client.get(response["Location"]).content.decode()
    assert "陳美玲" in page and "Confirm and import" in page


def test_confirm_imports(owner_client, tiers, django_capture_on_commit_callbacks):
    _upload(owner_client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("importing:confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.result["created"] == 2 and job.result["applied"]
    assert Member.objects.count() == 2
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "2 new members" in page


def test_confirm_with_wrong_rows_needs_the_valid_rows_choice(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    _upload(owner_client, django_capture_on_commit_callbacks, rows=[*ROWS, ["123", "Bad"]])
    job = ImportJob.objects.get()
    response = owner_client.post(reverse("importing:confirm", args=[job.pk]))
    assert response.status_code == 400
    assert "only the valid rows" in response.content.decode()
    assert not Member.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("importing:confirm", args=[job.pk]), {"valid_rows_only": "on"})
    assert Member.objects.count() == 2


def test_confirm_requires_post(owner_client, tiers, django_capture_on_commit_callbacks):
    _upload(owner_client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert owner_client.get(reverse("importing:confirm", args=[job.pk])).status_code == 405


def test_staff_cannot_confirm(staff_client, tiers, owner):
    job = ImportJob.objects.create(original_name="x.csv", status=ImportJob.Status.PREVIEWED)
    response = staff_client.post(reverse("importing:confirm", args=[job.pk]))
    assert response.status_code == 403


def test_owner_switches_encoding_in_the_preview(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    rows = [["手機", "姓名"], ["0912345678", "陈美玲"]]
    capture = django_capture_on_commit_callbacks
    _upload(owner_client, capture, rows=rows, file_encoding="gb18030", encoding="big5hkscs")
    job = ImportJob.objects.get()
    assert job.preview["encoding"] != "gb18030"
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("importing:recheck", args=[job.pk]), {"encoding": "gb18030"})
    job.refresh_from_db()
    assert job.preview["encoding"] == "gb18030"
    assert job.preview["sample"][0][1] == "陈美玲"


def test_upload_of_another_file_type_is_refused(owner_client, tiers):
    upload = SimpleUploadedFile("list.pdf", b"%PDF")
    response = owner_client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})
    assert response.status_code == 400
    assert "CSV or Excel" in response.content.decode()


def test_missing_column_is_shown_and_cannot_be_confirmed(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    _upload(owner_client, django_capture_on_commit_callbacks, rows=[["姓名"], ["陳"]])
    job = ImportJob.objects.get()
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "no column for: Phone" in page
    assert "Confirm and import" not in page


def test_progress_bar_while_running_and_refresh_when_done(owner_client, tiers, owner):
    job = ImportJob.objects.create(
        original_name="big.csv", status=ImportJob.Status.IMPORTING, created_by=owner
    )
    imports._progress_writer(job)(4000, 10000, 3)
    response = owner_client.get(reverse("importing:progress", args=[job.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="40"' in body and "4000 of about 10000 rows" in body
    assert "3 rows with errors so far" in body
    job.status = ImportJob.Status.DONE
    job.save()
    response = owner_client.get(reverse("importing:progress", args=[job.pk]))
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_progress_is_owner_only(staff_client, db):
    job = ImportJob.objects.create(original_name="big.csv", status=ImportJob.Status.IMPORTING)
    assert staff_client.get(reverse("importing:progress", args=[job.pk])).status_code == 403


def test_preview_offers_near_duplicates(owner_client, tiers, django_capture_on_commit_callbacks):
    from datetime import date

    from tests.factories import MemberFactory

    MemberFactory(phone="+886912000000", name="陳美玲", birthday=date(1990, 1, 2))
    rows = [["手機", "姓名", "生日"], ["0912345678", "陳美玲", "1990-01-02"]]
    _upload(owner_client, django_capture_on_commit_callbacks, rows=rows)
    job = ImportJob.objects.get()
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "Possibly the same person" in page


def test_a_crash_marks_the_job_failed_instead_of_running_forever(
    owner_client, tiers, django_capture_on_commit_callbacks, monkeypatch
):
    import pytest

    def crash(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(imports, "run_import", crash)
    with pytest.raises(RuntimeError):
        _upload(owner_client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "stopped unexpectedly" in job.result["file_error"]
    assert not Member.objects.exists()


def test_pages_speak_chinese(owner_client, tiers, django_capture_on_commit_callbacks):
    _upload(owner_client, django_capture_on_commit_callbacks, rows=[*ROWS, ["123", "Bad"]])
    job = ImportJob.objects.get()
    page = owner_client.get(
        reverse("importing:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    ).content.decode()
    assert "確認並匯入" in page and "需修正的列" in page
    page = owner_client.get(
        reverse("importing:upload"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "上传并预览" in page


def test_a_mainland_file_with_day_first_dates_reads_as_the_preview_chose(
    owner_client, tiers, django_capture_on_commit_callbacks
):
    rows = [["手机号", "客户姓名", "生日"], ["13800138000", "王芳", "02/03/1990"]]
    capture = django_capture_on_commit_callbacks
    _upload(owner_client, capture, rows=rows)  # the shop's region (TW) and year-first dates
    job = ImportJob.objects.get()
    assert job.preview["error_rows"] == 1
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert 'name="phone_region"' in page and 'name="date_order"' in page
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("importing:recheck", args=[job.pk]),
            {"encoding": "auto", "phone_region": "CN", "date_order": "dmy"},
        )
    job.refresh_from_db()
    assert (job.phone_region, job.date_order) == ("CN", "dmy")
    assert (job.preview["error_rows"], job.preview["created"]) == (0, 1)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("importing:confirm", args=[job.pk]))
    member = Member.objects.get()
    assert (member.phone, member.birthday.isoformat()) == ("+8613800138000", "1990-03-02")


def test_a_region_the_phone_library_does_not_know_is_refused(owner_client, tiers):
    upload = SimpleUploadedFile("list.csv", csv_bytes(ROWS, "utf-8"))
    response = owner_client.post(
        reverse("importing:upload"), {"file": upload, "encoding": "auto", "phone_region": "XX"}
    )
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
