"""Owner pages speak the owner's language: no shell commands, no internal
codes, and no inactive tier offered where it would mean nothing."""

from django.urls import reverse

from points.models import BehaviourRule


def test_the_tiers_page_names_no_shell_command(owner_client, tiers):
    page = owner_client.get(reverse("tiers:list")).content.decode()
    assert "manage.py" not in page and "evaluate_tiers" not in page


def test_behaviour_rewards_show_their_names_not_their_codes(owner_client, tiers):
    BehaviourRule.objects.create(
        action="birthday", code="bday-internal", name="Birthday gift", points=100
    )
    page = owner_client.get(reverse("points:rules")).content.decode()
    assert "Birthday gift" in page and "bday-internal" not in page


def test_an_inactive_tier_is_not_offered_in_filters_and_forms(owner_client, tiers):
    tiers["gold"].is_active = False
    tiers["gold"].save(update_fields=["is_active"])

    def offered(page, tier):
        # A tier checkbox (campaigns) or a tier option (rewards, dashboard).
        return f'name="tiers" value="{tier.pk}"' in page or f'<option value="{tier.pk}"' in page

    for url in (
        reverse("campaigns:create"),
        reverse("rewards:create"),
        reverse("dashboard:index"),
    ):
        page = owner_client.get(url).content.decode()
        assert offered(page, tiers["silver"]) and not offered(page, tiers["gold"]), url
