"""Redemptions at the counter's store; the list of them per store."""

import uuid

from django.urls import reverse

from loyalty.sale import record_purchase
from rewards.models import RewardRedemption
from rewards.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory, staff_user


def test_a_reward_redeemed_from_the_catalogue_page_is_the_devices_store(client, two_stores, tiers):
    main, _mall = two_stores
    cashier = staff_user(username="main-only")
    main.staff.add(cashier)
    client.force_login(cashier)
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="1000", idempotency_key="earn", store=main)
    reward = RewardFactory()

    response = client.post(
        reverse("rewards:redeem", args=[member.pk]),
        {"reward": reward.pk, "quantity": 1, "idempotency_key": uuid.uuid4().hex},
    )

    assert response.status_code == 302
    assert RewardRedemption.objects.get(member=member).store == main


def test_staff_of_one_store_list_its_redemptions_and_the_phones(client, two_stores, tiers):
    main, mall = two_stores
    cashier = staff_user(username="main-only")
    main.staff.add(cashier)
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="2000", idempotency_key="earn", store=main)
    reward = RewardFactory(name="Hand cream")
    ours = redeem_reward(member=member, reward=reward, idempotency_key="a", store=main)
    theirs = redeem_reward(member=member, reward=reward, idempotency_key="b", store=mall)
    phone = redeem_reward(member=member, reward=reward, idempotency_key="c")
    client.force_login(cashier)

    page = client.get(reverse("rewards:redemptions")).content.decode()

    shown = {r.pk for r in (ours, theirs, phone) if f"/redemptions/{r.pk}/" in page}
    assert shown == {ours.pk, phone.pk}
    assert "<th>Store</th>" in page
