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
        "Tax Exempt",
    ]
    latin = _member("+886912345001")
    assert (latin.name, latin.email, latin.notes) == (
        "Mei Ling Chen",
        "meiling@example.com",
        "Prefers mornings",
    )
    assert latin.lifetime_spend == Decimal("1234.50")
    # Total Orders: the purchases the earlier system counted.
    assert (latin.opening_purchases, latin.purchase_count) == (5, 0)
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
    assert result.ignored == ["Reference ID", "Nickname", "Square Customer ID"]
    wei = _member("+886912345101")
    assert (wei.name, wei.birthday, wei.joined_on) == (
        "Wei Huang",
        date(1988, 3, 14),
        date(2023, 2, 1),
    )
    assert wei.notes == "Allergic to lavender" and wei.lifetime_spend == Decimal("2310.00")
    assert not wei.email_opt_out
    # Transaction Count and Last Visit: the member's opening figures.
    assert (wei.opening_purchases, wei.opening_last_purchase_on) == (14, date(2025, 11, 30))
    assert wei.last_purchase_on == date(2025, 11, 30) and wei.purchase_count == 0
    huang = _member("+886912345102")
    assert huang.name == "黃志豪" and huang.joined_on == date(2024, 7, 15)
    assert huang.lifetime_spend == Decimal("450.50") and huang.email_opt_out
    assert (huang.opening_purchases, huang.opening_last_purchase_on) == (3, date(2025, 10, 2))
    amy = _member("+886912345103")
    assert not amy.email_opt_out
    assert (amy.opening_purchases, amy.opening_last_purchase_on) == (0, None)


def test_mainland_members(ladder, settings):
    settings.DEFAULT_PHONE_REGION = "CN"
    result = import_members_file(FIXTURES / "mainland_members.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.encoding == "gb18030"
    assert result.ignored == []
    wang = _member("+8613800138001")
    assert (wang.name, wang.points_balance, wang.lifetime_spend) == ("王芳", 1200, Decimal("3560"))
    assert wang.joined_on == date(2022, 3, 15) and wang.tier == ladder["gold"]
    # 消费次数 and 最近消费时间 (its time of day dropped): the opening figures.
    assert (wang.opening_purchases, wang.opening_last_purchase_on) == (12, date(2025, 11, 2))
    li = _member("+8613900138002")
    assert li.lifetime_spend == Decimal("88") and li.joined_on == date(2025, 6, 1)
    assert li.tier == ladder["member"]
    zhang = _member("+8613700138003")
    assert zhang.lifetime_spend == Decimal("1200.50")
    assert (zhang.opening_purchases, zhang.opening_last_purchase_on) == (4, None)


def test_taiwan_pos_members(ladder):
    result = import_members_file(FIXTURES / "taiwan_pos.csv")
    assert result.applied and result.created == 3, result.errors
    assert result.encoding == "cp950"
    assert result.ignored == []
    lin = _member("+886912345201")
    assert (lin.name, lin.lifetime_spend, lin.joined_on) == (
        "林志玲",
        Decimal("12800"),
        date(2019, 5, 4),
    )
    assert lin.tier == ladder["gold"]
    assert (lin.opening_purchases, lin.opening_last_purchase_on) == (8, date(2025, 11, 20))
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
    # Each column with the field it is read as, chosen in its drop-down.
    assert '<option value="first_name" selected>Given name</option>' in page
    assert '<option value="last_name" selected>Family name</option>' in page
    assert '<option value="purchases" selected>Purchases</option>' in page
    assert '<option value="tags" selected>Tags</option>' in page
    assert "Ignored: Customer ID, Default Address Company, Default Address City, Tax Exempt" in (
        page
    )


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
