"""config.audit: what a settings change records (raw, JSON-safe values)."""

from datetime import date
from decimal import Decimal

from campaigns.models import Campaign
from config.audit import record_settings_change, settings_snapshot
from config.models import SettingsChange
from points.models import ProgrammeRules
from tests.factories import CampaignFactory


def test_it_records_each_changed_field_with_old_and_new(owner):
    rules = ProgrammeRules.current()
    before = settings_snapshot(rules, ["earn_points", "earn_per_amount", "expiry_policy"])
    rules.earn_per_amount = Decimal("50.00")
    rules.expiry_policy = "never"
    rules.save()
    change = record_settings_change(
        obj=rules,
        before=before,
        fields=["earn_points", "earn_per_amount", "expiry_policy"],
        by=owner,
    )
    change.refresh_from_db()
    assert change.changes == {
        "earn_per_amount": ["1", "50"],
        "expiry_policy": ["year_end", "never"],
    }
    assert (change.model, change.app_label, change.object_id) == (
        "points.programmerules",
        "points",
        "1",
    )
    assert change.action == "changed"
    assert change.by == owner
    assert change.object_label == ""  # a settings row has no name of its own


def test_a_change_that_changes_nothing_records_nothing(owner):
    rules = ProgrammeRules.current()
    fields = ["earn_points", "earn_per_amount"]
    before = settings_snapshot(rules, fields)
    rules.earn_per_amount = Decimal("1.00")  # the same value, spelt otherwise
    assert record_settings_change(obj=rules, before=before, fields=fields, by=owner) is None
    assert not SettingsChange.objects.exists()


def test_dates_links_and_lists_are_stored_raw(tiers):
    campaign = CampaignFactory(
        name="Year end",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
        tiers=[tiers["gold"], tiers["silver"]],
    )
    change = record_settings_change(
        obj=campaign,
        before=None,
        fields=["name", "starts_on", "tiers", "multiplier", "description"],
        by=None,
    )
    change.refresh_from_db()
    assert change.action == "created"
    assert change.object_label == "Year end"
    assert change.changes == {
        "name": [None, "Year end"],
        "starts_on": [None, "2026-12-01"],
        "tiers": [None, sorted([tiers["gold"].pk, tiers["silver"].pk])],
        "multiplier": [None, "2"],
    }  # an empty description is not worth a line


def test_a_removal_keeps_the_last_values_and_the_id(tiers):
    campaign = CampaignFactory(name="Old promo")
    pk = campaign.pk
    before = settings_snapshot(campaign, ["name", "bonus_points"])
    change = record_settings_change(
        obj=campaign, before=before, fields=["name", "bonus_points"], by=None, deleted=True
    )
    campaign.delete()
    change.refresh_from_db()
    assert change.action == "deleted"
    assert change.object_id == str(pk)
    assert change.changes == {"name": ["Old promo", None], "bonus_points": [0, None]}
    assert not Campaign.objects.filter(pk=pk).exists()
