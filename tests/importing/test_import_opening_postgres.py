"""Figures and tiers from an earlier system on PostgreSQL's set-based path
(importing.postgres): the same members, tiers and history lines as the
batch-at-a-time path, across batches and chunks."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from config.clock import shop_today
from importing import engine, postgres
from importing.files import import_members_file
from members.models import Member
from tiers.models import TierChange

pytestmark = pytest.mark.postgres

HEADER = ["手機", "姓名", "累計消費", "近一年消費", "近一年消費次數", "統計日期", "會員等級"]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")
    monkeypatch.setattr(engine, "BATCH_SIZE", 3)
    monkeypatch.setattr(postgres, "CHUNK_BATCHES", 2)
    monkeypatch.setattr(postgres, "MIN_CHUNK_BATCHES", 1)


def rows():
    recent = (shop_today() - timedelta(days=20)).isoformat()
    old = (shop_today() - timedelta(days=500)).isoformat()
    return [
        HEADER,
        ["0912100001", "A", "50000", "", "", "", ""],  # Gold by lifetime spend
        ["0912100002", "B", "2500", "", "", "", ""],  # Silver
        ["0912100003", "C", "3000", "3000", "2", recent, ""],  # Gold by the window
        ["0912100004", "D", "3000", "3000", "2", old, ""],  # the window moved on: Silver
        ["0912100005", "E", "", "", "", "", "Gold"],  # the file's tier
        ["0912100006", "F", "9000", "", "", "", "member"],  # the file's tier wins
        ["0912100007", "G", "10", "", "", "", ""],  # the entry tier, no line
        ["0912100008", "H", "", "", "", "", "Diamond"],  # no such tier
        ["0912100009", "I", "100", "200", "", "", ""],  # window above lifetime
        ["0912100010", "J", "", "4000", "1", "", ""],  # today's figures
    ]


def outcome(path, monkeypatch, *, set_based, **options):
    monkeypatch.setattr(engine, "chunked", lambda: set_based)
    result = import_members_file(path, **options).as_dict()
    members = list(
        Member.objects.order_by("phone").values_list(
            "phone",
            "tier__name",
            "lifetime_spend",
            "opening_lifetime_spend",
            "opening_window_spend",
            "opening_window_purchases",
            "opening_as_of",
        )
    )
    changes = sorted(
        TierChange.objects.values_list(
            "member__phone", "kind", "from_tier__name", "to_tier__name", "reason", "figures"
        ),
        key=lambda change: change[0],
    )
    with transaction.atomic():
        TierChange.objects.all().delete()
        Member.objects.all().delete()
    return result, members, changes


@pytest.mark.parametrize("options", [{"dry_run": True}, {}, {"valid_rows_only": True}])
def test_set_based_path_places_members_as_the_batch_path_does(
    options, write_csv, salon, owner, monkeypatch
):
    path = write_csv(rows())
    batch = outcome(path, monkeypatch, set_based=False, by=owner, **options)
    chunks = outcome(path, monkeypatch, set_based=True, by=owner, **options)
    assert chunks == batch


def test_the_set_based_path_writes_the_tiers_and_their_history(write_csv, salon, monkeypatch):
    monkeypatch.setattr(engine, "chunked", lambda: True)
    result = import_members_file(write_csv(rows()), valid_rows_only=True)
    assert (result.created, result.error_rows) == (8, 2)
    assert result.tiers == [
        {"tier": "Member", "members": 2},
        {"tier": "Silver", "members": 2},
        {"tier": "Gold", "members": 4},
    ]
    tiers = dict(Member.objects.values_list("name", "tier__name"))
    assert tiers == {
        "A": "Gold",
        "B": "Silver",
        "C": "Gold",
        "D": "Silver",
        "E": "Gold",
        "F": "Member",
        "G": "Member",
        "J": "Gold",
    }
    kinds = dict(TierChange.objects.values_list("member__name", "kind"))
    assert kinds == {
        "A": "upgrade",
        "B": "upgrade",
        "C": "upgrade",
        "D": "upgrade",
        "E": "joined",
        "F": "joined",
        "J": "upgrade",
    }
    change = TierChange.objects.get(member__name="C")
    assert change.figures == {
        "lifetime_spend": "3000.00",
        "window_spend": "3000.00",
        "referred_buyers": 0,
    }
