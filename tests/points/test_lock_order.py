"""The one lock order (config.locks): an owner changing the ladder while a
sale holds a member neither deadlocks nor loses either change.

The sale's window is widened: it pauses right after locking its member, and
the owner's change starts in that pause. A sale references its member's tier
(the foreign key takes KEY SHARE on the tier row when the sale is written),
so a change that took the tier row FOR UPDATE and then waited for the
member deadlocked with it.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections

from loyalty.sale import record_purchase
from members.models import Member
from points import sale_sql
from points.models import Purchase
from tests.factories import BehaviourRuleFactory, MemberFactory, TierFactory, programme_rules
from tiers.models import Tier, TierChange
from tiers.programme import deactivate_tier, save_thresholds

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 1.0  # seconds the sale holds its member lock before going on


@pytest.fixture
def ladder():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    programme_rules()
    return {
        "member": TierFactory(rank=1, name="Member"),
        "silver": TierFactory(rank=2, name="Silver", qualify_lifetime_spend=Decimal("2000")),
        "gold": TierFactory(rank=3, name="Gold", qualify_lifetime_spend=Decimal("5000")),
    }


def _widen_the_sales_window(monkeypatch):
    """Every sale from now on pauses PAUSE seconds once it holds its member;
    returns an Event set when the first one has its lock."""
    locked = threading.Event()
    lock_member_for_sale = sale_sql.lock_member_for_sale

    def widened(member_id, **options):
        result = lock_member_for_sale(member_id, **options)
        locked.set()
        time.sleep(PAUSE)
        return result

    monkeypatch.setattr(sale_sql, "lock_member_for_sale", widened)
    return locked


def _sale_pausing_after_its_lock(monkeypatch, member, amount, key="widened-sale"):
    """Start a sale in a thread that holds `member`'s lock for PAUSE seconds;
    return (thread, outcome dict) once the lock is held."""
    locked = _widen_the_sales_window(monkeypatch)
    outcome = {}

    def sell():
        try:
            outcome["sale"] = record_purchase(member=member, amount=amount, idempotency_key=key)
        except Exception as error:  # asserted on by the test
            outcome["sale"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=sell)
    thread.start()
    assert locked.wait(10), "the sale never took its member lock"
    return thread, outcome


def _in_thread(work):
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # asserted on by the test
            outcome["result"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_sale_and_deactivating_its_members_tier(monkeypatch, ladder):
    holder = MemberFactory(tier=ladder["silver"])
    others = [MemberFactory(tier=ladder["silver"]) for _ in range(3)]
    sale_thread, sale = _sale_pausing_after_its_lock(monkeypatch, holder, Decimal("300"))
    owner_thread, owner = _in_thread(lambda: deactivate_tier(tier=ladder["silver"]))
    sale_thread.join(30)
    owner_thread.join(30)

    assert isinstance(sale["sale"], Purchase), sale["sale"]
    assert owner["result"] == {ladder["member"]: 4}, owner["result"]
    holder.refresh_from_db()
    # Both changes stand: the sale's figures and the move out of the closed tier.
    assert holder.lifetime_spend == Decimal("300")
    assert holder.purchase_count == 1
    assert holder.tier == ladder["member"]
    assert Purchase.objects.get().tier == ladder["silver"]
    assert TierChange.objects.filter(kind=TierChange.Kind.TIER_CLOSED).count() == 4
    assert not Member.objects.filter(tier=ladder["silver"]).exists()
    assert not Tier.objects.get(pk=ladder["silver"].pk).is_active
    assert {m.pk for m in others} <= set(Member.objects.values_list("pk", flat=True))
    call_command("check_ledger")


def test_a_sale_and_saving_thresholds(monkeypatch, ladder):
    buyer = MemberFactory(tier=ladder["member"])
    sale_thread, sale = _sale_pausing_after_its_lock(monkeypatch, buyer, Decimal("2500"))
    new_gold = {"qualify_lifetime_spend": Decimal("4000")}
    owner_thread, owner = _in_thread(
        lambda: save_thresholds(thresholds={ladder["gold"].pk: new_gold})
    )
    owner_thread.join(30)
    sale_thread.join(30)

    assert isinstance(sale["sale"], Purchase), sale["sale"]
    assert not isinstance(owner["result"], Exception), owner["result"]
    assert Tier.objects.get(pk=ladder["gold"].pk).qualify_lifetime_spend == Decimal("4000")
    buyer.refresh_from_db()
    assert buyer.lifetime_spend == Decimal("2500")
    assert buyer.tier == ladder["silver"]  # the sale's upgrade, on the ladder it read
    call_command("check_ledger")


def test_saving_thresholds_does_not_wait_for_a_sale(monkeypatch, ladder):
    """FOR NO KEY UPDATE: the owner's save commits while the sale still holds
    its member (a FOR UPDATE on the tier would hold the sale up instead)."""
    buyer = MemberFactory(tier=ladder["member"])
    sale_thread, sale = _sale_pausing_after_its_lock(monkeypatch, buyer, Decimal("100"))
    new_silver = {"qualify_lifetime_spend": Decimal("1800")}
    saved = save_thresholds(thresholds={ladder["silver"].pk: new_silver})
    sale_still_running = sale_thread.is_alive()
    sale_thread.join(30)
    assert sale_still_running
    assert saved and isinstance(sale["sale"], Purchase), sale["sale"]


def test_first_sales_of_two_members_who_referred_each_other(monkeypatch, ladder):
    """Each first sale locks its buyer and the referrer (who earns the
    referral reward): in primary-key order, so the two cannot deadlock."""
    BehaviourRuleFactory(code="referral", action="referral", points=50)
    first, second = MemberFactory(tier=ladder["member"]), MemberFactory(tier=ladder["member"])
    Member.objects.filter(pk=first.pk).update(referred_by=second)
    Member.objects.filter(pk=second.pk).update(referred_by=first)
    _widen_the_sales_window(monkeypatch)
    threads = [
        _in_thread(
            lambda buyer=buyer: record_purchase(
                member=buyer, amount=Decimal("100"), idempotency_key=f"first-{buyer.pk}"
            )
        )
        for buyer in (second, first)
    ]
    for thread, _outcome in threads:
        thread.join(30)

    results = [outcome["result"] for _thread, outcome in threads]
    assert all(isinstance(result, Purchase) for result in results), results
    for member in (first, second):
        member.refresh_from_db()
        assert member.purchase_count == 1
        assert member.points_balance == 100 + 50  # the sale's points and the referral's
    call_command("check_ledger")
