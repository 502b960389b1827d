"""Figures a member brought from an earlier system count toward tiers like
sales recorded here: in the engine's SQL, in the ORM expressions, at a sale
and at the review; the window figures only while the window holds their day."""

from datetime import date, timedelta
from decimal import Decimal

from config.clock import add_months, shop_today
from members.models import Member
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers import rules
from tiers.models import TierChange, TierProgramme
from tiers.progress import member_figures
from tiers.services import evaluate_tiers, may_reach_higher_tier


def brought(tier, *, lifetime="0", window="0", purchases=0, as_of=None):
    """A member as an import writes one: their lifetime spend includes what
    they brought (Member.lifetime_spend)."""
    return MemberFactory(
        tier=tier,
        lifetime_spend=Decimal(lifetime),
        opening_lifetime_spend=Decimal(lifetime),
        opening_window_spend=Decimal(window),
        opening_window_purchases=purchases,
        opening_as_of=as_of,
    )


def orm_figures(member, window):
    expressions = rules.figure_expressions(window, set(rules.CRITERIA))
    row = Member.objects.filter(pk=member.pk).annotate(**expressions).values(*expressions).get()
    return {name[2:]: value for name, value in row.items()}


def test_brought_lifetime_spend_counts_in_the_sql_and_the_orm_alike(salon):
    member = brought(salon["member"], lifetime="50000")
    buy(member, "100", at(shop_today() - timedelta(days=3)), evaluate=False)
    figures, window = member_figures(member, ladder=list(salon.values()))
    assert figures["lifetime_spend"] == Decimal("50100.00")
    assert figures["window_spend"] == Decimal("100.00")  # no window figures brought
    expected = orm_figures(member, window)
    assert {name: expected[name] for name in figures} == figures


def test_window_figures_count_inside_the_window_and_not_after_it(salon):
    as_of = shop_today() - timedelta(days=10)
    member = brought(salon["member"], lifetime="3000", window="2500", purchases=4, as_of=as_of)
    inside = rules.window_for(shop_today())
    after = rules.window_for(add_months(as_of, 12) + timedelta(days=1))
    before = rules.window_for(as_of - timedelta(days=1))
    for window, counted in ((inside, True), (after, False), (before, False)):
        sql = rules.figures_of_member(member_id=member.pk, window=window, criteria=rules.CRITERIA)
        assert sql["window_spend"] == (Decimal("2500.00") if counted else 0)
        assert sql["window_purchases"] == (4 if counted else 0)
        assert sql["lifetime_spend"] == Decimal("3000.00")
        assert orm_figures(member, window) == sql


def test_the_last_day_of_the_window_still_counts(salon):
    as_of = date(2026, 3, 15)
    member = brought(salon["member"], lifetime="3000", window="3000", as_of=as_of)
    last = rules.window_for(add_months(as_of, 12) - timedelta(days=1))
    gone = rules.window_for(add_months(as_of, 12))
    assert last.first_day == as_of
    assert rules.figures_of_member(member_id=member.pk, window=last, criteria={"window_spend"}) == {
        "window_spend": Decimal("3000.00")
    }
    assert rules.figures_of_member(member_id=member.pk, window=gone, criteria={"window_spend"}) == {
        "window_spend": 0
    }


def test_a_sale_upgrades_a_member_whose_brought_spend_qualifies(salon):
    member = brought(salon["member"], lifetime="50000")
    buy(member, "100", at(shop_today()))
    assert member.tier == salon["gold"]
    change = member.tier_changes.get()
    assert change.kind == TierChange.Kind.UPGRADE
    assert change.figures["lifetime_spend"] == "50095.00"  # 100 less 5 % off, and the 50,000


def test_the_review_upgrades_a_member_whose_brought_spend_qualifies(salon):
    member = brought(salon["member"], lifetime="50000")
    summary = evaluate_tiers(as_of=shop_today() + timedelta(days=1))
    assert summary.moves == {"Member → Gold": 1}
    member.refresh_from_db()
    assert member.tier == salon["gold"]


def test_brought_window_spend_keeps_gold_until_the_window_leaves_it_behind(salon):
    as_of = date(2026, 3, 15)
    member = brought(salon["gold"], lifetime="3000", window="3000", as_of=as_of)
    member.tier_since = at(as_of)
    member.save()
    # The review of a year later counts up to the day before: the window
    # still holds the figures' day, and Gold is kept.
    kept = evaluate_tiers(as_of=add_months(as_of, 12))
    assert (kept.grace_started, kept.downgraded) == (0, 0)
    # The day after, it does not: short of the 2,000 that keeps Gold.
    short = evaluate_tiers(as_of=add_months(as_of, 12) + timedelta(days=1))
    assert short.grace_started == 1
    member.refresh_from_db()
    assert member.tier_grace_until is not None


def test_a_sale_is_checked_when_brought_purchases_may_reach_a_purchase_threshold(salon):
    salon["gold"].qualify_window_purchases = 6
    salon["gold"].save()
    member = brought(salon["member"], lifetime="500", purchases=5, as_of=shop_today())
    member.purchase_count = 1  # the sale about to be recorded, counted as the sale does
    assert may_reach_higher_tier(member=member, ladder=list(salon.values()))
    member.refresh_from_db()
    buy(member, "10", at(shop_today()))
    assert member.tier == salon["gold"]


def test_brought_window_spend_makes_a_sale_worth_checking(salon):
    member = brought(salon["member"], lifetime="2900", window="2900", as_of=shop_today())
    member.tier = salon["silver"]
    member.lifetime_spend += Decimal("150")  # the sale about to be recorded
    assert may_reach_higher_tier(member=member, ladder=list(salon.values()))
    plain = MemberFactory(tier=salon["silver"], lifetime_spend=Decimal("150"))
    assert not may_reach_higher_tier(member=plain, ladder=list(salon.values()))


def test_highest_qualified_decides_as_the_engine_does(salon):
    """rules.Qualifier (the import's placement) against q_rank (the SQL)."""
    salon["gold"].qualify_window_purchases = 6
    salon["gold"].save()
    today = shop_today()
    cases = [
        ("0", "0", 0, None),
        ("1999.99", "0", 0, None),
        ("2000", "0", 0, None),
        ("4999.99", "2999.99", 5, today),
        ("5000", "0", 0, None),
        ("3000", "3000", 0, today),
        ("3000", "3000", 0, today - timedelta(days=400)),
        ("100", "100", 6, today),
        ("100", "100", 6, today - timedelta(days=400)),
    ]
    members = [
        brought(salon["member"], lifetime=a, window=w, purchases=p, as_of=d) for a, w, p, d in cases
    ]
    ladder = sorted(salon.values(), key=lambda t: t.rank)
    window = rules.window_for(today)
    qualifier = rules.Qualifier(ladder)
    rows = rules.standing_rows(
        ladder=ladder,
        programme=TierProgramme.current(),
        window=window,
        lo=members[0].pk,
        hi=members[-1].pk + 1,
    )
    by_member = {row["pk"]: row["q_rank"] for row in rows}
    for member, (lifetime, spend, purchases, as_of) in zip(members, cases, strict=True):
        figures = rules.opening_figures(window, Decimal(lifetime), Decimal(spend), purchases, as_of)
        assert qualifier.rank(figures) == by_member[member.pk], (lifetime, spend, purchases, as_of)
        assert rules.highest_qualified(ladder, figures).rank == by_member[member.pk]
