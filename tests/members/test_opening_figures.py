"""Figures a member brought from an earlier system, on the member record:
the member page shows them apart from the sales here, a merge adds them up,
and the migration that introduced them found them in lifetime_spend."""

import importlib
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from members.services import merge_members
from points.models import Purchase
from tests.factories import MemberFactory


def brought(**fields):
    figures = {
        "lifetime_spend": Decimal("51200"),
        "opening_lifetime_spend": Decimal("50000"),
        "opening_window_spend": Decimal("12000"),
        "opening_window_purchases": 7,
        "opening_as_of": date(2026, 10, 31),
        "purchase_count": 2,
    }
    return MemberFactory(**{**figures, **fields})


def test_member_page_shows_the_brought_figures_apart(staff_client, tiers):
    member = brought()
    response = staff_client.get(reverse("members:detail", args=[member.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "NT$51,200" in body  # all the member has spent
    assert "NT$1,200 in sales here, NT$50,000 brought from the earlier system" in body
    assert "Purchases here" in body
    section = body[body.index("Brought from the earlier system</h2>") :]
    assert "Figures as of 2026-10-31" in section
    assert "NT$50,000" in section and "NT$12,000" in section
    assert "<dd>7</dd>" in section


def test_member_page_without_brought_figures_shows_none(staff_client, tiers):
    body = staff_client.get(reverse("members:detail", args=[MemberFactory().pk])).content.decode()
    assert "earlier system" not in body


def test_member_page_with_only_a_lifetime_figure_says_what_counts(staff_client, tiers):
    member = brought(opening_window_spend=0, opening_window_purchases=0, opening_as_of=None)
    body = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "The lifetime spend counts toward tiers like sales recorded here." in body
    assert "Purchases in the window" not in body


def test_member_page_requires_login(client, tiers):
    response = client.get(reverse("members:detail", args=[brought().pk]))
    assert response.status_code == 302


def test_member_page_shows_the_purchases_and_last_purchase_brought_in(staff_client, tiers):
    member = brought(opening_purchases=40, opening_last_purchase_on=date(2025, 11, 30))
    body = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "<dd>2025-11-30 <span" in body and "(brought from the earlier system)" in body
    section = body[body.index("Brought from the earlier system</h2>") :]
    assert "<dd>40</dd>" in section and "<dd>2025-11-30</dd>" in section
    # The members list shows it too while no sale is recorded here.
    listing = staff_client.get(reverse("members:list")).content.decode()
    assert "<td>2025-11-30</td>" in listing


def test_the_export_carries_the_last_purchase_brought_in(owner_client, tiers):
    brought(opening_last_purchase_on=date(2025, 11, 30))
    response = owner_client.get(reverse("members:export_csv"))
    assert "2025-11-30" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_sale_here_is_the_last_purchase_shown(staff_client, tiers):
    sold = timezone.make_aware(timezone.datetime(2026, 12, 1, 12, 0))
    member = brought(opening_last_purchase_on=date(2025, 11, 30), last_purchase_at=sold)
    body = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "<dd>2026-12-01</dd>" in body
    listing = staff_client.get(reverse("members:list")).content.decode()
    assert "<td>2026-12-01</td>" in listing and "<td>2025-11-30</td>" not in listing


def test_merge_adds_the_brought_figures(tiers, owner):
    keep = brought(opening_purchases=10, opening_last_purchase_on=date(2025, 1, 5))
    absorb = brought(
        opening_purchases=3,
        opening_last_purchase_on=date(2025, 9, 1),
        phone="+886988000001",
        lifetime_spend=Decimal("300"),
        opening_lifetime_spend=Decimal("300"),
        opening_window_spend=Decimal("100"),
        opening_window_purchases=1,
        opening_as_of=date(2026, 6, 30),
        purchase_count=0,
    )
    merge_members(keep=keep, absorb=absorb, by=owner)
    keep.refresh_from_db()
    absorb.refresh_from_db()
    assert keep.opening_lifetime_spend == Decimal("50300")
    assert keep.lifetime_spend == Decimal("51500")
    assert (keep.opening_window_spend, keep.opening_window_purchases) == (Decimal("12100"), 8)
    assert keep.opening_as_of == date(2026, 6, 30)  # the earlier day
    # Purchases add up; the last purchase is the later one.
    assert (keep.opening_purchases, keep.opening_last_purchase_on) == (13, date(2025, 9, 1))
    assert not absorb.has_opening_figures and absorb.lifetime_spend == 0


def test_the_migration_finds_imported_spend_in_lifetime_spend(tiers):
    """Before members 0018 an import wrote the file's lifetime spend into
    lifetime_spend only: what exceeds the sales here becomes the opening figure."""
    imported = MemberFactory(lifetime_spend=Decimal("50950"))
    Purchase.objects.create(
        member=imported,
        idempotency_key="before-0016",
        created_at=timezone.now(),
        gross_amount=Decimal("1000"),
        amount_paid=Decimal("1000"),
        refunded_amount=Decimal("50"),
    )
    plain = MemberFactory(lifetime_spend=Decimal("950"))
    Purchase.objects.create(
        member=plain,
        idempotency_key="plain-0016",
        created_at=timezone.now(),
        gross_amount=Decimal("950"),
        amount_paid=Decimal("950"),
    )
    never_bought = MemberFactory(lifetime_spend=Decimal("1234.50"))
    migration = importlib.import_module("members.migrations.0018_opening_figures")
    migration._backfill(apps, _Editor())
    assert Member.objects.get(pk=imported.pk).opening_lifetime_spend == Decimal("50000")
    assert Member.objects.get(pk=plain.pk).opening_lifetime_spend == 0
    assert Member.objects.get(pk=never_bought.pk).opening_lifetime_spend == Decimal("1234.50")
    assert Member.objects.get(pk=imported.pk).lifetime_spend == Decimal("50950")


class _Editor:
    """What the migration's step uses of a schema editor (SQLite's cannot
    open inside a test's transaction)."""

    quote_name = staticmethod(connection.ops.quote_name)

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
