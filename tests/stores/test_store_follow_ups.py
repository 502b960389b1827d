"""Follow-ups per store: a store manager sees and completes only the
follow-ups of their stores' members; owners see every one, with a store
filter; members of no home store are the owners' to call; a single shop
sees the list as before."""

import pytest
from django.urls import reverse

from automation.services import complete_follow_up
from config.errors import NotYours
from members.models import FollowUp
from tests.factories import MemberFactory, only_store, staff_user, store_manager_user


def _follow_up(tiers, name, home_store):
    member = MemberFactory(tier=tiers["member"], name=name, home_store=home_store)
    return FollowUp.objects.create(
        member=member, dedup_key=f"churned:{member.pk}", created_on=member.joined_on
    )


@pytest.fixture
def follow_ups(tiers, two_stores):
    main, mall = two_stores
    return {
        "main": _follow_up(tiers, "Ann of Main", main),
        "mall": _follow_up(tiers, "Bo of Mall", mall),
        "none": _follow_up(tiers, "Cy of no store", None),
    }


def _listed(client, **query):
    response = client.get(reverse("automation:follow_ups"), query)
    assert response.status_code == 200
    return {item.pk for item in response.context["follow_ups"]}


def _done(client, follow_up):
    return client.post(
        reverse("automation:follow_up_done", args=[follow_up.pk]), {"outcome": "called"}
    )


def test_a_store_manager_sees_only_their_stores_follow_ups(client, two_stores, follow_ups):
    manager = store_manager_user(username="manager", stores=[two_stores[0]])
    client.force_login(manager)

    assert _listed(client) == {follow_ups["main"].pk}
    page = client.get(reverse("automation:follow_ups")).content.decode()
    assert "Ann of Main" in page and "Bo of Mall" not in page and "Cy of no store" not in page
    # One store: nothing to choose, no store column.
    assert 'name="store"' not in page and "Home store" not in page


def test_a_store_manager_gets_403_completing_another_stores_follow_up(
    client, two_stores, follow_ups
):
    manager = store_manager_user(username="manager", stores=[two_stores[0]])
    client.force_login(manager)

    assert _done(client, follow_ups["mall"]).status_code == 403
    assert _done(client, follow_ups["none"]).status_code == 403
    assert _done(client, follow_ups["main"]).status_code == 302

    done = set(FollowUp.objects.filter(done_at__isnull=False).values_list("pk", flat=True))
    assert done == {follow_ups["main"].pk}


def test_the_service_refuses_another_stores_follow_up(two_stores, follow_ups):
    manager = store_manager_user(username="manager", stores=[two_stores[0]])

    with pytest.raises(NotYours):
        complete_follow_up(follow_up=follow_ups["mall"], outcome="x", by=manager)

    follow_ups["mall"].refresh_from_db()
    assert follow_ups["mall"].done_at is None
    done = complete_follow_up(follow_up=follow_ups["main"], outcome="called", by=manager)
    assert done.done_at is not None and done.done_by == manager


def test_a_manager_of_two_stores_sees_both_and_may_filter(client, two_stores, follow_ups):
    client.force_login(store_manager_user(username="manager", stores=two_stores))

    assert _listed(client) == {follow_ups["main"].pk, follow_ups["mall"].pk}
    assert _listed(client, store=two_stores[1].pk) == {follow_ups["mall"].pk}
    # "No home store" is not theirs to ask for.
    response = client.get(reverse("automation:follow_ups"), {"store": "none"})
    assert response.status_code == 400


def test_a_cashier_of_one_store_sees_its_follow_ups_only(client, two_stores, follow_ups):
    cashier = staff_user(username="mall-cashier")
    two_stores[1].staff.add(cashier)
    client.force_login(cashier)

    assert _listed(client) == {follow_ups["mall"].pk}
    assert _done(client, follow_ups["main"]).status_code == 403


def test_owners_see_every_follow_up_and_filter_by_store(owner_client, two_stores, follow_ups):
    main, mall = two_stores

    assert _listed(owner_client) == {f.pk for f in follow_ups.values()}
    assert _listed(owner_client, store=mall.pk) == {follow_ups["mall"].pk}
    assert _listed(owner_client, store="none") == {follow_ups["none"].pk}
    page = owner_client.get(reverse("automation:follow_ups")).content.decode()
    assert 'name="store"' in page and "<th>Home store</th>" in page
    assert _done(owner_client, follow_ups["mall"]).status_code == 302


def test_an_unknown_store_in_the_filter_is_a_clear_400(owner_client, two_stores, follow_ups):
    response = owner_client.get(reverse("automation:follow_ups"), {"store": "99999"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_single_shop_lists_every_follow_up_with_no_store_filter(staff_client, tiers):
    store = only_store()
    ours = _follow_up(tiers, "Ann", store)
    old = _follow_up(tiers, "Bo", None)

    response = staff_client.get(reverse("automation:follow_ups"))

    assert {item.pk for item in response.context["follow_ups"]} == {ours.pk, old.pk}
    page = response.content.decode()
    assert 'name="store"' not in page and "Home store" not in page
    assert _done(staff_client, old).status_code == 302


def test_the_list_reads_in_a_few_queries_however_many_follow_ups(
    owner_client, tiers, two_stores, follow_ups, django_assert_max_num_queries
):
    for n in range(10):
        _follow_up(tiers, f"More {n}", two_stores[n % 2])

    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("automation:follow_ups"))

    assert len(response.context["follow_ups"]) == 13
