"""The owner's shop settings page (config.views.shop_settings_view)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import shop
from config.models import SettingsChange, ShopSettings

URL = reverse("shop_settings")


def form_data(**changes):
    data = {
        "name": "Lily's Salon",
        "receipt_header": "12 Nathan Road",
        "receipt_footer": "See you soon",
        "phone_region": "HK",
        "also_regions": "CN, MO",
        "currency": "HKD",
        "money_decimals": "",
        "language": "en",
        "date_order": "dmy",
    }
    data.update(changes)
    return data


def test_it_shows_the_environment_values_before_the_first_save(owner_client):
    with override_settings(SHOP_NAME="美髮沙龍", DEFAULT_PHONE_REGION="TW", CURRENCY="TWD"):
        response = owner_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "美髮沙龍"
    assert form["phone_region"].value() == "TW"
    assert form["currency"].value() == "TWD"


def test_owner_can_edit_the_settings(owner_client):
    response = owner_client.post(URL, form_data())
    assert response.status_code == 302
    row = ShopSettings.objects.get(pk=1)
    assert (row.name, row.phone_region, row.also_regions) == ("Lily's Salon", "HK", ["CN", "MO"])
    assert (row.currency, row.money_decimals, row.date_order) == ("HKD", None, "dmy")
    assert row.receipt_header == "12 Nathan Road"


def test_the_next_request_sees_the_new_values(owner_client):
    assert "Lily&#x27;s Salon" not in owner_client.get(URL).content.decode()
    owner_client.post(URL, form_data())
    page = owner_client.get(URL).content.decode()
    assert "Lily&#x27;s Salon" in page  # the header's shop name, not only the form
    assert 'class="brand"><strong>Lily&#x27;s Salon</strong>' in page


def test_another_process_sees_the_change_on_its_next_request(owner_client, owner):
    owner_client.get(URL)  # this process now keeps a copy of the settings
    stale = shop._copy
    shop.save_shop_settings(by=owner, name="Renamed")
    shop._copy = stale  # as a process that did not make the change still holds
    page = owner_client.get(URL).content.decode()
    assert "<strong>Renamed</strong>" in page


def test_a_page_reads_the_settings_at_no_query_of_its_own_once_kept(owner_client, owner):
    """The version comes with the signed-in user's query; the row is read
    once per process and change."""
    shop.save_shop_settings(by=owner, name="Kept")
    owner_client.get(URL)  # loads the copy
    with CaptureQueriesContext(connection) as queries:
        body = owner_client.get(URL).content.decode()
    assert "<strong>Kept</strong>" in body
    reads = [q["sql"] for q in queries if "shopsettings" in q["sql"].lower()]
    assert len(reads) == 1 and "auth_user" in reads[0], reads


def test_the_change_is_recorded_old_and_new(owner_client, owner):
    with override_settings(SHOP_NAME="Loyalty Desk", DEFAULT_PHONE_REGION="TW"):
        owner_client.post(URL, form_data())
    change = SettingsChange.objects.get(model="config.shopsettings")
    assert change.by == owner
    assert change.changes["name"] == ["Loyalty Desk", "Lily's Salon"]
    assert change.changes["phone_region"] == ["TW", "HK"]
    assert change.changes["also_regions"] == [[], ["CN", "MO"]]
    page = owner_client.get(reverse("dashboard:changes")).content.decode()
    assert "Shop name: Loyalty Desk → Lily&#x27;s Salon" in page


def test_saving_without_a_change_records_nothing(owner_client):
    owner_client.post(URL, form_data())
    owner_client.post(URL, form_data(also_regions="cn mo"))
    assert SettingsChange.objects.filter(model="config.shopsettings").count() == 1


def test_staff_get_403(staff_client):
    assert staff_client.get(URL).status_code == 403
    assert staff_client.post(URL, form_data()).status_code == 403
    assert not ShopSettings.objects.exists()


def test_it_requires_get_or_post(owner_client):
    assert owner_client.put(URL).status_code == 405


def test_an_unknown_region_code_says_what_to_fix(owner_client):
    response = owner_client.post(URL, form_data(also_regions="CN, XX"))
    assert response.status_code == 400
    assert "“XX” is not a region code" in response.content.decode()
    assert not ShopSettings.objects.exists()


def test_the_phone_region_is_not_listed_again_as_also_accepted(owner_client):
    owner_client.post(URL, form_data(phone_region="CN", also_regions="HK, CN"))
    assert ShopSettings.objects.get().also_regions == ["HK"]


def test_time_zone_is_shown_read_only_with_how_to_change_it(owner_client):
    with override_settings(TIME_ZONE="Asia/Hong_Kong"):
        body = owner_client.get(URL).content.decode()
    assert "Asia/Hong_Kong" in body
    assert "TIME_ZONE" in body
    assert 'name="time_zone"' not in body


def test_owners_find_the_page_in_their_navigation(owner_client):
    assert f'href="{URL}"' in owner_client.get(reverse("dashboard:changes")).content.decode()


@pytest.mark.usefixtures("english")
def test_the_default_language_serves_browsers_asking_for_none_we_speak(owner_client):
    owner_client.post(URL, form_data(language="zh-hans"))
    page = owner_client.get(URL, headers={"accept-language": "ja"})
    assert page.headers["Content-Language"] == "zh-hans"
    asked = owner_client.get(URL, headers={"accept-language": "en"})
    assert asked.headers["Content-Language"] == "en"
