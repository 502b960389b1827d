import io
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from campaigns.models import Campaign
from campaigns.results import campaign_sales
from config.clock import shop_date
from members.models import Member
from members.names import name_search_key
from members.phones import normalize_phone
from members.services import is_valid_member_number
from points.models import LedgerEntry, LotDraw, Purchase
from rewards.models import RewardRedemption

END = "2026-06-01"


def generate(*args):
    call_command(
        "generate_data",
        "--members",
        "200",
        "--years",
        "2",
        "--end",
        END,
        *args,
        stdout=io.StringIO(),
    )


def snapshot():
    member_fields = [
        f.attname
        for f in Member._meta.concrete_fields
        if f.name not in ("created_at", "updated_at")
    ]
    return {
        "members": list(Member.objects.order_by("id").values_list(*member_fields)),
        "purchases": list(Purchase.objects.order_by("id").values_list()),
        "entries": list(LedgerEntry.objects.order_by("id").values_list()),
        "draws": list(LotDraw.objects.order_by("id").values_list()),
        "rewards": list(RewardRedemption.objects.order_by("id").values_list()),
    }


@pytest.mark.django_db
def test_same_seed_gives_the_same_shop():
    generate("--seed", "7")
    first = snapshot()
    generate("--seed", "7", "--replace")
    assert snapshot() == first
    generate("--seed", "8", "--replace")
    assert snapshot()["members"] != first["members"]


@pytest.mark.django_db
def test_it_writes_a_shop_of_the_size_asked():
    generate()
    assert Member.objects.count() == 200
    # Enough activity to benchmark: sales, redemptions and expiries.
    assert Purchase.objects.count() > 400
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"purchase_earn", "behaviour_earn", "redeem_cash", "reward_redeem", "expiry"} <= kinds
    assert not Purchase.objects.filter(created_at__date__gte=date.fromisoformat(END)).exists()
    assert Member.objects.values("tier").distinct().count() >= 3


@pytest.mark.django_db
def test_sales_on_the_campaign_day_earn_double():
    generate()
    doubled = [p for p in Purchase.objects.all() if p.earning_detail["campaign_multiplier"] == "2"]
    assert doubled
    assert {shop_date(p.created_at).day for p in doubled} == {18}
    campaign = Campaign.objects.get()
    assert all(shop_date(p.created_at) >= campaign.starts_on for p in doubled)
    # The campaign's results find them as campaign_terms would have marked them.
    assert campaign_sales(campaign).count() == len(doubled)


@pytest.mark.django_db
def test_cached_figures_equal_the_ledger():
    generate()
    ledger = dict(LedgerEntry.objects.values_list("member").annotate(Sum("points")))
    lots = dict(
        LedgerEntry.objects.filter(remaining__isnull=False)
        .values_list("member")
        .annotate(Sum("remaining"))
    )
    spend = dict(Purchase.objects.values_list("member").annotate(Sum("amount_paid")))
    for member in Member.objects.all():
        assert member.points_balance >= 0
        assert member.points_balance == ledger.get(member.pk, 0) == lots.get(member.pk, 0)
        assert member.lifetime_spend == spend.get(member.pk, 0)
        assert member.purchase_count == member.purchases.count()
        last = member.purchases.order_by("-created_at").first()
        assert member.last_purchase_at == (last.created_at if last else None)


@pytest.mark.django_db
def test_check_ledger_passes():
    generate()
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "Ledger OK: 200 members checked." in out.getvalue()


@pytest.mark.django_db
def test_spending_entries_are_drawn_from_lots():
    generate()
    drawn = defaultdict(int)
    for draw in LotDraw.objects.select_related("lot"):
        drawn[draw.entry_id] += draw.points
        assert draw.lot.remaining is not None
    spending = LedgerEntry.objects.filter(kind__in=["redeem_cash", "reward_redeem", "expiry"])
    assert spending.exists()
    for entry in spending:
        assert drawn[entry.pk] == -entry.points
    for purchase in Purchase.objects.filter(points_redeemed__gt=0)[:50]:
        redeemed = purchase.ledger_entries.get(kind="redeem_cash")
        assert -redeemed.points == purchase.points_redeemed
    for redemption in RewardRedemption.objects.all():
        entry = redemption.ledger_entries.get(kind="reward_redeem")
        assert -entry.points == redemption.points_spent == redemption.reward.points_cost


@pytest.mark.django_db
def test_members_have_valid_unique_identities():
    generate()
    members = list(Member.objects.select_related("referred_by"))
    assert len({m.phone for m in members}) == len({m.member_number for m in members}) == 200
    assert sum(1 for m in members if m.referred_by_id) > 5
    for member in members:
        assert normalize_phone(member.phone) == member.phone
        assert member.phone.startswith("+8869") and member.phone_tail == member.phone[-4:]
        assert is_valid_member_number(member.member_number)
        assert member.name_key == name_search_key(member.name)
        if member.referred_by_id:
            assert member.referred_by.joined_on < member.joined_on


@pytest.mark.django_db
def test_it_refuses_a_database_with_members():
    generate()
    with pytest.raises(CommandError, match="already has members"):
        generate()


@pytest.mark.django_db
def test_members_hold_the_tier_the_tier_engine_gives_them():
    from tiers.services import evaluate_tiers

    generate()
    review = evaluate_tiers(as_of=date.fromisoformat(END), dry_run=True)
    assert review.members == 200
    assert review.upgraded == 0
