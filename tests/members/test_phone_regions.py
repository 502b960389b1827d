"""Phones of every region: the shop settings' region reads local numbers,
the regions also accepted take what it does not, and a number typed with +
is accepted whatever the region (members.phones)."""

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from config.shop import save_shop_settings
from importing.files import import_members_file
from members.models import Member
from members.phones import normalize_phone
from members.selectors import search_members
from tests.factories import MemberFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("region", "typed", "e164"),
    [
        ("HK", "91234568", "+85291234568"),
        ("HK", "9123 4568", "+85291234568"),
        ("HK", "2123 4567", "+85221234567"),
        ("CN", "13800138000", "+8613800138000"),
        ("CN", "138-0013-8001", "+8613800138001"),
        ("CN", "010 1234 5678", "+861012345678"),
        ("SG", "8123 4567", "+6581234567"),
        ("SG", "6123-4567", "+6561234567"),
        ("MY", "012-345 6789", "+60123456789"),
        ("MY", "0123456789", "+60123456789"),
        ("MO", "6612 3456", "+85366123456"),
    ],
)
def test_local_forms_of_the_shop_region(db, owner, region, typed, e164):
    save_shop_settings(by=owner, phone_region=region)
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("region", ["TW", "HK", "CN", "SG", "MY"])
@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+852 9123 4568", "+85291234568"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+886 912 345 678", "+886912345678"),
        ("+65 8123 4567", "+6581234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("＋８５２ ９１２３ ４５６８", "+85291234568"),
    ],
)
def test_a_number_typed_with_its_country_code_is_taken_in_every_region(
    db, owner, region, typed, e164
):
    save_shop_settings(by=owner, phone_region=region)
    assert normalize_phone(typed) == e164


def test_a_region_also_accepted_takes_what_the_shop_region_does_not(db, owner):
    save_shop_settings(by=owner, phone_region="HK", also_regions=["CN"])
    assert normalize_phone("13800138000") == "+8613800138000"
    assert normalize_phone("91234568") == "+85291234568"  # the shop's region first


def test_a_number_of_another_region_says_what_it_looks_like(db, owner):
    save_shop_settings(by=owner, phone_region="HK")
    with pytest.raises(LoyaltyError) as refused:
        normalize_phone("13800138000")
    assert refused.value.message == (
        "“13800138000” looks like a mainland China mobile: add +86, "
        "or add CN to the regions this shop accepts."
    )
    assert refused.value.field == "phone"


def test_a_hong_kong_mobile_in_a_taiwan_shop_says_so(db):
    with pytest.raises(LoyaltyError) as refused:
        normalize_phone("9123 4568", region="TW")
    assert "looks like a Hong Kong mobile: add +852, or add HK" in refused.value.message


def test_digits_of_no_region_keep_the_plain_error(db):
    with pytest.raises(LoyaltyError) as refused:
        normalize_phone("12345", region="TW")
    assert "not a valid phone number" in refused.value.message


def test_the_counter_enrols_a_local_number_of_the_shop_region(staff_client, tiers, owner):
    save_shop_settings(by=owner, phone_region="HK")
    response = staff_client.post(
        reverse("counter:enrol"),
        {"enrol-phone": "9123 4568", "enrol-name": "陳大文"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Member.objects.get().phone == "+85291234568"


def test_the_counter_shows_the_looks_like_error_next_to_the_phone(staff_client, tiers):
    response = staff_client.post(
        reverse("counter:enrol"),
        {"enrol-phone": "13800138000", "enrol-name": "王芳"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "add +86, or add CN" in str(response.context["enrol_form"].errors["phone"])
    assert not Member.objects.exists()


def test_search_finds_a_member_by_an_international_number_in_any_shop(tiers):
    member = MemberFactory(phone="+85291234568")
    assert list(search_members("+852 9123 4568")) == [member]


def test_search_reads_local_numbers_with_the_shop_region(tiers, owner):
    member = MemberFactory(phone="+8613800138000")
    save_shop_settings(by=owner, phone_region="CN")
    assert list(search_members("138-0013-8000")) == [member]


def test_the_import_reads_phones_with_the_shop_settings(tmp_path, tiers, owner):
    save_shop_settings(by=owner, phone_region="HK", also_regions=["CN"])
    path = tmp_path / "members.csv"
    path.write_text(
        "phone,name\r\n9123 4568,陳大文\r\n138-0013-8000,王芳\r\n+65 8123 4567,Tan\r\n",
        encoding="utf-8",
    )
    result = import_members_file(path)
    assert (result.created, result.error_rows) == (3, 0)
    assert set(Member.objects.values_list("phone", flat=True)) == {
        "+85291234568",
        "+8613800138000",
        "+6581234567",
    }


def test_the_import_names_what_a_wrong_region_number_looks_like(tmp_path, tiers, owner):
    path = tmp_path / "members.csv"
    path.write_text("phone,name\r\n13800138000,王芳\r\n", encoding="utf-8")
    result = import_members_file(path)
    assert result.error_rows == 1
    assert "looks like a mainland China mobile" in str(result.errors[0])


def test_a_mobile_elsewhere_is_named_before_a_landline(db):
    with pytest.raises(LoyaltyError) as refused:
        normalize_phone("090-1234-5678", region="TW")
    assert "looks like a Japan mobile: add +81, or add JP" in refused.value.message


def test_the_looks_like_error_speaks_the_readers_language(db):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(LoyaltyError) as refused:
        normalize_phone("13800138000", region="HK")
    assert refused.value.message == (
        "“13800138000”看起来是中国大陆的手机号码：请加上 +86，或把 CN 加入本店同时接受的地区。"
    )
