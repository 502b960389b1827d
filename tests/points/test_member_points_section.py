from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.clock import shop_today
from loyalty.sale import record_purchase
from points.models import ProgrammeRules
from tests.factories import MemberFactory, give_points, programme_rules


def detail(member):
    return reverse("members:detail", args=[member.pk])


def test_it_shows_balance_with_its_cash_value_and_the_ledger(staff_client, tiers):
    member = MemberFactory(tier=tiers["member"])
    give_points(member, 400)
    record_purchase(member=member, amount=Decimal("100"), idempotency_key="s")  # +95
    body = staff_client.get(detail(member)).content.decode()
    assert "495" in body
    assert "NT$248" in body  # 100 points = 50: NT$247.50, shown without cents
    assert "Earned on a sale" in body and "+95" in body


def test_it_shows_points_expiring_in_the_next_30_days(staff_client, tiers):
    programme_rules(expiry_policy=ProgrammeRules.ExpiryPolicy.MONTHS, expiry_months=12)
    member = MemberFactory()
    # Earned a year less 10 days ago: expires in about 10 days.
    soon = give_points(member, 70, at=timezone.now() - timedelta(days=355))
    give_points(member, 30)
    response = staff_client.get(detail(member))
    body = response.content.decode()
    assert soon.expires_on.strftime("%Y-%m-%d") in body
    assert "70 after" in body
    assert soon.expires_on < shop_today() + timedelta(days=30)


def test_ledger_filters_by_kind_and_date(staff_client, tiers):
    member = MemberFactory()
    give_points(member, 10, at=timezone.now() - timedelta(days=40), kind="adjustment")
    give_points(member, 20, kind="behaviour_earn")
    page = staff_client.get(detail(member), {"ledger-kind": "adjustment"}).context
    entries = list(_section(page)["page"])
    assert [e.points for e in entries] == [10]
    since = (shop_today() - timedelta(days=5)).isoformat()
    entries = list(
        _section(staff_client.get(detail(member), {"ledger-since": since}).context)["page"]
    )
    assert [e.points for e in entries] == [20]


def test_bad_filter_input_shows_an_error_and_the_whole_ledger(staff_client, tiers):
    member = MemberFactory()
    give_points(member, 10)
    response = staff_client.get(
        detail(member), {"ledger-since": "2026-05-01", "ledger-until": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert len(list(_section(response.context)["page"])) == 1


def test_owner_sees_the_adjust_link_staff_do_not(client, owner, staff, tiers):
    member = MemberFactory()
    link = reverse("points:adjust", args=[member.pk])
    client.force_login(owner)
    assert link in client.get(detail(member)).content.decode()
    client.force_login(staff)
    assert link not in client.get(detail(member)).content.decode()


def test_query_count_does_not_grow_with_the_ledger(
    staff_client, tiers, django_assert_max_num_queries
):
    member = MemberFactory()
    give_points(member, 5)
    with CaptureQueriesContext(connection) as one_entry:
        staff_client.get(detail(member))
    for _ in range(30):
        give_points(member, 5)
    # Other apps add their own sections: what matters is that ours stays flat.
    with django_assert_max_num_queries(len(one_entry.captured_queries)):
        staff_client.get(detail(member))


def _section(context):
    for ctx in context:
        if "expiring_days" in ctx:
            return ctx
    raise AssertionError("the points section was not rendered")
