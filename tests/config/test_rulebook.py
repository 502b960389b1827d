"""The owner's rules are read once per process and reused until they change;
any change, however it is written, is seen by the next sale."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, CampaignSettings
from campaigns.rulebook import current_rulebook, forget_rulebook
from config.clock import shop_today
from config.rules_version import WATCHED_MODELS, rules_version, watched_tables
from loyalty.sale import record_purchase
from members.models import LifecycleRules
from points.models import ProgrammeRules
from segments.models import Segment
from tests.factories import CampaignFactory, MemberFactory, programme_rules
from tiers.models import Tier, TierProgramme

RULE_TABLES = [
    "points_programmerules",
    "tiers_tier",
    "tiers_tierprogramme",
    "members_lifecyclerules",
    "campaigns_campaign",
    "campaigns_campaignsettings",
]


def sale(member, amount="1000"):
    return record_purchase(member=member, amount=Decimal(amount), idempotency_key=uuid.uuid4().hex)


def rule_reads(queries):
    return [q["sql"] for q in queries if any(f'"{table}"' in q["sql"] for table in RULE_TABLES)]


@pytest.fixture
def member(tiers):
    programme_rules(earn_points=1, earn_per_amount=Decimal("10"))
    return MemberFactory(tier=tiers["member"])


def test_a_second_sale_reads_no_rules(member):
    sale(member)
    with CaptureQueriesContext(connection) as queries:
        sale(member)
    assert rule_reads(queries) == []


def test_a_change_through_the_orm_is_seen_by_the_next_sale(member):
    assert sale(member).points_earned == 95  # 1000 less 5 %, 1 point per 10
    programme_rules(earn_per_amount=Decimal("5"))
    assert sale(member).points_earned == 190


def test_a_bulk_update_of_a_tier_is_seen_by_the_next_sale(member, tiers):
    sale(member)
    Tier.objects.filter(pk=tiers["member"].pk).update(points_multiplier=Decimal("3"))
    assert sale(member).points_earned == 285


def test_a_change_in_raw_sql_from_another_process_is_seen(member):
    """Another process's copy is no help: only the version in the database counts."""
    sale(member)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE points_programmerules SET earn_points = 2")
    assert sale(member).points_earned == 190


def test_a_campaign_and_its_tiers_are_seen_by_the_next_sale(member, tiers):
    sale(member)
    campaign = CampaignFactory(multiplier=Decimal("2"), tiers=[tiers["gold"]])
    assert sale(member).points_earned == 95  # for Gold only
    campaign.tiers.add(tiers["member"])
    assert sale(member).points_earned == 190
    Campaign.objects.filter(pk=campaign.pk).delete()
    assert sale(member).points_earned == 95


def test_the_stacking_setting_is_seen_by_the_next_sale(member):
    CampaignFactory(multiplier=Decimal("2"))
    CampaignFactory(multiplier=Decimal("3"))
    CampaignSettings.objects.update_or_create(pk=1, defaults={"stacking": "multiply"})
    assert sale(member).points_earned == 570
    CampaignSettings.objects.filter(pk=1).update(stacking="best")
    assert sale(member).points_earned == 285


def test_a_rolled_back_change_is_not_kept(member):
    sale(member)
    with transaction.atomic():
        programme_rules(earn_points=5)
        assert current_rulebook().programme.earn_points == 5
        transaction.set_rollback(True)
    assert current_rulebook().programme.earn_points == 1
    assert sale(member).points_earned == 95


def test_without_a_version_every_read_loads_the_rules(member):
    """No token (a database the triggers do not cover): nothing is kept."""
    apps.get_model("config", "RulesVersion").objects.all().delete()
    sale(member)
    with CaptureQueriesContext(connection) as queries:
        sale(member)
    assert rule_reads(queries)


def test_reading_the_rules_writes_nothing(db):
    """Missing one-row settings read as their defaults: a read that created
    them would change the version it is loading."""
    forget_rulebook()
    before = rules_version()
    book = current_rulebook()
    assert rules_version() == before
    assert book.programme.earn_points == ProgrammeRules().earn_points
    assert not ProgrammeRules.objects.exists()


@pytest.mark.parametrize("app_label,model_name", WATCHED_MODELS)
def test_every_change_of_a_watched_table_changes_the_version(db, app_label, model_name):
    model = apps.get_model(app_label, model_name)
    factories = {
        ProgrammeRules: lambda: ProgrammeRules.objects.create(pk=1),
        Tier: lambda: Tier.objects.create(name="Gold", rank=9),
        TierProgramme: lambda: TierProgramme.objects.create(pk=1),
        LifecycleRules: lambda: LifecycleRules.objects.create(pk=1),
        Campaign: lambda: CampaignFactory(),
        CampaignSettings: lambda: CampaignSettings.objects.create(pk=1),
        Segment: lambda: Segment.objects.create(name="VIPs"),
    }
    seen = {rules_version()}
    row = factories[model]()
    seen.add(rules_version())
    model.objects.filter(pk=row.pk).update(id=F("id"))
    seen.add(rules_version())
    model.objects.filter(pk=row.pk).delete()
    seen.add(rules_version())
    assert len(seen) == 4


def test_the_campaign_tiers_table_is_watched(db, tiers):
    assert "campaigns_campaign_tiers" in watched_tables(apps)
    campaign = CampaignFactory(ends_on=shop_today() + timedelta(days=1))
    before = rules_version()
    campaign.tiers.add(tiers["gold"])
    assert rules_version() != before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_on_another_connection_is_seen_by_the_next_sale():
    """What another process does: commit new rules on its own connection while
    this one holds a copy of the old ones."""
    import threading

    from django.db import connections

    from tests.factories import TierFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite tests share one in-memory database")
    programme_rules(earn_points=1, earn_per_amount=Decimal("10"))
    member = MemberFactory(tier=TierFactory(rank=1))
    assert sale(member).points_earned == 100

    def owner_elsewhere():
        try:
            programme_rules(earn_points=3)
        finally:
            connections.close_all()

    other = threading.Thread(target=owner_elsewhere)
    other.start()
    other.join(timeout=30)
    assert sale(member).points_earned == 300
