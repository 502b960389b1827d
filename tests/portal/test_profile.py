"""The member's profile: name, email, a birthday once, message choices,
their own data as CSV; completing it earns the profile points once."""

import csv
import io

from django.urls import reverse

from members.models import Member
from points.models import LedgerEntry
from tests.factories import BehaviourRuleFactory, give_points


def _save(client, **fields):
    data = {
        "name": "陳美玲",
        "email": "",
        "birthday": "",
        "sms": "on",
        "email_messages": "on",
        "language": "",
        **fields,
    }
    return client.post(reverse("portal:profile"), {k: v for k, v in data.items() if v is not None})


def test_it_works(member_client, member):
    response = _save(member_client, name="陳美玲 Mei", email="mei@example.com", language="zh-hant")
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.email, member.language) == (
        "陳美玲 Mei",
        "mei@example.com",
        "zh-hant",
    )


def test_it_requires_a_member_session(client, member):
    response = _save(client, name="Someone else")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "陳美玲"


def test_bad_input_is_shown_next_to_its_field(member_client, member):
    response = _save(member_client, name="", email="not-an-email")
    assert response.status_code == 400
    body = response.content.decode()
    assert "errorlist" in body


def test_the_birthday_is_set_once_by_the_member(member_client, member):
    _save(member_client, birthday="1991-02-03")
    member.refresh_from_db()
    assert member.birthday.isoformat() == "1991-02-03"
    page = member_client.get(reverse("portal:profile")).content.decode()
    assert "ask at the counter" in page
    _save(member_client, birthday="2001-01-01")  # the disabled field keeps its value
    member.refresh_from_db()
    assert member.birthday.isoformat() == "1991-02-03"


def test_completing_the_profile_earns_the_profile_points_once(member_client, member):
    BehaviourRuleFactory(action="profile", code="profile", points=50)
    _save(member_client, email="mei@example.com", birthday="1991-02-03")
    _save(member_client, email="mei2@example.com")
    entries = LedgerEntry.objects.filter(member=member, kind="behaviour_earn")
    assert [entry.points for entry in entries] == [50]


def test_turning_sms_off_and_on(member_client, member):
    _save(member_client, sms=None)
    member.refresh_from_db()
    assert (member.sms_opt_out, member.email_opt_out, member.messages_opt_out) == (
        True,
        False,
        False,
    )
    _save(member_client, sms=None, email_messages=None)
    member.refresh_from_db()
    assert member.messages_opt_out
    _save(member_client)
    member.refresh_from_db()
    assert not (member.sms_opt_out or member.email_opt_out or member.messages_opt_out)


def test_the_member_downloads_their_own_data(member_client, member, other_member):
    give_points(member, 120)
    give_points(other_member, 999)
    Member.objects.filter(pk=member.pk).update(name="=HYPERLINK(1)")
    response = member_client.get(reverse("portal:data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["record", "date", "item"]
    assert ["member", "", "name", "'=HYPERLINK(1)"] in rows
    assert any(row[0] == "points" and row[4] == "120" for row in rows)
    # Not a substring test on "999": a timestamp or a phone may hold those digits.
    assert [row[4] for row in rows if row[0] == "points"] == ["120"]
    assert other_member.name not in text and other_member.phone not in text


def test_the_data_download_requires_a_member(client, member):
    assert client.get(reverse("portal:data")).status_code == 302
