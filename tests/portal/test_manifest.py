"""Add to home screen: a web app manifest and its icons."""

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_it_describes_the_member_pages(client, db):
    response = client.get(reverse("portal:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/my/"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_member_pages_link_it(member_client):
    assert reverse("portal:manifest") in member_client.get(reverse("portal:home")).content.decode()


def test_it_requires_get(client, db):
    assert client.post(reverse("portal:manifest")).status_code == 405
