"""The counter card's campaign line: active_today and its partial."""

from datetime import timedelta

from django.template.loader import render_to_string

from campaigns.selectors import active_today
from config.clock import shop_today
from tests.factories import CampaignFactory


def test_card_lists_todays_campaigns_with_their_effect(tiers):
    CampaignFactory(name="Double day", tiers=[tiers["gold"]])
    CampaignFactory(name="Tomorrow", starts_on=shop_today() + timedelta(days=1))
    html = render_to_string("campaigns/partials/active_today.html", {"campaigns": active_today()})
    assert "Double day" in html and "×2 points" in html and "Gold" in html
    assert "Tomorrow" not in html


def test_card_is_empty_without_campaigns(db):
    html = render_to_string("campaigns/partials/active_today.html", {"campaigns": active_today()})
    assert html.strip() == ""


def test_terms_partial_shows_applied_and_skipped_lines(db):
    html = render_to_string(
        "campaigns/partials/terms.html",
        {
            "lines": [{"campaign": "Double", "why": "×2 points: every day, for all tiers"}],
            "skipped": [{"campaign": "Other", "why": "“Double” is worth more"}],
        },
    )
    assert "Double" in html and "every day" in html and "<s>Other</s>" in html
