"""Two requests carrying one sale form at the same moment record one sale."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from points.models import Purchase
from tests.factories import MemberFactory, give_points, staff_user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_sale_form_posted_twice_at_once_records_one_sale(tiers):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    member = MemberFactory()
    give_points(member, 1000)
    cashier = staff_user(username="cashier")
    url = reverse("counter:sale", args=[member.pk])
    form = {"amount": "1000", "points_to_redeem": "400", "idempotency_key": "one-form"}
    start = threading.Barrier(4)
    statuses = []

    def post():
        client = Client()
        client.force_login(cashier)
        start.wait()
        try:
            statuses.append(client.post(url, form, headers={"HX-Request": "true"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 4
    assert Purchase.objects.count() == 1
    member.refresh_from_db()
    assert member.points_balance == 1000 - 400 + Purchase.objects.get().points_earned
