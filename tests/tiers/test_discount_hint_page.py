"""The hint under the tier form's discount fields: what the typed value means."""

from django.urls import reverse

URL = reverse("tiers:discount_hint")


def test_it_works(owner_client):
    response = owner_client.get(URL, {"retail_discount": "8折"})
    assert response.status_code == 200
    assert response.content.decode().strip() == "Members pay 80% (20% off)."


def test_it_reads_the_wholesale_field(owner_client):
    response = owner_client.get(URL, {"wholesale_discount": "10折"})
    assert response.content.decode().strip() == "No discount: members pay full price."


def test_it_speaks_the_owners_language(owner_client):
    response = owner_client.get(URL, {"retail_discount": "95折"}, HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.content.decode().strip() == "會員付 95%（95折）。"
    response = owner_client.get(URL, {"retail_discount": "9折"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.content.decode().strip() == "会员付 90%（9折）。"


def test_it_shows_how_to_write_a_refused_discount(owner_client):
    response = owner_client.get(URL, {"retail_discount": "0折"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="hint-error"' in body
    assert "0折 would mean members pay nothing." in body
    assert "or 10折 for no discount." in body


def test_it_is_empty_for_an_empty_field(owner_client):
    response = owner_client.get(URL, {"retail_discount": " "})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""
    assert owner_client.get(URL).content.decode().strip() == ""


def test_it_requires_get(owner_client):
    assert owner_client.post(URL, {"retail_discount": "8折"}).status_code == 405


def test_it_is_for_owners(staff_client):
    assert staff_client.get(URL, {"retail_discount": "8折"}).status_code == 403


def test_it_needs_login(client):
    response = client.get(URL, {"retail_discount": "8折"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
