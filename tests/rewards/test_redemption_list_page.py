"""The redemption list: filters, hand over, cancel."""

import pytest
from django.urls import reverse

from rewards.models import RewardRedemption
from rewards.services import redeem_reward
from tests.factories import RewardFactory, member_with_points


@pytest.fixture
def redemption(tiers):
    member = member_with_points(1000, name="Lin")
    return redeem_reward(member=member, reward=RewardFactory(name="Comb"), idempotency_key="k")


def test_it_lists_redemptions(staff_client, redemption):
    response = staff_client.get(reverse("rewards:redemptions"))
    assert response.status_code == 200
    assert "Comb" in response.content.decode()


def test_it_filters_by_status_and_member(staff_client, redemption):
    other = member_with_points(1000, name="Wang")
    redeem_reward(member=other, reward=RewardFactory(name="Mug"), idempotency_key="k2")
    listed = staff_client.get(reverse("rewards:redemptions"), {"member": "Lin"}).context["page"]
    assert [r.reward.name for r in listed] == ["Comb"]
    listed = staff_client.get(reverse("rewards:redemptions"), {"status": "fulfilled"}).context[
        "page"
    ]
    assert list(listed) == []


def test_filter_button_reads_as_the_other_pages_in_chinese(staff_client, redemption):
    # Django's admin catalog translates a bare "Filter" as 過濾器 (a device).
    response = staff_client.get(
        reverse("rewards:redemptions"), headers={"accept-language": "zh-hant"}
    )
    page = response.content.decode()
    assert "套用篩選" in page
    assert "過濾器" not in page


def test_it_needs_login(client, redemption):
    assert client.get(reverse("rewards:redemptions")).status_code == 302


def test_query_count_does_not_grow(staff_client, tiers, django_assert_max_num_queries):
    for n in range(15):
        member = member_with_points(500)
        redeem_reward(member=member, reward=RewardFactory(), idempotency_key=f"k{n}")
    with django_assert_max_num_queries(8):
        staff_client.get(reverse("rewards:redemptions"))


def test_fulfil_works(staff_client, redemption, staff):
    response = staff_client.post(reverse("rewards:fulfil", args=[redemption.pk]))
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert (redemption.status, redemption.fulfilled_by) == ("fulfilled", staff)


def test_fulfil_requires_post(staff_client, redemption):
    assert staff_client.get(reverse("rewards:fulfil", args=[redemption.pk])).status_code == 405


def test_cancel_works_and_returns_points(staff_client, redemption):
    response = staff_client.post(
        reverse("rewards:cancel", args=[redemption.pk]),
        {"reason": "wrong item", "next": reverse("members:detail", args=[redemption.member_id])},
    )
    assert response["Location"] == reverse("members:detail", args=[redemption.member_id])
    redemption.refresh_from_db()
    redemption.member.refresh_from_db()
    assert (redemption.status, redemption.cancel_reason) == ("cancelled", "wrong item")
    assert redemption.member.points_balance == 1000


def test_cancel_twice_says_nothing_changed(staff_client, redemption):
    staff_client.post(reverse("rewards:cancel", args=[redemption.pk]))
    response = staff_client.post(reverse("rewards:cancel", args=[redemption.pk]), follow=True)
    assert "already cancelled" in response.content.decode()
    redemption.member.refresh_from_db()
    assert redemption.member.points_balance == 1000


def test_cancel_ignores_a_foreign_next(staff_client, redemption):
    response = staff_client.post(
        reverse("rewards:cancel", args=[redemption.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("rewards:redemptions")


def test_cancel_of_handed_over_goods_is_refused(staff_client, redemption):
    staff_client.post(reverse("rewards:fulfil", args=[redemption.pk]))
    response = staff_client.post(reverse("rewards:cancel", args=[redemption.pk]), follow=True)
    assert "already handed over" in response.content.decode()
    assert RewardRedemption.objects.get().status == "fulfilled"


def test_member_page_shows_the_rewards_section(staff_client, redemption):
    from rewards.services import issue_reward
    from tests.factories import coupon_reward

    issue_reward(member=redemption.member, reward=coupon_reward(), reason="birthday")
    coupon = redemption.member.coupons.get()
    body = staff_client.get(reverse("members:detail", args=[redemption.member_id])).content.decode()
    assert 'id="member-rewards"' in body
    assert "Comb" in body
    assert coupon.display_code in body
    assert reverse("rewards:member_catalogue", args=[redemption.member_id]) in body
