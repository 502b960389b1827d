"""The owner's "Apply the rules now" pages."""

import re
from collections import Counter
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from config.clock import shop_today
from members.models import Member
from tests.tiers.conftest import salon_ladder
from tiers import rules_now
from tiers.models import RulesApplication, RulesApplicationChunk, TierChange

URL = reverse("tiers:apply")


def _row(page, tier):
    """The figures of a tier's line of the table, as text."""
    line = re.search(rf'<tr data-tier="{tier.pk}">(.*?)</tr>', page, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", line)
    ]


def _form(page):
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        for name in ("rules_version", "as_of")
    }


def _thresholds_post(tiers):
    silver, gold = tiers["silver"], tiers["gold"]
    return {
        f"t{silver.pk}_qualify_lifetime_spend": "2000",
        f"t{silver.pk}_retain_window_spend": "800",
        f"t{gold.pk}_qualify_lifetime_spend": "5000",
        f"t{gold.pk}_qualify_window_spend": "3000",
        f"t{gold.pk}_retain_window_spend": "2000",
        "save": "",
    }


def test_saved_ladder_applied_through_the_page_moves_what_it_showed(
    owner_client, shop, tiers, django_capture_on_commit_callbacks
):
    saved = owner_client.post(reverse("tiers:preview"), _thresholds_post(tiers))
    assert saved.status_code == 302
    assert saved["Location"] == URL

    page = owner_client.get(URL).content.decode()
    assert "Apply the rules now" in page
    shown = {name: _row(page, tiers[name]) for name in ("member", "silver", "gold")}
    # Tier, now, gain, lose, after, grace starts, grace cleared, kept.
    assert shown["gold"][1:] == ["4", "+3", "−1", "6", "1", "1", "0"]
    assert shown["member"][1:5] == ["4", "+1", "−3", "2"]

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, _form(page))
    application = RulesApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tiers:application", args=[application.pk])
    after = Counter(Member.objects.values_list("tier", flat=True))
    assert {name: after[tiers[name].pk] for name in shown} == {
        name: int(row[4]) for name, row in shown.items()
    }
    result = owner_client.get(response["Location"]).content.decode()
    assert "Applied at" in result
    assert "4 moved up, 1 started a grace period, 1 left grace." in result
    assert _row(result, tiers["gold"])[1:3] == ["3", "1"]


def test_rules_changed_since_the_preview_show_the_new_counts(owner_client, shop, tiers):
    page = owner_client.get(URL).content.decode()  # the old ladder: nobody moves up
    salon_ladder(tiers)
    response = owner_client.post(URL, _form(page))
    assert response.status_code == 409
    body = response.content.decode()
    assert "The rules changed since these counts were made" in body
    assert _row(body, tiers["gold"])[2] == "+3"  # the counts under the rules now
    assert _form(body)["rules_version"] != _form(page)["rules_version"]
    assert not TierChange.objects.exists()


def test_a_form_without_its_day_is_refused(owner_client, shop, tiers):
    response = owner_client.post(URL, {"rules_version": "x"})
    assert response.status_code == 400
    assert "These counts are out of date" in response.content.decode()
    assert not RulesApplication.objects.exists()


def test_nothing_to_apply_offers_no_button(owner_client, tiers):
    page = owner_client.get(URL).content.decode()
    assert "would change nothing" in page
    assert 'name="rules_version"' not in page


def test_wrong_methods(owner_client, shop, tiers):
    assert owner_client.put(URL).status_code == 405
    application = RulesApplication.objects.create(as_of=shop_today(), started_at=timezone.now())
    url = reverse("tiers:application", args=[application.pk])
    assert owner_client.post(url).status_code == 405
    progress = reverse("tiers:application_progress", args=[application.pk])
    assert owner_client.post(progress).status_code == 405


def test_staff_are_refused(staff_client, shop, tiers):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    assert staff_client.get(URL).status_code == 403
    response = staff_client.post(URL, {"rules_version": plan.rules_version, "as_of": plan.as_of})
    assert response.status_code == 403
    assert not RulesApplication.objects.exists()
    application = RulesApplication.objects.create(as_of=shop_today(), started_at=timezone.now())
    assert staff_client.get(reverse("tiers:application", args=[application.pk])).status_code == 403
    progress = reverse("tiers:application_progress", args=[application.pk])
    assert staff_client.get(progress).status_code == 403


def test_progress_is_polled_until_done(owner_client, tiers):
    application = RulesApplication.objects.create(
        as_of=shop_today(), started_at=timezone.now(), ranges=[[1, 3], [3, 5], [5, 7], [7, 9]]
    )
    RulesApplicationChunk.objects.create(
        application=application, lo=1, hi=3, summary={}, done_at=timezone.now()
    )
    page = owner_client.get(reverse("tiers:application", args=[application.pk]))
    assert "1 of 4 parts done" in page.content.decode()
    url = reverse("tiers:application_progress", args=[application.pk])
    partial = owner_client.get(url)
    assert partial.status_code == 200
    assert 'value="25"' in partial.content.decode()
    RulesApplication.objects.filter(pk=application.pk).update(status="done")
    done = owner_client.get(url)
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"


def test_a_running_application_is_linked_from_the_page(owner_client, shop, tiers):
    application = RulesApplication.objects.create(
        as_of=shop_today(), started_at=timezone.now() - timedelta(minutes=1), ranges=[[1, 99]]
    )
    page = owner_client.get(URL).content.decode()
    assert reverse("tiers:application", args=[application.pk]) in page


def test_the_tier_list_links_to_the_page(owner_client, tiers):
    assert URL in owner_client.get(reverse("tiers:list")).content.decode()


def test_an_application_whose_worker_died_shows_interrupted_and_applies_again(
    owner_client, shop, tiers, english, django_capture_on_commit_callbacks
):
    """No part done for the jobs' heartbeat timeout (5 minutes): the page
    says interrupted with try again, the poll stops, and applying again
    stops the dead one and finishes."""
    long_ago = timezone.now() - timedelta(minutes=6)
    application = RulesApplication.objects.create(
        as_of=shop_today(), started_at=long_ago - timedelta(minutes=1), ranges=[[1, 3], [3, 9]]
    )
    RulesApplicationChunk.objects.create(
        application=application, lo=1, hi=3, summary={}, done_at=long_ago
    )
    page = owner_client.get(reverse("tiers:application", args=[application.pk])).content.decode()
    assert "data-interrupted" in page and "1 of 2 parts were applied" in page
    assert f'href="{URL}">Try again' in page
    poll = owner_client.get(reverse("tiers:application_progress", args=[application.pk]))
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, _form(owner_client.get(URL).content.decode()))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == RulesApplication.Status.STOPPED
    assert application.note == "Interrupted: no progress for 5 minutes."
    assert RulesApplication.objects.exclude(pk=application.pk).get().status == "done"


def test_an_application_moving_is_not_interrupted(owner_client, tiers):
    application = RulesApplication.objects.create(
        as_of=shop_today(), started_at=timezone.now() - timedelta(minutes=30), ranges=[[1, 9]]
    )
    RulesApplicationChunk.objects.create(
        application=application, lo=1, hi=3, summary={}, done_at=timezone.now()
    )
    page = owner_client.get(reverse("tiers:application", args=[application.pk])).content.decode()
    assert "data-interrupted" not in page
    poll = owner_client.get(reverse("tiers:application_progress", args=[application.pk]))
    assert poll.status_code == 200
