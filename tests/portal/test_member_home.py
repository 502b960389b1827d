from django.urls import reverse

from tests.factories import give_points


def test_it_shows_the_card_tier_and_balance(member_client, member):
    give_points(member, 250)
    response = member_client.get(reverse("portal:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "陳美玲" in body
    assert member.member_number in body
    assert "data-card-qr" in body and "<svg" in body
    assert "data-balance>250<" in body
    assert "Show this at the counter." in body


def test_it_requires_a_member_session(client, member):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_it_requires_get(member_client):
    assert member_client.post(reverse("portal:home")).status_code == 405


def test_it_is_never_cached(member_client):
    response = member_client.get(reverse("portal:home"))
    assert "no-store" in response["Cache-Control"]
