"""The owner's Birthday gifts page: when, the default reward, each tier's gift."""

import pytest
from django.urls import reverse

from automation.services import save_birthday_gifts
from config.errors import LoyaltyError
from members.models import AutomationSettings, BirthdayGift
from tests.factories import RewardFactory

URL = "/members/birthday-gifts/"


def _post(tiers, **overrides):
    data = {"birthday_timing": "day", "send_birthday_greetings": "on", "birthday_reward": ""}
    for tier in tiers.values():
        data[f"gift_{tier.pk}_points"] = ""
        data[f"gift_{tier.pk}_reward"] = ""
    data.update(overrides)
    return data


def test_the_url_is_named():
    assert reverse("automation:birthday_gifts") == URL


def test_it_shows_each_tier_and_its_gift(owner_client, tiers, django_assert_max_num_queries):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"])
    BirthdayGift.objects.create(tier=tiers["gold"], reward=spa)
    BirthdayGift.objects.create(tier=tiers["member"], points=80)
    with django_assert_max_num_queries(15):
        response = owner_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Member", "Silver", "Gold", "Spa treatment (Gold and above)"):
        assert name in page
    form = response.context["form"]
    assert form[f"gift_{tiers['member'].pk}_points"].value() == 80
    assert form[f"gift_{tiers['gold'].pk}_reward"].value() == spa.pk


def test_it_saves_a_gift_per_tier(owner_client, tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"])
    cake = RewardFactory(name="Cake")
    data = _post(
        tiers,
        birthday_timing="month",
        birthday_reward=str(cake.pk),
        **{f"gift_{tiers['gold'].pk}_reward": str(spa.pk)},
        **{f"gift_{tiers['member'].pk}_points": "80"},
    )
    del data["send_birthday_greetings"]
    response = owner_client.post(URL, data)
    assert response.status_code == 302
    assert response.url == URL
    gifts = {g.tier.name: (g.points, g.reward) for g in BirthdayGift.objects.all()}
    assert gifts == {"Gold": (0, spa), "Member": (80, None)}
    settings_row = AutomationSettings.current()
    assert settings_row.birthday_timing == "month"
    assert settings_row.birthday_reward == cake
    assert settings_row.send_birthday_greetings is False


def test_emptying_a_tier_puts_it_back_on_the_defaults(owner_client, tiers):
    BirthdayGift.objects.create(tier=tiers["silver"], points=40)
    response = owner_client.post(URL, _post(tiers))
    assert response.status_code == 302
    assert not BirthdayGift.objects.exists()


def test_it_refuses_a_reward_kept_for_a_higher_tier(owner_client, tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"])
    field = f"gift_{tiers['silver'].pk}_reward"
    data = _post(tiers, birthday_timing="month", **{field: str(spa.pk)})
    response = owner_client.post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [
        "“Spa treatment” is for Gold members and above, so Silver members could not get it. "
        "Choose a reward open to Silver."
    ]
    assert not BirthdayGift.objects.exists()
    assert AutomationSettings.current().birthday_timing == "day"


def test_it_refuses_points_it_cannot_read(owner_client, tiers):
    field = f"gift_{tiers['gold'].pk}_points"
    response = owner_client.post(URL, _post(tiers, **{field: "-5"}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    response = owner_client.post(URL, _post(tiers, **{field: "lots"}))
    assert response.status_code == 400
    assert not BirthdayGift.objects.exists()


def test_it_warns_when_the_default_reward_skips_lower_tiers(owner_client, tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"])
    owner_client.post(URL, _post(tiers, birthday_reward=str(spa.pk)))
    page = owner_client.get(URL).content.decode()
    assert "these tiers get no birthday reward" in page
    assert "Member, Silver" in page


def test_it_speaks_chinese(owner_client, tiers):
    RewardFactory(name="Spa", min_tier=tiers["gold"])
    page = owner_client.get(URL, headers={"accept-language": "zh-hant"}).content.decode()
    assert "各等級的生日禮" in page
    assert "Spa（限 Gold 以上）" in page
    page = owner_client.get(URL, headers={"accept-language": "zh-hans"}).content.decode()
    assert "各等级的生日礼" in page


def test_the_service_refuses_a_gold_reward_for_silver(tiers):
    spa = RewardFactory(min_tier=tiers["gold"])
    with pytest.raises(LoyaltyError) as refused:
        save_birthday_gifts(
            timing="day",
            send_greetings=True,
            default_reward=None,
            gifts={tiers["silver"]: (0, spa), tiers["gold"]: (0, spa)},
        )
    assert refused.value.code == "gift_tier"
    assert not BirthdayGift.objects.exists()


def test_it_refuses_other_methods(owner_client, tiers):
    assert owner_client.put(URL).status_code == 405
    assert owner_client.delete(URL).status_code == 405


def test_staff_are_refused(staff_client, tiers):
    assert staff_client.get(URL).status_code == 403
    response = staff_client.post(URL, _post(tiers, **{f"gift_{tiers['gold'].pk}_points": "9"}))
    assert response.status_code == 403
    assert not BirthdayGift.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, tiers):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response.url


def test_the_jobs_page_links_to_it(owner_client, tiers):
    assert URL in owner_client.get(reverse("automation:jobs")).content.decode()


def test_the_admin_shows_the_gifts_without_editing_them(owner_client, tiers):
    gift = BirthdayGift.objects.create(tier=tiers["gold"], points=10)
    assert owner_client.get("/admin/members/birthdaygift/").status_code == 200
    response = owner_client.post(
        f"/admin/members/birthdaygift/{gift.pk}/change/", {"tier": gift.tier_id, "points": 99}
    )
    assert response.status_code == 403
    gift.refresh_from_db()
    assert gift.points == 10
