from django.core.files.storage import FileSystemStorage

from members.models import ImportJob, Member
from tests.e2e.conftest import log_in
from tests.factories import TierFactory, owner_user


def test_owner_imports_a_big5_file_after_the_preview(
    page, transactional_db, tmp_path, monkeypatch, settings
):
    # Uploads and progress files in a temporary folder, not the project's.
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
    }
    settings.STORAGES = {**settings.STORAGES, "private": private}
    monkeypatch.setattr(
        ImportJob._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path)
    )
    TierFactory(rank=1, name="Member")
    owner_user(username="boss")
    path = tmp_path / "顧客.csv"
    path.write_bytes("手機,姓名,生日\r\n912345678,陳美玲,79/01/02\r\n".encode("cp950"))

    log_in(page, "boss")
    page.get_by_text("Set-up", exact=True).click()
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Customer file").set_input_files(str(path))
    page.get_by_label("Dates use Minguo years").check()
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=Preview: what the import will do")
    assert "陳美玲" in page.content()
    assert not Member.objects.exists()

    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_selector("text=Imported: 1 new members")
    member = Member.objects.get()
    assert (member.phone, member.birthday.isoformat()) == ("+886912345678", "1990-01-02")
