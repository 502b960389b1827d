"""config.shop: where the shop settings come from, and how often they are read."""

from django.test import override_settings

from config.shop import save_shop_settings, shop_settings, shop_settings_scope


@override_settings(SHOP_NAME="美髮沙龍", DEFAULT_PHONE_REGION="HK", CURRENCY="HKD")
def test_the_environment_stands_in_until_the_owner_saves(db, owner):
    assert (shop_settings().name, shop_settings().phone_region) == ("美髮沙龍", "HK")
    save_shop_settings(by=owner, name="Lily's Salon")
    settings = shop_settings()
    assert (settings.name, settings.phone_region, settings.currency) == (
        "Lily's Salon",
        "HK",
        "HKD",
    )


def test_a_save_is_seen_by_the_next_reader(db, owner):
    save_shop_settings(by=owner, name="One")
    assert shop_settings().name == "One"
    save_shop_settings(by=owner, name="Two")
    assert shop_settings().name == "Two"


def test_a_job_reads_them_once(db, owner, django_assert_num_queries):
    save_shop_settings(by=owner, name="Once")
    with shop_settings_scope(), django_assert_num_queries(1):
        assert [shop_settings().name for _ in range(3)] == ["Once"] * 3


def test_a_save_within_a_scope_is_seen_at_once(db, owner):
    with shop_settings_scope():
        assert shop_settings().name != "Renamed"
        save_shop_settings(by=owner, name="Renamed")
        assert shop_settings().name == "Renamed"
