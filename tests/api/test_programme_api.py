from tests.factories import CampaignFactory, RewardFactory


def test_programme_lists_rules_tiers_rewards_and_todays_campaigns(till, tiers):
    RewardFactory(name="Hair mask", points_cost=300)
    RewardFactory(name="Retired", is_active=False)
    campaign = CampaignFactory(name="Double Monday")
    response = till.get("/programme")
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["tiers"]] == ["Member", "Silver", "Gold"]
    assert [r["name"] for r in body["rewards"]] == ["Hair mask"]
    assert body["rules"]["redeem_points"] == 100
    assert [c["id"] for c in body["campaigns_today"]] == [campaign.pk]
