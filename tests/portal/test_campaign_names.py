"""Members read a campaign's name in their own script."""

import pytest
from django.urls import reverse

from config.clock import shop_today
from tests.factories import CampaignFactory


@pytest.mark.parametrize(
    ("language", "hant", "hans", "expected"),
    [
        ("zh-hant", "雙倍日", "双倍日", "雙倍日"),
        ("zh-hans", "雙倍日", "双倍日", "双倍日"),
        ("zh-hans", "雙倍日", "", "雙倍日"),  # Traditional is nearer than English
        ("zh-hant", "", "双倍日", "Double day"),
        ("en", "雙倍日", "双倍日", "Double day"),
    ],
)
def test_a_member_reads_the_campaign_in_their_script(
    member_client, member, tiers, language, hant, hans, expected
):
    CampaignFactory(name="Double day", name_zh_hant=hant, name_zh_hans=hans, starts_on=shop_today())
    member_client.cookies["django_language"] = language
    body = member_client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=language)
    assert f"· {expected}</li>" in body.content.decode()
