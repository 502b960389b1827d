from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from config.clock import shop_today
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierProgramme
from tiers.progress import tier_progress


def test_progress_names_what_is_missing(salon):
    salon["gold"].qualify_window_purchases = 6
    salon["gold"].save()
    member = MemberFactory()
    recent = at(shop_today() - timedelta(days=3))
    buy(member, "1680", recent)  # pays 1,596 after 5 % off
    buy(member, "500", recent)  # pays 475: Silver at 2,071
    member.refresh_from_db()
    with translation.override("en"):
        progress = tier_progress(member)
    assert progress.next_tier == salon["gold"]
    assert progress.sentence == ("Spend NT$929 more or make 4 more purchases to reach Gold.")


def test_progress_in_grace_says_what_keeps_the_tier(salon):
    member = MemberFactory(tier=salon["gold"], tier_grace_until=shop_today() + timedelta(days=30))
    buy(member, "1500", at(shop_today() - timedelta(days=3)), evaluate=False)
    with translation.override("en"):
        progress = tier_progress(member)
    assert progress.keeping
    deadline = (shop_today() + timedelta(days=30)).isoformat()
    assert progress.sentence.startswith("Spend NT$500 more")
    assert progress.sentence.endswith(f"by {deadline} to keep Gold.")


def test_calendar_year_window_gives_a_date(salon):
    programme = TierProgramme.current()
    programme.window = TierProgramme.Window.CALENDAR_YEAR
    programme.save()
    with translation.override("en"):
        progress = tier_progress(MemberFactory())
    assert f"by {shop_today().year}-12-31 to reach Silver" in progress.sentence


def test_top_tier_says_so(salon):
    with translation.override("en"):
        assert tier_progress(MemberFactory(tier=salon["gold"])).sentence == "Gold is the top tier."


def test_member_page_shows_tier_grace_and_history(staff_client, salon, owner):
    from tiers.services import set_tier

    member = MemberFactory()
    set_tier(member=member, tier=salon["gold"], reason="Opening VIP", by=owner)
    member.refresh_from_db()
    member.tier_grace_until = shop_today() + timedelta(days=20)
    member.save()
    body = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Opening VIP" in body
    assert f"in grace until {member.tier_grace_until:%Y-%m-%d}" in body
    assert "to keep Gold" in body
    assert reverse("tiers:set_tier", args=[member.pk]) not in body  # staff cannot


def test_member_page_offers_owners_the_set_tier_link(owner_client, salon):
    member = MemberFactory()
    body = owner_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert reverse("tiers:set_tier", args=[member.pk]) in body
    assert "Spend NT$2,000 more or refer 3 more members who buy to reach Silver." in body


def test_command_prints_the_counts(salon, capsys):
    buyer = MemberFactory()
    buy(buyer, "2500", at(shop_today() - timedelta(days=2)), evaluate=False)
    call_command("evaluate_tiers", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out and "1 upgraded" in out
    buyer.refresh_from_db()
    assert buyer.tier == salon["member"]
    call_command("evaluate_tiers", "--as-of", shop_today().isoformat(), "--chunk-size", "2")
    buyer.refresh_from_db()
    assert buyer.tier == salon["silver"]


def test_chunks_cover_every_member(salon):
    from tiers.services import evaluate_tiers

    members = MemberFactory.create_batch(7)
    for member in members:
        buy(member, "2100", at(shop_today() - timedelta(days=2)), evaluate=False)
    summary = evaluate_tiers(as_of=shop_today(), chunk_size=3)
    assert summary.as_dict()["upgraded"] == 7
    assert summary.members == 7


def test_review_task_fans_out_one_task_per_chunk(salon):
    from tiers import tasks

    buyers = MemberFactory.create_batch(3)
    for buyer in buyers:
        buy(buyer, "2100", at(shop_today() - timedelta(days=2)), evaluate=False)
    result = tasks.review_tiers.delay(shop_today().isoformat(), chunk_size=2).get()
    assert result["chunks"] == 2
    for buyer in buyers:
        buyer.refresh_from_db()
        assert buyer.tier == salon["silver"]
        assert Decimal(buyer.tier_changes.get().figures["lifetime_spend"]) == Decimal("2100")


def test_nightly_job_runs_the_review_on_review_days(salon):
    from automation.jobs import run_job

    buyer = MemberFactory()
    buy(buyer, "2100", at(shop_today() - timedelta(days=40)), evaluate=False)
    first = shop_today().replace(day=1)
    run = run_job(job="tier_review", day=first)
    assert run.summary["due"] is True
    assert run.summary["upgraded"] == 1
    assert run.summary["moves"] == {"Member → Silver": 1}
    next_day = run_job(job="tier_review", day=first + timedelta(days=1)).summary
    assert next_day["due"] is False
    assert next_day["graces_settled"] == 0


def test_with_a_broker_the_nightly_review_hands_out_one_task_per_chunk(
    tiers, settings, monkeypatch
):
    from datetime import date

    from automation.jobs import run_job
    from tests.factories import MemberFactory
    from tiers import tasks
    from tiers.models import TierChange

    MemberFactory.create_batch(5)
    sent = []
    monkeypatch.setattr(tasks, "group", lambda signatures: _Recorder(sent, list(signatures)))
    settings.CELERY_TASK_ALWAYS_EAGER = False

    run = run_job(job="tier_review", day=date(2026, 12, 1))

    assert run.summary["due"] is True
    assert run.summary["chunks"] == len(sent) == 1
    assert sent[0].args[0] == "2026-12-01"
    # Nothing was reviewed in this process: the chunk tasks do it.
    assert not TierChange.objects.exists()


class _Recorder:
    def __init__(self, sent, signatures):
        self.sent, self.signatures = sent, signatures

    def apply_async(self):
        self.sent.extend(self.signatures)


def test_the_card_figures_are_the_engines_own(salon):
    """member_figures reads the engine's query; it agrees with the ORM's
    definition of every criterion (old and windowed sales, a refund, a
    referred buyer, points earned)."""
    from points.models import Purchase
    from points.refund import refund_purchase
    from tests.factories import give_points
    from tiers import rules
    from tiers.progress import member_figures

    salon["gold"].qualify_window_purchases = 6
    salon["gold"].qualify_window_points = 900
    salon["gold"].save()
    member = MemberFactory()
    buy(member, "1234.55", at(shop_today() - timedelta(days=500)))
    buy(member, "800.10", at(shop_today() - timedelta(days=3)))
    buy(member, "300", at(shop_today() - timedelta(days=2)), evaluate=False)
    refund_purchase(
        purchase=Purchase.objects.get(member=member, amount_paid=Decimal("300")),
        idempotency_key="progress-refund",
    )
    buy(MemberFactory(referred_by=member), "50", at(shop_today() - timedelta(days=1)))
    give_points(member, 40, kind="behaviour_earn")
    figures, window = member_figures(member, ladder=list(salon.values()))
    expressions = rules.figure_expressions(window, set(rules.CRITERIA))
    row = type(member).objects.filter(pk=member.pk).annotate(**expressions).values(*expressions)
    expected = {name[2:]: value for name, value in row.get().items()}
    assert figures == expected
    paid = sum(p.amount_paid - p.refunded_amount for p in Purchase.objects.filter(member=member))
    assert figures["lifetime_spend"] == paid > 0
    assert figures["window_purchases"] == 1
    assert figures["referred_buyers"] == 1
