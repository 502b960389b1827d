"""Campaigns and behaviour rewards carry a name in each script where the
owner gives one; members and cashiers read it in theirs."""

from django.urls import reverse
from django.utils import translation

from campaigns.models import Campaign
from points.models import BehaviourRule
from tests.campaigns.test_campaign_form_page import _form


def test_the_campaign_form_saves_a_name_in_each_script(owner_client, tiers):
    response = owner_client.post(
        reverse("campaigns:create"),
        _form(name="Double 18th", name_zh_hant="18 號雙倍點數", name_zh_hans="18 号双倍积分"),
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.name_zh_hant, campaign.name_zh_hans) == ("18 號雙倍點數", "18 号双倍积分")
    edit = owner_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert 'value="18 號雙倍點數"' in edit


def test_a_behaviour_reward_reads_in_the_readers_script(db):
    rule = BehaviourRule(code="review", name="Review", name_zh_hant="評論", name_zh_hans="评论")
    with translation.override("zh-hant"):
        assert rule.display_name == "評論"
    with translation.override("zh-hans"):
        assert rule.display_name == "评论"
    with translation.override("en"):
        assert rule.display_name == "Review"
