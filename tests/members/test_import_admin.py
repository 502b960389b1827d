"""The Django admin's import/export (django-import-export): same rules, owners only."""

import tablib
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import Member
from members.resources import MemberResource
from tests.factories import MemberFactory, UserFactory


def _dataset(rows):
    return tablib.Dataset(*rows[1:], headers=rows[0])


def test_resource_reads_chinese_headers_and_applies_member_rules(tiers):
    rows = [["手機", "姓名", "生日"], ["0912-345-678", "陳美玲", "1990/1/2"], ["12", "Bad", ""]]
    result = MemberResource().import_data(_dataset(rows), dry_run=False)
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert invalid.number == 2
    assert "phone" in invalid.error_dict
    assert not Member.objects.exists()  # import-export rolls the whole file back
    ok = MemberResource().import_data(_dataset(rows[:2]), dry_run=False)
    assert not ok.has_errors() and not ok.has_validation_errors()
    member = Member.objects.get()
    assert (member.phone, member.name_key, member.tier) == (
        "+886912345678",
        "陈美玲",
        tiers["member"],
    )


def test_resource_duplicate_in_the_file_is_an_error_not_a_silent_update(tiers):
    rows = [["手機", "姓名"], ["0912345678", "陳"], ["+886912345678", "林"]]
    result = MemberResource().import_data(_dataset(rows), dry_run=True)
    assert result.has_validation_errors()
    assert result.invalid_rows[0].number == 2


def test_resource_updates_existing_member_by_phone(tiers):
    MemberFactory(phone="+886912345678", name="Old")
    rows = [["Phone", "Name"], ["0912345678", "New"]]
    MemberResource().import_data(_dataset(rows), dry_run=False)
    assert Member.objects.get().name == "New"


def test_admin_import_is_for_owners_even_with_the_permission(client, tiers):
    # "Staff status" and model permissions do not open the admin: the role does.
    clerk = UserFactory(username="clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_member", "add_member", "change_member", "import_member"]
        )
    )
    client.force_login(clerk)
    assert client.get(reverse("admin:members_member_import")).status_code == 403


def test_owner_may_import_and_export_in_the_admin(owner_client, tiers):
    from config.roles import sync_roles

    sync_roles()  # as the migration did (a flushing test elsewhere may have emptied the groups)
    assert owner_client.get(reverse("admin:members_member_import")).status_code == 200
    assert owner_client.get(reverse("admin:members_member_export")).status_code == 200


def test_admin_import_keeps_the_upload_in_private_storage_until_confirmed(
    owner_client, tiers, private_storage
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from config.roles import sync_roles

    sync_roles()
    upload = SimpleUploadedFile("list.csv", "Phone,Name\r\n0912345678,陳美玲\r\n".encode())
    response = owner_client.post(
        reverse("admin:members_member_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200, response.content[:500]
    confirm = response.context["confirm_form"]
    assert confirm is not None
    stored = private_storage / "django-import-export" / confirm.initial["import_file_name"]
    assert stored.is_file()
    assert not Member.objects.exists()
    response = owner_client.post(reverse("admin:members_member_process_import"), confirm.initial)
    assert response.status_code == 302
    assert Member.objects.get().phone == "+886912345678"
