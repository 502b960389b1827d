"""The staff side: the owner's settings and join poster, a member's link
sent by staff, the owner's "sign out everywhere"."""

from django.urls import reverse

from members.models import OutboundMessage
from portal.models import PortalSettings
from tests.portal.conftest import sign_in_as


def test_the_owner_edits_the_settings(owner_client):
    assert owner_client.get(reverse("portal_staff:settings")).status_code == 200
    response = owner_client.post(
        reverse("portal_staff:settings"), {"sign_in_days": "30", "join_open": ""}
    )
    assert response.status_code == 302
    settings = PortalSettings.current()
    assert (settings.sign_in_days, settings.join_open) == (30, False)


def test_settings_refuse_a_bad_period(owner_client):
    response = owner_client.post(reverse("portal_staff:settings"), {"sign_in_days": "0"})
    assert response.status_code == 400
    assert not PortalSettings.objects.exists()


def test_settings_and_poster_are_for_owners(staff_client):
    assert staff_client.get(reverse("portal_staff:settings")).status_code == 403
    assert staff_client.get(reverse("portal_staff:poster")).status_code == 403


def test_the_poster_has_the_join_qr_code(owner_client):
    body = owner_client.get(reverse("portal_staff:poster")).content.decode()
    assert "data-poster-qr" in body and "<svg" in body
    assert "http://testserver/join/" in body


def test_staff_send_a_member_their_link(staff_client, member):
    response = staff_client.post(reverse("portal_staff:send_link", args=[member.pk]))
    assert response["Location"] == reverse("members:detail", args=[member.pk])
    message = OutboundMessage.objects.get(member=member)
    assert (message.purpose, message.channel, message.address) == (
        "member_link",
        "sms",
        member.phone,
    )
    assert "/my/in/" in message.text


def test_sending_the_link_requires_post(staff_client, member):
    url = reverse("portal_staff:send_link", args=[member.pk])
    assert staff_client.get(url).status_code == 405


def test_the_owner_signs_a_member_out_everywhere(owner_client, member, client):
    from django.test import Client

    phone = sign_in_as(Client(), member)
    response = owner_client.post(reverse("portal_staff:sign_out", args=[member.pk]))
    assert response.status_code == 302
    assert phone.get(reverse("portal:home")).status_code == 302
    member.refresh_from_db()
    assert member.signin_generation == 1


def test_staff_cannot_sign_a_member_out_everywhere(staff_client, member):
    response = staff_client.post(reverse("portal_staff:sign_out", args=[member.pk]))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.signin_generation == 0


def test_the_member_page_shows_the_panel(owner_client, member):
    from django.test import Client

    sign_in_as(Client(), member)
    body = owner_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Signed in on 1 phone." in body
    assert reverse("portal_staff:sign_out", args=[member.pk]) in body
    assert reverse("portal_staff:send_link", args=[member.pk]) in body


def test_the_owner_menu_links_the_member_pages(owner_client, member):
    body = owner_client.get(reverse("members:list")).content.decode()
    assert reverse("portal_staff:settings") in body
