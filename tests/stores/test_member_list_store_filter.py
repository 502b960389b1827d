"""The member list's *Home store* filter in a chain: the list, its export
and a segment keep the same members; a single shop sees no filter."""

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from members.models import Member
from segments import services
from segments.selectors import clean_criteria, segment_members
from tests.factories import MemberFactory, only_store, store_manager_user


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def chain_members(tiers, two_stores):
    main, mall = two_stores
    return {
        "ann": MemberFactory(tier=tiers["member"], name="Ann", home_store=main),
        "bo": MemberFactory(tier=tiers["gold"], name="Bo", home_store=mall),
        "cy": MemberFactory(tier=tiers["gold"], name="Cy", home_store=mall),
        "dee": MemberFactory(tier=tiers["gold"], name="Dee", home_store=None),
    }


def _listed(client, **query):
    response = client.get(reverse("members:list"), query)
    assert response.status_code == 200
    return {member.name for member in response.context["page"]}


def test_the_list_filters_by_home_store(owner_client, two_stores, chain_members):
    main, mall = two_stores

    assert _listed(owner_client, home_store=mall.pk) == {"Bo", "Cy"}
    assert _listed(owner_client, home_store=main.pk) == {"Ann"}
    assert _listed(owner_client, home_store="null") == {"Dee"}
    assert _listed(owner_client, home_store=mall.pk, tier=chain_members["bo"].tier_id) == {
        "Bo",
        "Cy",
    }
    page = owner_client.get(reverse("members:list")).content.decode()
    assert 'name="home_store"' in page and "No home store" in page


def test_the_filter_keeps_the_sorted_order(owner_client, two_stores, chain_members):
    Member.objects.filter(name="Bo").update(points_balance=50)
    Member.objects.filter(name="Cy").update(points_balance=900)

    response = owner_client.get(
        reverse("members:list"), {"home_store": two_stores[1].pk, "sort": "-balance"}
    )

    assert [member.name for member in response.context["page"]] == ["Cy", "Bo"]


def test_a_store_manager_sees_every_member_and_may_filter(client, two_stores, chain_members):
    main, mall = two_stores
    client.force_login(store_manager_user(username="manager", stores=[main]))

    # Members are the programme's: the list does not narrow itself.
    assert _listed(client) == {"Ann", "Bo", "Cy", "Dee"}
    assert _listed(client, home_store=mall.pk) == {"Bo", "Cy"}


def test_an_unknown_store_is_a_field_error_not_a_500(owner_client, two_stores, chain_members):
    response = owner_client.get(reverse("members:list"), {"home_store": "99999"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_closed_store_is_still_offered_for_its_members(owner_client, tiers, two_stores):
    from tests.factories import StoreFactory

    closed = StoreFactory(name="Airport", is_active=False)
    MemberFactory(tier=tiers["member"], name="Eve", home_store=closed)

    page = owner_client.get(reverse("members:list")).content.decode()

    assert "Airport (closed)" in page
    assert _listed(owner_client, home_store=closed.pk) == {"Eve"}


def test_the_export_keeps_the_store_filter(owner_client, two_stores, chain_members):
    response = owner_client.get(reverse("members:export_csv"), {"home_store": two_stores[1].pk})

    text = b"".join(response.streaming_content).decode("utf-8")
    names = {line.split(",")[2] for line in text.splitlines()[1:]}
    assert names == {"Bo", "Cy"}


def test_a_segment_with_a_store_counts_that_stores_members(owner, two_stores, chain_members):
    mall = two_stores[1]
    segment = services.save_segment(
        name="Mall gold",
        criteria={"home_store": str(mall.pk), "tier": str(chain_members["bo"].tier_id)},
        by=owner,
    )

    assert segment.criteria["home_store"] == str(mall.pk)
    assert set(segment_members(segment.criteria).values_list("name", flat=True)) == {"Bo", "Cy"}
    no_store = clean_criteria({"home_store": "null"})
    assert list(segment_members(no_store).values_list("name", flat=True)) == ["Dee"]


def test_the_segment_page_offers_the_store_and_counts_it(owner_client, two_stores, chain_members):
    mall = two_stores[1]

    form = owner_client.get(reverse("segments:create")).content.decode()
    preview = owner_client.get(reverse("segments:preview"), {"home_store": mall.pk})

    assert 'name="home_store"' in form
    assert preview.context["count"] == 2
    assert f"home_store={mall.pk}" in preview.context["list_query"]


def test_a_segment_refuses_an_unknown_store(two_stores):
    with pytest.raises(LoyaltyError) as refused:
        clean_criteria({"home_store": "99999"})

    assert refused.value.field == "home_store"


def test_a_single_shop_shows_no_store_filter(owner_client, tiers):
    store = only_store()
    MemberFactory(tier=tiers["member"], name="Ann", home_store=store)

    members = owner_client.get(reverse("members:list")).content.decode()
    segment = owner_client.get(reverse("segments:create")).content.decode()

    assert 'name="home_store"' not in members and "Home store" not in members
    assert 'name="home_store"' not in segment
    assert _listed(owner_client) == {"Ann"}


def test_the_store_filter_is_served_by_an_index(db):
    """The list's count of a store's members reads member_home_store_idx
    (members migration 0031), not every member."""
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "members_member")
    columns = {name: index["columns"] for name, index in indexes.items() if index["index"]}
    assert columns["member_home_store_idx"] == ["home_store_id"]


@pytest.mark.postgres
def test_postgres_counts_a_stores_members_through_the_index(two_stores, chain_members):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from members.filters import MemberFilter
    from members.selectors import member_list

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    found = MemberFilter({"home_store": two_stores[1].pk}, queryset=member_list()).qs
    with CaptureQueriesContext(connection) as queries:
        assert found.count() == 2
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows reads faster whole: ask whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "member_home_store_idx" in plan, plan
