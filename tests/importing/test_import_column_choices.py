"""The owner says what each column holds: a drop-down per column on the
preview, read again with the choice, remembered for the next file with the
same header row; order counts and last visits become opening figures."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.clock import shop_today
from config.errors import LoyaltyError
from importing import services as imports
from importing.models import ColumnMapping
from members.models import ImportJob, Member
from tests.importing.conftest import csv_bytes

# "Cust" and "Contact" name nothing we know: the owner says what they hold.
ROWS = [
    ["Cust", "Contact", "Remarks", "Orders", "Last Order Date", "Loyalty ID"],
    ["Chen Mei Ling", "0912345678", "VIP", "7", "2025-11-30", "A-1"],
    ["Huang Chi Hao", "0912345679", "", "2", "2025-06-01", "A-2"],
]
CHOSEN = {0: "name", 1: "phone", 2: "notes", 3: "purchases", 4: "last_purchase", 5: ""}


def _preview(owner, rows=ROWS, capture=None, name="list.csv"):
    upload = SimpleUploadedFile(name, csv_bytes(rows))
    with capture(execute=True):
        job = imports.start_import(upload=upload, by=owner)
    job.refresh_from_db()
    return job


def _recheck(job, owner, capture, columns):
    with capture(execute=True):
        imports.recheck_import(
            job=job,
            by=owner,
            encoding="auto",
            update_existing=False,
            minguo_dates=False,
            columns=columns,
        )
    job.refresh_from_db()
    return job


def _confirm(job, owner, capture):
    with capture(execute=True):
        imports.confirm_import(job=job, by=owner)
    job.refresh_from_db()
    return job


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_columns_the_header_does_not_name_stop_the_file_until_chosen(tiers, owner, capture):
    job = _preview(owner, capture=capture)
    assert "no column for: Phone, Name" in job.preview["file_error"]
    # Every column is listed, each read as nothing yet.
    assert job.preview["column_fields"] == ["", "", "notes", "purchases", "last_purchase", ""]
    # With the first rows under the header, so the owner sees what each holds.
    assert job.preview["sample"][0][:2] == ["Chen Mei Ling", "0912345678"]
    job = _recheck(job, owner, capture, CHOSEN)
    assert not job.preview["file_error"] and job.preview["created"] == 2
    assert job.preview["ignored"] == ["Loyalty ID"] and job.preview["columns_chosen"]
    job = _confirm(job, owner, capture)
    assert job.status == ImportJob.Status.DONE, job.result
    chen = Member.objects.get(phone="+886912345678")
    assert (chen.name, chen.notes) == ("Chen Mei Ling", "VIP")
    assert (chen.opening_purchases, chen.opening_last_purchase_on) == (7, date(2025, 11, 30))
    # No joining date in the file: a customer by their last purchase at the latest.
    assert chen.joined_on == date(2025, 11, 30)


def test_the_choice_is_remembered_for_the_next_file_with_the_same_header(tiers, owner, capture):
    _recheck(_preview(owner, capture=capture), owner, capture, CHOSEN)
    remembered = ColumnMapping.objects.get()
    assert remembered.headers == ROWS[0] and remembered.updated_by == owner
    # Another file, the same header in another case and spacing: read as chosen.
    header = ["CUST", "contact", "Remarks ", "Orders", "Last order date", "Loyalty ID"]
    rows = [header, ["Lin Zhi Ling", "0912345201", "", "3", "2025-10-01", "B-1"]]
    job = _preview(owner, rows=rows, capture=capture, name="next.csv")
    assert not job.preview["file_error"] and job.preview["created"] == 1
    assert job.preview["columns_chosen"]
    _confirm(job, owner, capture)
    lin = Member.objects.get(phone="+886912345201")
    assert (lin.name, lin.opening_purchases) == ("Lin Zhi Ling", 3)
    # A file with another header is read by its names, as before.
    job = _preview(owner, rows=[["手機", "姓名"], ["0912345202", "吳"]], capture=capture)
    assert job.preview["created"] == 1 and not job.preview["columns_chosen"]


def test_a_column_set_to_ignore_is_not_read(tiers, owner, capture):
    rows = [["手機", "姓名", "備註", "消費次數"], ["0912345678", "陳美玲", "常客", "9"]]
    job = _preview(owner, rows=rows, capture=capture)
    assert job.preview["column_fields"] == ["phone", "name", "notes", "purchases"]
    job = _recheck(job, owner, capture, {0: "phone", 1: "name", 2: "", 3: ""})
    assert job.preview["ignored"] == ["備註", "消費次數"]
    _confirm(job, owner, capture)
    member = Member.objects.get()
    assert (member.notes, member.opening_purchases) == ("", 0)


def test_two_columns_set_to_one_field_is_refused(tiers, owner, capture):
    rows = [["手機", "電話", "姓名"], ["0912345678", "0223456789", "陳美玲"]]
    job = _preview(owner, rows=rows, capture=capture)
    with pytest.raises(LoyaltyError) as refused:
        _recheck(job, owner, capture, {0: "phone", 1: "phone", 2: "name"})
    assert refused.value.code == "field_twice" and refused.value.field == "column_1"
    assert "“手機” and “電話” are both set to Phone" in refused.value.message
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and job.columns == {}
    assert not ColumnMapping.objects.exists()


def test_a_choice_without_a_phone_column_is_refused(tiers, owner, capture):
    job = _preview(owner, rows=[["手機", "姓名"], ["0912345678", "陳美玲"]], capture=capture)
    with pytest.raises(LoyaltyError, match="No column is set to Phone"):
        _recheck(job, owner, capture, {0: "", 1: "name"})


def test_an_unknown_field_is_refused(tiers, owner, capture):
    job = _preview(owner, rows=[["手機", "姓名"], ["0912345678", "陳美玲"]], capture=capture)
    with pytest.raises(LoyaltyError, match="Choose one of the listed fields"):
        _recheck(job, owner, capture, {0: "phone", 1: "nickname"})


def test_a_last_purchase_in_the_future_is_an_error_on_its_row(tiers, owner, capture):
    later = (shop_today() + timedelta(days=3)).isoformat()
    rows = [["手機", "姓名", "最後消費日"], ["0912345678", "陳美玲", later]]
    job = _preview(owner, rows=rows, capture=capture)
    assert job.preview["error_rows"] == 1
    assert "in the future" in job.preview["errors"][0]["message"]


def test_first_visit_is_the_joining_date_when_the_file_has_none(tiers, write_csv):
    from importing.files import import_members_file

    rows = [
        ["Phone", "Name", "First Visit", "Last Visit", "Joined"],
        ["0912345678", "Chen", "2021-04-01", "2025-01-01", ""],
        ["0912345679", "Huang", "2021-04-01", "2025-01-01", "2020-01-01"],
    ]
    result = import_members_file(write_csv(rows))
    assert result.applied, result.errors
    assert Member.objects.get(name="Chen").joined_on == date(2021, 4, 1)
    assert Member.objects.get(name="Huang").joined_on == date(2020, 1, 1)


def test_the_tags_column_is_read_not_ignored(tiers, write_csv):
    from importing.files import import_members_file

    rows = [["Phone", "Name", "Tags"], ["0912345678", "Chen", "VIP, salon"]]
    result = import_members_file(write_csv(rows))
    assert result.applied and result.ignored == []


# -- the page ---------------------------------------------------------------


def _upload_page(client, capture, rows=ROWS):
    upload = SimpleUploadedFile("list.csv", csv_bytes(rows))
    with capture(execute=True):
        client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})
    return ImportJob.objects.latest("pk")


def _choices(columns, **extra):
    data = {"encoding": "auto", **extra}
    data.update({f"column_{index}": field for index, field in columns.items()})
    return data


def test_the_page_has_a_drop_down_per_column(owner_client, tiers, capture):
    job = _upload_page(owner_client, capture)
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert page.count('form="import-recheck"') >= len(ROWS[0])
    assert '<select name="column_0"' in page and "Ignore this column" in page
    assert '<option value="purchases" selected>Purchases</option>' in page


def test_the_page_reads_the_file_again_with_the_columns_chosen(owner_client, tiers, capture):
    job = _upload_page(owner_client, capture)
    with capture(execute=True):
        response = owner_client.post(reverse("importing:recheck", args=[job.pk]), _choices(CHOSEN))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.preview["created"] == 2 and job.columns["fields"]["0"] == "name"
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert '<option value="name" selected>' in page
    assert "Read as chosen for this header row" in page
    assert ColumnMapping.objects.get().chosen() == CHOSEN


def test_the_page_names_two_columns_set_to_one_field(owner_client, tiers, capture):
    job = _upload_page(owner_client, capture)
    twice = {**CHOSEN, 5: "phone"}
    response = owner_client.post(reverse("importing:recheck", args=[job.pk]), _choices(twice))
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Contact” and “Loyalty ID” are both set to Phone" in page
    assert 'id="id_column_5-errors"' in page
    assert not ColumnMapping.objects.exists()


def test_the_page_refuses_a_field_it_does_not_list(owner_client, tiers, capture):
    job = _upload_page(owner_client, capture)
    odd = {**CHOSEN, 5: "password"}
    response = owner_client.post(reverse("importing:recheck", args=[job.pk]), _choices(odd))
    assert response.status_code == 400
    assert 'id="id_column_5-errors"' in response.content.decode()
    job.refresh_from_db()
    assert job.columns == {} and not ColumnMapping.objects.exists()


def test_the_page_in_chinese_names_the_fields_in_chinese(owner_client, tiers, capture):
    job = _upload_page(owner_client, capture)
    page = owner_client.get(
        reverse("importing:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "忽略此列" in page


def test_staff_cannot_choose_columns(client, owner, staff, tiers, capture):
    client.force_login(owner)
    job = _upload_page(client, capture)
    client.force_login(staff)
    response = client.post(reverse("importing:recheck", args=[job.pk]), _choices(CHOSEN))
    assert response.status_code == 403
    assert not ColumnMapping.objects.exists()


def test_the_owner_sees_and_can_forget_a_choice_in_the_admin(owner_client, owner, tiers, capture):
    _recheck(_preview(owner, capture=capture), owner, capture, CHOSEN)
    remembered = ColumnMapping.objects.get()
    listing = owner_client.get(reverse("admin:importing_columnmapping_changelist"))
    assert listing.status_code == 200 and "Cust | Contact | Remarks" in listing.content.decode()
    delete = reverse("admin:importing_columnmapping_delete", args=[remembered.pk])
    owner_client.post(delete, {"post": "yes"})
    assert not ColumnMapping.objects.exists()
