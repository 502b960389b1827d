"""A member's session opens no staff page, and no address shows another
member's pages; a staff log-in never shows a member's page."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rewards.services import redeem_reward
from tests.factories import coupon_reward, give_points
from tests.portal.conftest import sign_in_as

MEMBER_SIDE = ("/my/", "/join/")
# Pages anyone may open: the log-ins, the language switch, Django's static
# files, and the doors out of marketing messages (an email's signed
# unsubscribe link, the SMS provider's reply webhook with its own token).
PUBLIC = ("/login/", "/logout/", "/i18n/setlang/", "/admin/login/", "/messages/")
# The API's documentation is for integrators: public, like the docs page.
API_DOCS = ("/api/v1/docs", "/api/v1/openapi.json")
# The till API answers to an API key, never to a session: without a key it
# refuses (401), or has nothing at that address or for that method.
API = "/api/v1/"


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        for example in _examples(pattern.pattern):
            text = prefix + example
            if isinstance(pattern, URLResolver):
                yield from _walk(pattern, text)
            elif isinstance(pattern, URLPattern):
                yield "/" + text


def _examples(pattern) -> list[str]:
    """Addresses the pattern matches: ids 1, words x, and each alternative
    of a regular expression's group (the admin's app index lists every app)."""
    text = str(pattern)
    group = re.search(r"\(\?P<\w+>([^)]*)\)", text)
    if group:
        options = [
            option if re.fullmatch(r"[\w-]+", option) else "x"
            for option in group.group(1).split("|")
        ]
        return [
            example
            for option in dict.fromkeys(options)
            for example in _examples(text[: group.start()] + option + text[group.end() :])
        ]
    text = re.sub(r"<int:\w+>", "1", text)
    text = re.sub(r"<(?:str|slug|path):\w+>", "x", text)
    text = re.sub(r"<\w+>", "x", text)
    text = text.replace("^", "").replace("$", "").replace("\\", "")
    text = re.sub(r"[.][*+]|[+*?]", "", text)
    return [text]


def staff_urls():
    return sorted(
        {
            url
            for url in _walk(get_resolver())
            if not url.startswith(MEMBER_SIDE) and not url.startswith(PUBLIC)
        }
    )


def test_the_walk_finds_the_staff_pages():
    urls = staff_urls()
    assert "/points/counter/" in urls
    assert "/members/1/" in urls
    assert "/members/pages/poster/" in urls
    assert "/admin/" in urls
    # Every app's admin index, not only the first of the admin's alternatives.
    assert {"/admin/auth/", "/admin/members/", "/admin/portal/"} <= set(urls)
    assert len(urls) > 60


def _refused(response):
    path = response.request["PATH_INFO"]
    if path.startswith(API_DOCS):
        return True
    if path.startswith(API):
        return response.status_code in (401, 404, 405)
    if response.status_code == 403:
        return True
    if response.status_code == 302:
        return "login" in response["Location"]
    templates = [t.name for t in response.templates or []]
    # The admin shows its own log-in form to whoever is not a staff user.
    return response.status_code == 200 and "admin/login.html" in templates


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_session_opens_no_staff_page(client, member, method, private_storage):
    sign_in_as(client, member)
    opened = []
    for url in staff_urls():
        response = getattr(client, method)(url)
        if not _refused(response):
            opened.append((url, response.status_code))
    assert not opened, opened


def test_no_member_page_takes_a_member_from_its_address(client, member, other_member):
    give_points(other_member, 500)
    sign_in_as(client, member)
    others = {other_member.name, other_member.member_number}
    for url in (
        f"/my/?member={other_member.pk}",
        f"/my/?member_number={other_member.member_number}",
        f"/my/programme/?id={other_member.pk}",
        f"/my/history/?member={other_member.pk}",
        f"/my/profile/?pk={other_member.pk}",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert response.context["member"] == member
        assert not any(text in body for text in others), url
    response = client.get(f"/my/profile/my-data.csv?member={other_member.pk}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert member.member_number in text
    assert not any(other in text for other in others)
    for url in (f"/my/{other_member.pk}/", f"/my/{other_member.member_number}/"):
        assert client.get(url).status_code == 404


def test_another_members_coupon_is_not_shown(client, member, other_member):
    give_points(other_member, 500)
    coupon = redeem_reward(
        member=other_member, reward=coupon_reward(points_cost=100), idempotency_key="o-1"
    ).coupons.get()
    sign_in_as(client, member)
    body = client.get(reverse("portal:coupons") + f"?code={coupon.code}").content.decode()
    assert coupon.display_code not in body


def test_a_staff_log_in_never_shows_a_members_page(staff_client, member):
    response = staff_client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))
    for url in (f"/my/?member={member.pk}", f"/my/{member.pk}/"):
        response = staff_client.get(url, follow=True)
        assert member.name not in response.content.decode()


def test_a_tampered_session_id_is_refused(client, member):
    sign_in_as(client, member)
    session = client.session
    session["member_page_session"] = "not-a-session"
    session.save()
    assert client.get(reverse("portal:home")).status_code == 302
