from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.selectors import CampaignTerms
from config.errors import LoyaltyError
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member
from points.models import LedgerEntry, LotDraw, Purchase
from tests.factories import CampaignFactory, MemberFactory, give_points, programme_rules


@pytest.fixture
def member(tiers):
    return MemberFactory(tier=tiers["member"])


def test_it_earns_on_the_amount_paid_after_the_tier_discount(member):
    purchase = record_purchase(member=member, amount=Decimal("1000"), idempotency_key="k1")
    assert purchase.discount_percent == Decimal("5")
    assert purchase.discount_amount == Decimal("50.00")
    assert purchase.amount_paid == Decimal("950.00")
    assert purchase.points_earned == 950
    member.refresh_from_db()
    assert member.points_balance == 950


def test_wholesale_uses_the_wholesale_discount(tiers):
    tier = tiers["member"]
    tier.wholesale_discount = Decimal("30")
    tier.save()
    buyer = MemberFactory(tier=tier)
    purchase = record_purchase(
        member=buyer, amount=Decimal("100"), wholesale=True, idempotency_key="w"
    )
    assert purchase.amount_paid == Decimal("70.00")
    assert purchase.wholesale


def test_rate_of_one_point_per_hundred(member):
    programme_rules(earn_points=1, earn_per_amount=Decimal("100"))
    purchase = record_purchase(member=member, amount=Decimal("2000"), idempotency_key="k")
    # 2000 less 5 % = 1900 paid: 19 points, never a fraction.
    assert purchase.points_earned == 19


def test_rounding_happens_once_at_the_end(tiers, monkeypatch):
    programme_rules(earn_points=1, earn_per_amount=Decimal("100"))
    silver = MemberFactory(tier=tiers["silver"])  # 10 % off, multiplier 1.2
    monkeypatch.setattr(
        "loyalty.sale.campaign_terms",
        lambda **kwargs: CampaignTerms(multiplier=Decimal("1.5")),
    )
    purchase = record_purchase(member=silver, amount=Decimal("1371.74"), idempotency_key="r")
    # paid 1371.74 - 137.17 = 1234.57; 12.3457 × 1.2 × 1.5 = 22.22 -> 22.
    # Rounding each step would give floor(floor(12.3457 × 1.2) × 1.5) = 21.
    assert purchase.amount_paid == Decimal("1234.57")
    assert purchase.points_earned == 22
    assert purchase.earning_detail["tier_multiplier"] == "1.20"
    assert purchase.earning_detail["campaign_multiplier"] == "1.5"


def test_campaign_bonuses_are_their_own_entries(member, monkeypatch):
    # The bonus entry links its campaign, so the terms name a real one.
    anniversary = CampaignFactory(name="Anniversary", bonus_points=30)
    monkeypatch.setattr(
        "loyalty.sale.campaign_terms",
        lambda **kwargs: CampaignTerms(
            multiplier=Decimal("2"),
            bonuses=[(anniversary, 30)],
            explanation=[{"campaign": "Anniversary", "why": "double points"}],
        ),
    )
    purchase = record_purchase(member=member, amount=Decimal("100"), idempotency_key="c")
    assert purchase.points_earned == 95 * 2 + 30
    kinds = dict(purchase.ledger_entries.values_list("kind", "points"))
    assert kinds == {LedgerEntry.Kind.PURCHASE_EARN: 190, LedgerEntry.Kind.CAMPAIGN_BONUS: 30}
    assert purchase.earning_detail["bonuses"][0]["points"] == 30
    bonus = purchase.ledger_entries.get(kind=LedgerEntry.Kind.CAMPAIGN_BONUS)
    assert bonus.campaign == anniversary


def test_redemption_at_100_points_for_50_with_half_the_bill_at_most(member):
    give_points(member, 2000)
    purchase = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=900, idempotency_key="k"
    )
    # 1000 less 5 % = 950 due; 900 points are worth 450 (<= 475, half of 950).
    assert purchase.redeemed_value == Decimal("450.00")
    assert purchase.amount_paid == Decimal("500.00")
    assert purchase.points_earned == 500
    member.refresh_from_db()
    assert member.points_balance == 2000 - 900 + 500
    assert purchase.ledger_entries.get(kind="redeem_cash").points == -900


def test_redeeming_over_half_the_bill_is_refused(member):
    give_points(member, 2000)
    with pytest.raises(LoyaltyError) as error:
        record_purchase(
            member=member, amount=Decimal("1000"), points_to_redeem=951, idempotency_key="k"
        )
    assert error.value.code == "over_bill_share"
    assert "950" in error.value.message
    assert not Purchase.objects.exists()
    member.refresh_from_db()
    assert member.points_balance == 2000


def test_redeeming_below_the_minimum_is_refused(member):
    give_points(member, 500)
    with pytest.raises(LoyaltyError) as error:
        record_purchase(
            member=member, amount=Decimal("1000"), points_to_redeem=99, idempotency_key="k"
        )
    assert error.value.code == "below_minimum"
    assert error.value.field == "points_to_redeem"


def test_redeeming_more_than_the_balance_is_refused(member):
    give_points(member, 150)
    with pytest.raises(LoyaltyError) as error:
        record_purchase(
            member=member, amount=Decimal("1000"), points_to_redeem=200, idempotency_key="k"
        )
    assert error.value.code == "insufficient_points"
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), "abc", None, Decimal("1.234")])
def test_amount_must_be_positive_money(member, amount):
    with pytest.raises(LoyaltyError) as error:
        record_purchase(member=member, amount=amount, idempotency_key="k")
    assert error.value.field == "amount"
    assert not Purchase.objects.exists()


def test_blocked_member_cannot_buy_with_points_or_earn(member):
    Member.objects.filter(pk=member.pk).update(status=Member.Status.BLOCKED)
    with pytest.raises(LoyaltyError) as error:
        record_purchase(member=member, amount=Decimal("100"), idempotency_key="k")
    assert error.value.code == "blocked"
    assert not LedgerEntry.objects.exists()


def test_same_key_returns_the_first_sale_and_changes_nothing(member):
    first = record_purchase(member=member, amount=Decimal("100"), idempotency_key="same")
    again = record_purchase(member=member, amount=Decimal("100.00"), idempotency_key="same")
    assert again.pk == first.pk
    member.refresh_from_db()
    assert member.purchase_count == 1
    assert member.points_balance == 95
    assert LedgerEntry.objects.count() == 1


def test_same_key_with_other_figures_is_refused(member):
    record_purchase(member=member, amount=Decimal("100"), idempotency_key="same")
    with pytest.raises(LoyaltyError) as error:
        record_purchase(member=member, amount=Decimal("120"), idempotency_key="same")
    assert error.value.code == "idempotency_conflict"
    other = MemberFactory()
    with pytest.raises(LoyaltyError):
        record_purchase(member=other, amount=Decimal("100"), idempotency_key="same")
    assert Purchase.objects.count() == 1


def test_member_figures_are_kept_with_the_sale(member, staff):
    earlier = timezone.now() - timedelta(days=3)
    record_purchase(member=member, amount=Decimal("200"), idempotency_key="a", by=staff)
    record_purchase(member=member, amount=Decimal("100"), idempotency_key="b", at=earlier)
    member.refresh_from_db()
    assert member.lifetime_spend == Decimal("285.00")
    assert member.purchase_count == 2
    assert member.last_purchase_at > earlier
    assert Purchase.objects.get(idempotency_key="a").by == staff


def test_the_tier_engine_is_asked_inside_the_sale(member, monkeypatch):
    seen = []

    def evaluate(*, member, as_of, reason, by=None, may_move=True, rulebook=None):
        seen.append((member.purchase_count, as_of))

    monkeypatch.setattr("loyalty.sale.evaluate_member", evaluate)
    record_purchase(member=member, amount=Decimal("100"), idempotency_key="t")
    assert len(seen) == 1
    assert seen[0][0] == 1  # the member's figures already include the sale


def test_spending_records_the_lots_drawn(member):
    lot = give_points(member, 300)
    purchase = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=200, idempotency_key="k"
    )
    draw = LotDraw.objects.get(entry__purchase=purchase)
    assert (draw.lot_id, draw.points) == (lot.pk, 200)
    lot.refresh_from_db()
    assert lot.remaining == 100


def test_quote_matches_the_sale_and_saves_nothing(member):
    give_points(member, 1000)
    quote = quote_purchase(member=member, amount=Decimal("1000"), points_to_redeem=400)
    assert quote.amount_paid == Decimal("750.00")
    assert quote.points_earned == 750
    assert quote.max_redeemable_points == 950
    assert not Purchase.objects.exists()
    purchase = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=400, idempotency_key="q"
    )
    assert purchase.amount_paid == quote.amount_paid
    assert purchase.points_earned == quote.points_earned


def test_quote_refuses_what_the_sale_would_refuse(member):
    with pytest.raises(LoyaltyError) as error:
        quote_purchase(member=member, amount=Decimal("100"), points_to_redeem=100)
    assert error.value.code == "insufficient_points"


def test_a_replay_the_member_lock_could_not_see_still_returns_the_first_sale(member, monkeypatch):
    """On PostgreSQL a second request that waited on the member lock reads the
    row with a snapshot older than the first sale: its insert then hits the
    unique key, and it answers as a replay once its transaction is gone."""
    from points import sale_sql

    first = record_purchase(member=member, amount=Decimal("100"), idempotency_key="twice")
    lock = sale_sql.lock_member_for_sale

    def stale_lock(member_id, **options):
        locked, _replay_id, version, sale_id = lock(member_id, **options)
        return locked, None, version, sale_id  # as if read before the first sale committed

    monkeypatch.setattr(sale_sql, "lock_member_for_sale", stale_lock)
    again = record_purchase(member=member, amount=Decimal("100"), idempotency_key="twice")
    assert again == first
    with pytest.raises(LoyaltyError) as caught:
        record_purchase(member=member, amount=Decimal("200"), idempotency_key="twice")
    assert caught.value.code == "idempotency_conflict"
    member.refresh_from_db()
    assert (Purchase.objects.count(), member.purchase_count, member.points_balance) == (1, 1, 95)


def test_a_key_whose_ledger_keys_are_taken_is_refused_and_writes_nothing(member):
    """The sale's entries take keys derived from its own (`<key>:earn`); if
    another operation already holds one, the whole sale is refused."""
    give_points(member, 300, key="clash:earn")
    with pytest.raises(LoyaltyError) as error:
        record_purchase(member=member, amount=Decimal("100"), idempotency_key="clash")
    assert error.value.code == "idempotency_conflict"
    member.refresh_from_db()
    assert (member.purchase_count, member.points_balance) == (0, 300)
    assert not Purchase.objects.exists()


def test_one_sale_writes_the_sale_its_entries_draws_and_figures_together(member, tiers):
    """Redeeming across two lots with a campaign bonus: every row the sale
    writes, and the cached figures, agree with each other."""
    old = give_points(member, 150, at=timezone.now() - timedelta(days=2))
    new = give_points(member, 150)
    CampaignFactory(multiplier=Decimal("1"), bonus_points=30)
    purchase = record_purchase(
        member=member, amount=Decimal("1000"), points_to_redeem=200, idempotency_key="all"
    )
    entries = {e.kind: e for e in purchase.ledger_entries.all()}
    assert set(entries) == {"redeem_cash", "purchase_earn", "campaign_bonus"}
    assert entries["redeem_cash"].points == -200
    assert entries["purchase_earn"].reason == f"Sale #{purchase.pk}"
    assert entries["campaign_bonus"].points == 30
    draws = {d.lot_id: d.points for d in LotDraw.objects.filter(entry=entries["redeem_cash"])}
    assert draws == {old.pk: 150, new.pk: 50}
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.remaining, new.remaining) == (0, 100)
    member.refresh_from_db()
    assert member.points_balance == 300 - 200 + purchase.points_earned == purchase.balance_after
    assert (member.purchase_count, member.lifetime_spend) == (1, purchase.amount_paid)
    assert member.last_purchase_at == purchase.created_at
    assert Purchase.objects.get(pk=purchase.pk).earning_detail == purchase.earning_detail
