from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from config.errors import LoyaltyError
from loyalty.sale import record_purchase
from points.expiry import expire_points
from points.models import LedgerEntry, ProgrammeRules
from points.tasks import expire_points_task
from tests.factories import MemberFactory, give_points, programme_rules

UTC = ZoneInfo("UTC")
TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def member(tiers):
    return MemberFactory(tier=tiers["member"])


def test_year_end_policy_uses_the_shops_local_date(member):
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.YEAR_END)
    # 17:30 UTC on 31 December is already 1 January in Taipei.
    lot = give_points(member, 100, at=datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    assert lot.expires_on == date(2028, 12, 31)
    lot = give_points(member, 100, at=datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
    assert lot.expires_on == date(2027, 12, 31)


def test_months_policy_counts_from_the_shop_day_of_earning(member):
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.MONTHS, expiry_months=3)
    lot = give_points(member, 100, at=datetime(2026, 11, 30, 20, 0, tzinfo=UTC))  # 1 Dec local
    assert lot.expires_on == date(2027, 3, 1)
    lot = give_points(member, 100, at=datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # 30 Nov local
    assert lot.expires_on == date(2027, 2, 28)


def test_never_policy_has_no_expiry(member):
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.NEVER)
    assert give_points(member, 100).expires_on is None
    assert expire_points(as_of=date(2100, 1, 1)) == 0


def test_points_expire_the_day_after_their_last_day(member):
    lot = give_points(member, 100, at=datetime(2025, 3, 1, 12, tzinfo=TAIPEI))
    assert lot.expires_on == date(2026, 12, 31)
    assert expire_points(as_of=date(2026, 12, 31)) == 0
    assert expire_points(as_of=date(2027, 1, 1)) == 100
    member.refresh_from_db()
    assert member.points_balance == 0
    entry = LedgerEntry.objects.get(kind="expiry")
    assert entry.points == -100
    lot.refresh_from_db()
    assert lot.remaining == 0


def test_expiring_twice_expires_nothing_more(member):
    give_points(member, 100, at=datetime(2025, 3, 1, 12, tzinfo=TAIPEI))
    give_points(member, 40, at=datetime(2026, 3, 1, 12, tzinfo=TAIPEI))
    assert expire_points(as_of=date(2027, 1, 1)) == 100
    assert expire_points(as_of=date(2027, 1, 1)) == 0
    member.refresh_from_db()
    assert member.points_balance == 40
    call_command("check_ledger")


def test_spending_uses_the_lots_that_expire_first(member):
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.MONTHS, expiry_months=12)
    now = datetime.now(TAIPEI)
    late = give_points(member, 300, at=now - timedelta(days=10))
    early = give_points(member, 200, at=now - timedelta(days=200))
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.NEVER)
    never = give_points(member, 500, at=now - timedelta(days=300))
    assert early.expires_on < late.expires_on
    sale = record_purchase(
        member=member, amount=Decimal("2000"), points_to_redeem=600, idempotency_key="k"
    )
    draws = {d.lot_id: d.points for d in sale.ledger_entries.get(kind="redeem_cash").draws.all()}
    assert draws == {early.pk: 200, late.pk: 300, never.pk: 100}


def test_a_spend_never_uses_points_past_their_last_day(member):
    give_points(member, 500, at=datetime(2020, 3, 1, 12, tzinfo=TAIPEI))
    member.refresh_from_db()
    assert member.points_balance == 500  # not swept yet
    with pytest.raises(LoyaltyError) as error:
        record_purchase(
            member=member, amount=Decimal("1000"), points_to_redeem=100, idempotency_key="k"
        )
    assert error.value.code == "insufficient_points"


def test_command_and_task_expire(member, capsys):
    give_points(member, 100, at=datetime(2025, 3, 1, 12, tzinfo=TAIPEI))
    call_command("expire_points", "--as-of", "2026-12-31")
    assert "Expired 0 points" in capsys.readouterr().out
    assert expire_points_task.delay("2027-01-01").get() == 100
    with pytest.raises(CommandError):
        call_command("expire_points", "--as-of", "31/12/2026")
