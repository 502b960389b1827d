"""Members and points belong to the programme: earned at one store, spent at another."""

from loyalty.sale import record_purchase
from points.models import LedgerEntry
from points.refund import refund_purchase
from rewards.services import cancel_redemption, redeem_reward
from tests.factories import MemberFactory, RewardFactory

Kind = LedgerEntry.Kind


def test_a_member_earns_at_one_store_and_redeems_at_another(two_stores, tiers):
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    earned = record_purchase(member=member, amount="1000", idempotency_key="a", store=main)
    assert earned.store == main
    assert earned.points_earned == 950  # 5 % off, 1 point per 1

    spent = record_purchase(
        member=member, amount="1000", points_to_redeem=200, idempotency_key="b", store=mall
    )

    assert spent.store == mall
    redeem = spent.ledger_entries.get(kind=Kind.REDEEM_CASH)
    assert redeem.store == mall
    assert [draw.lot.store for draw in redeem.draws.all()] == [main]
    assert earned.ledger_entries.get(kind=Kind.PURCHASE_EARN).store == main
    member.refresh_from_db()
    assert member.points_balance == 950 - 200 + spent.points_earned


def test_a_reward_redeemed_at_a_store_is_recorded_there(two_stores, tiers):
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="1000", idempotency_key="a", store=main)

    redemption = redeem_reward(
        member=member, reward=RewardFactory(), idempotency_key="r", store=mall
    )

    assert redemption.store == mall
    assert redemption.ledger_entries.get(kind=Kind.REWARD_REDEEM).store == mall
    cancel_redemption(redemption=redemption)
    # The points go back where they were spent: the settlement nets them out there.
    assert redemption.ledger_entries.get(kind=Kind.REWARD_CANCEL).store == mall


def test_a_refund_is_recorded_at_the_refunding_store(two_stores, tiers):
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    sale = record_purchase(member=member, amount="1000", idempotency_key="a", store=main)

    refund = refund_purchase(purchase=sale, idempotency_key="undo", store=mall)

    assert refund.store == mall
    assert refund.purchase.store == main
    assert refund.ledger_entries.get().store == mall


def test_the_enrolling_store_is_the_members_home_store(two_stores, tiers):
    from members.services import enrol_member

    member = enrol_member(phone="0912345678", name="Lin", store=two_stores[1])

    assert member.home_store == two_stores[1]
