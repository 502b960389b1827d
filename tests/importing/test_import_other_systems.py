"""Files from the systems shops leave: Shopify and Square customer exports,
a mainland till's member list (GB18030) and a Taiwan POS's (Big5), as they
come (tests/importing/fixtures)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importing.cells import consent, date_text, joined_name, money_text
from importing.files import import_members_file
from members.models import Member
from tests.factories import MemberFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ladder(tiers):
    """The salon ladder, named as the tills call its tiers."""
    for key, hant, hans in (
        ("member", "一般會員", "普通会员"),
        ("gold", "金卡", "金卡"),
    ):
        tiers[key].name_zh_hant, tiers[key].name_zh_hans = hant, hans
        tiers[key].save()
    return tiers


def _member(phone):
    return Member.objects.get(phone=phone)


def test_shopify_customers(ladder):
    result = import_members_file(FIXTURES / "shopify_customers.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.ignored == [
        "Customer ID",
        "Default Address Company",
        "Default Address City",
        "Total Orders",
        "Tax Exempt",
        "Tags",
    ]
    latin = _member("+886912345001")
    assert (latin.name, latin.email, latin.notes) == (
        "Mei Ling Chen",
        "meiling@example.com",
        "Prefers mornings",
    )
    assert latin.lifetime_spend == Decimal("1234.50")
    assert (latin.email_opt_out, latin.sms_opt_out) == (False, True)
    chinese = _member("+886912345002")
    assert chinese.name == "陳美玲" and chinese.lifetime_spend == Decimal("880.00")
    assert (chinese.email_opt_out, chinese.sms_opt_out) == (True, False)
    # Empty consent cells change nothing: the member may be written to.
    silent = _member("+886912345003")
    assert silent.name == "David Lin"
    assert (silent.email_opt_out, silent.sms_opt_out) == (False, False)


def test_square_customers(ladder):
    result = import_members_file(FIXTURES / "square_customers.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.ignored == [
        "Reference ID",
        "Nickname",
        "Square Customer ID",
        "Last Visit",
        "Transaction Count",
    ]
    wei = _member("+886912345101")
    assert (wei.name, wei.birthday, wei.joined_on) == (
        "Wei Huang",
        date(1988, 3, 14),
        date(2023, 2, 1),
    )
    assert wei.notes == "Allergic to lavender" and wei.lifetime_spend == Decimal("2310.00")
    assert not wei.email_opt_out
    huang = _member("+886912345102")
    assert huang.name == "黃志豪" and huang.joined_on == date(2024, 7, 15)
    assert huang.lifetime_spend == Decimal("450.50") and huang.email_opt_out
    assert not _member("+886912345103").email_opt_out


def test_mainland_members(ladder, settings):
    settings.DEFAULT_PHONE_REGION = "CN"
    result = import_members_file(FIXTURES / "mainland_members.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.encoding == "gb18030"
    assert result.ignored == ["消费次数", "最近消费时间"]
    wang = _member("+8613800138001")
    assert (wang.name, wang.points_balance, wang.lifetime_spend) == ("王芳", 1200, Decimal("3560"))
    assert wang.joined_on == date(2022, 3, 15) and wang.tier == ladder["gold"]
    li = _member("+8613900138002")
    assert li.lifetime_spend == Decimal("88") and li.joined_on == date(2025, 6, 1)
    assert li.tier == ladder["member"]
    assert _member("+8613700138003").lifetime_spend == Decimal("1200.50")


def test_taiwan_pos_members(ladder):
    result = import_members_file(FIXTURES / "taiwan_pos.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.encoding == "cp950"
    assert result.ignored == ["消費次數", "最後消費日"]
    lin = _member("+886912345201")
    assert (lin.name, lin.lifetime_spend, lin.joined_on) == (
        "林志玲",
        Decimal("12800"),
        date(2019, 5, 4),
    )
    assert lin.tier == ladder["gold"]
    wu = _member("+886912345202")
    assert wu.lifetime_spend == Decimal("3200") and wu.joined_on == date(2021, 3, 1)
    # Excel dropped the leading 0 of the mobile: it comes back.
    assert _member("+886912345203").name == "蔡依林"


def test_the_preview_names_the_columns_read_and_ignored(
    ladder, owner_client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from members.models import ImportJob

    upload = SimpleUploadedFile("shopify.csv", (FIXTURES / "shopify_customers.csv").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("importing:upload"), {"file": upload, "encoding": "auto"})
    job = ImportJob.objects.get()
    page = owner_client.get(reverse("importing:job", args=[job.pk])).content.decode()
    assert "First Name → Given name" in page and "Last Name → Family name" in page
    assert "Accepts SMS Marketing → Accepts SMS marketing" in page
    assert "Ignored: Customer ID, Default Address Company" in page and "Tags" in page


def test_consent_updates_members_already_registered(ladder, write_csv):
    MemberFactory(phone="+886912345678", name="Mei Ling Chen")
    rows = [["First Name", "Last Name", "Phone", "Accepts SMS Marketing"]]
    rows.append(["Mei Ling", "Chen", "0912345678", "no"])
    result = import_members_file(write_csv(rows), update_existing=True)
    assert result.updated == 1
    assert _member("+886912345678").sms_opt_out


def test_a_consent_that_is_neither_yes_nor_no_is_a_row_error(ladder, write_csv):
    rows = [["姓名", "手機", "Accepts Email Marketing"], ["陳", "0912345678", "maybe"]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.errors[0]["column"] == "Accepts email marketing"
    assert "is not yes or no" in result.errors[0]["message"]


def test_a_name_in_two_columns_satisfies_the_name_column(ladder, write_csv):
    result = import_members_file(write_csv([["Surname", "Phone"], ["陳", "0912345678"]]))
    assert result.applied and _member("+886912345678").name == "陳"


@pytest.mark.parametrize(
    ("family", "given", "name"),
    [
        ("陳", "美玲", "陳美玲"),
        ("Chen", "Mei Ling", "Mei Ling Chen"),
        ("歐陽", "Nana", "歐陽Nana"),
        ("", "Amy", "Amy"),
        ("林", "", "林"),
    ],
)
def test_joined_names(family, given, name):
    assert joined_name(family, given) == name


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("NT$1,200", "$1,200"),
        ("RMB 88", "88"),
        ("１,２００元", "1,200元"),
        ("1 200.50", "1200.50"),
        ("HKD 3,000.00", "3,000.00"),
        ("€12", "12"),
        ("12.5", "12.5"),
    ],
)
def test_money_text(cell, text):
    assert money_text(cell) == text


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("2023-05-01 14:22:10", "2023-05-01"),
        ("2023/5/1 下午 02:22:10", "2023/5/1"),
        ("2023-05-01T14:22:10Z", "2023-05-01"),
        ("2023/05/01 2:22 PM", "2023/05/01"),
        ("民國110年3月1日", "民國110年3月1日"),
    ],
)
def test_date_text(cell, text):
    assert date_text(cell) == text


@pytest.mark.parametrize(
    ("cell", "accepts"),
    [("yes", True), ("No", False), ("Subscribed", True), ("not subscribed", False)]
    + [("是", True), ("否", False), ("", None), (True, True)],
)
def test_consent_words(cell, accepts):
    assert consent(cell, field="sms_consent") is accepts
