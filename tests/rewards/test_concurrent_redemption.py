"""Twenty counters, five units: row locks decide, the ledger still adds up."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from config.errors import LoyaltyError
from members.models import Member
from rewards.models import Reward, RewardRedemption
from rewards.services import cancel_redemption, redeem_reward
from tests.factories import RewardFactory, TierFactory, member_with_points


def run_at_once(count, work):
    """Run work(i) in `count` threads released together; return their outcomes."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as error:  # the outcome under test, asserted below
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_members_race_for_the_last_five_units():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    TierFactory(rank=1)
    reward = RewardFactory(points_cost=100, stock=5)
    members = [member_with_points(300) for _ in range(20)]

    outcomes = run_at_once(
        20,
        lambda i: redeem_reward(member=members[i], reward=reward, idempotency_key=f"race-{i}"),
    )

    won = [o for o in outcomes if isinstance(o, RewardRedemption)]
    lost = [o for o in outcomes if isinstance(o, LoyaltyError)]
    assert len(won) == 5, outcomes
    assert len(lost) == 15 and {e.code for e in lost} == {"out_of_stock"}
    assert Reward.objects.get().stock == 0
    balances = sorted(
        Member.objects.filter(pk__in=[m.pk for m in members]).values_list(
            "points_balance", flat=True
        )
    )
    assert balances == [200] * 5 + [300] * 15
    call_command("check_ledger")  # raises CommandError on any mismatch


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_member_double_spend_is_impossible():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    TierFactory(rank=1)
    reward = RewardFactory(points_cost=100, stock=None)
    member = member_with_points(250)

    outcomes = run_at_once(
        6, lambda i: redeem_reward(member=member, reward=reward, idempotency_key=f"two-{i}")
    )

    assert sum(isinstance(o, RewardRedemption) for o in outcomes) == 2, outcomes
    member.refresh_from_db()
    assert member.points_balance == 50
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_return_points_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    TierFactory(rank=1)
    reward = RewardFactory(points_cost=100, stock=3)
    member = member_with_points(100)
    redemption = redeem_reward(member=member, reward=reward, idempotency_key="once")

    run_at_once(5, lambda i: cancel_redemption(redemption=redemption))

    member.refresh_from_db()
    assert member.points_balance == 100
    assert Reward.objects.get().stock == 3
    call_command("check_ledger")
