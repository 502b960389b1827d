"""A tier or the tier programme saved in the admin: the change is checked, kept
in the tier history of settings, and on the owner's "Recent changes"."""

from decimal import Decimal

from django.urls import reverse

from config.models import SettingsChange
from tiers.models import TierProgramme, TierSettingsAudit
from tiers.programme import PROGRAMME_FIELDS, TIER_FIELDS


def _form(page, **changes):
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        data[name] = "" if value is None else value
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def test_a_tier_saved_in_the_admin_is_recorded(owner_client, owner, salon):
    url = reverse("admin:tiers_tier_change", args=[salon["gold"].pk])
    page = owner_client.get(url)
    response = owner_client.post(url, _form(page, retail_discount="25", is_active="on"))
    assert response.status_code == 302
    salon["gold"].refresh_from_db()
    assert salon["gold"].retail_discount == Decimal("25")
    assert TierSettingsAudit.objects.filter(tier=salon["gold"]).exists()
    change = SettingsChange.objects.get()
    assert change.model == "tiers.tier"
    assert change.changes["retail_discount"] == ["20", "25"]
    assert set(change.changes) <= set(TIER_FIELDS)


def test_the_programme_saved_in_the_admin_is_recorded(owner_client, owner, salon):
    TierProgramme.current()
    url = reverse("admin:tiers_tierprogramme_change", args=[1])
    page = owner_client.get(url)
    response = owner_client.post(url, _form(page, grace_days="60"))
    assert response.status_code == 302
    change = SettingsChange.objects.get()
    assert change.changes == {"grace_days": [90, 60]}
    assert set(change.changes) <= set(PROGRAMME_FIELDS)
