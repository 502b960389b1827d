"""The personal link (a receipt's QR code, a message's link): signed,
expiring, revocable."""

import time

from django.core import signing
from django.urls import reverse

from members.services import sign_out_everywhere
from portal.links import link_path, link_token
from portal.models import MemberSession, PortalSettings


def _aged(monkeypatch, days):
    """Links made now are stamped `days` ago."""
    stamp = signing.b62_encode(int(time.time()) - days * 86400)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: stamp)


def test_it_signs_the_phone_in_and_shows_the_member(client, member):
    response = client.get(link_path(member))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert "陳美玲" in client.get(reverse("portal:home")).content.decode()
    session = MemberSession.objects.get()
    assert (session.member, session.via) == (member, "link")
    # The Django session holds the row's random id only, and no Django user.
    assert client.session["member_page_session"] == session.pk
    assert "_auth_user_id" not in client.session


def test_it_requires_get(client, member):
    assert client.post(link_path(member)).status_code == 405


def test_a_forged_link_is_refused(client, member, other_member):
    token = link_token(member)
    forged = token.replace(f"{member.pk}.", f"{other_member.pk}.", 1)
    response = client.get(reverse("portal:link", args=[forged]))
    assert response.status_code == 400
    assert "This link no longer works" in response.content.decode()
    assert not MemberSession.objects.exists()


def test_a_link_older_than_the_owners_period_has_expired(client, member, monkeypatch):
    _aged(monkeypatch, 91)
    path = link_path(member)
    monkeypatch.undo()
    response = client.get(path)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()


def test_the_owner_sets_the_period(client, member, monkeypatch):
    PortalSettings.objects.create(pk=1, sign_in_days=7)
    _aged(monkeypatch, 8)
    path = link_path(member)
    monkeypatch.undo()
    assert client.get(path).status_code == 400
    _aged(monkeypatch, 6)
    path = link_path(member)
    monkeypatch.undo()
    assert client.get(path).status_code == 302


def test_the_session_lasts_the_owners_period(client, member):
    PortalSettings.objects.create(pk=1, sign_in_days=30)
    client.get(link_path(member))
    session = MemberSession.objects.get()
    assert 29 < (session.expires_at - session.created_at).days + 1 <= 30
    assert 29 * 86400 < client.session.get_expiry_age() <= 30 * 86400


def test_sign_out_everywhere_voids_earlier_links_and_sessions(client, member):
    path = link_path(member)
    client.get(path)
    sign_out_everywhere(member=member)
    home = client.get(reverse("portal:home"))
    assert home.status_code == 302  # the session is over
    assert client.get(path).status_code == 400  # and the old link too
    member.refresh_from_db()
    assert client.get(link_path(member)).status_code == 302  # a new link works


def test_an_expired_session_is_over(client, member):
    client.get(link_path(member))
    MemberSession.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(reverse("portal:home")).status_code == 302


def test_signing_out_on_this_phone_ends_only_this_session(client, member, settings):
    from django.test import Client

    other_phone = Client()
    other_phone.get(link_path(member))
    client.get(link_path(member))
    response = client.post(reverse("portal:sign_out"))
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 302
    assert other_phone.get(reverse("portal:home")).status_code == 200


def test_a_staff_log_in_in_the_same_browser_ends_the_member_session(client, member, staff):
    client.get(link_path(member))
    client.post(reverse("login"), {"username": "staff", "password": "pass-for-tests"})
    assert "member_page_session" not in client.session
    assert client.get(reverse("portal:home")).status_code == 302
