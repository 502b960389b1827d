"""Figures brought from an earlier system: the import keeps them apart from
the sales here, and a new member starts in the highest tier they reach,
with a history line that says so."""

from datetime import timedelta
from decimal import Decimal

from config.clock import add_months, shop_today
from importing.files import import_members_file
from importing.services import confirm_import, run_apply, run_preview, start_import
from members.models import ImportJob, Member
from points.models import LedgerEntry
from tests.factories import MemberFactory
from tests.importing.conftest import csv_bytes
from tiers.models import TierChange, UpgradeReward
from tiers.services import evaluate_tiers

HEADER = ["手機", "姓名", "累計消費", "近一年消費", "近一年消費次數", "統計日期"]


def member(phone):
    return Member.objects.select_related("tier").get(phone=phone)


def test_lifetime_spend_that_meets_a_threshold_upgrades_on_confirm(salon, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [["手機", "姓名", "累計消費"], ["0912000001", "陳", "50,000"]]
    rows.append(["0912000002", "林", "900"])
    upload = SimpleUploadedFile("old-system.csv", csv_bytes(rows))
    job = start_import(upload=upload, by=owner)
    run_preview(job_id=job.pk)
    assert not Member.objects.exists()
    job.refresh_from_db()
    confirm_import(job=job, by=owner)
    job = run_apply(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE
    chen = member("+886912000001")
    assert chen.tier == salon["gold"]
    assert (chen.opening_lifetime_spend, chen.lifetime_spend) == (Decimal("50000"),) * 2
    change = chen.tier_changes.get()
    assert change.kind == TierChange.Kind.UPGRADE
    assert (change.from_tier, change.to_tier, change.by) == (salon["member"], salon["gold"], owner)
    assert change.reason == (
        "Qualified by figures brought from the earlier system (old-system.csv)"
    )
    assert change.figures["lifetime_spend"] == "50000.00"
    assert member("+886912000002").tier == salon["member"]
    assert not member("+886912000002").tier_changes.exists()


def test_the_import_gives_no_upgrade_bonus_for_a_tier_reached_before(salon):
    salon["gold"].upgrade_bonus_points = 500
    salon["gold"].save()
    rows = [["手機", "姓名", "累計消費"], ["0912000001", "陳", "50000"]]
    import_members_file_from(rows)
    chen = member("+886912000001")
    assert chen.tier == salon["gold"] and chen.points_balance == 0
    assert not UpgradeReward.objects.exists() and not LedgerEntry.objects.exists()


def import_members_file_from(rows, **options):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.csv"
        path.write_bytes(csv_bytes(rows))
        return import_members_file(path, **options)


def test_window_figures_count_while_the_window_holds_their_date(salon):
    today = shop_today()
    recent = (today - timedelta(days=30)).isoformat()
    old = add_months(today, -13).isoformat()
    rows = [
        HEADER,
        ["0912000001", "近", "3000", "3000", "4", recent],  # Gold: 3,000 in the window
        ["0912000002", "舊", "3000", "3000", "4", old],  # the window has moved on: Silver
        ["0912000003", "今", "", "3000", "", ""],  # no date: today's figures
    ]
    result = import_members_file_from(rows)
    assert result.applied
    assert member("+886912000001").tier == salon["gold"]
    assert member("+886912000002").tier == salon["silver"]
    undated = member("+886912000003")
    assert undated.tier == salon["gold"]
    assert undated.opening_as_of == today
    # No lifetime figure: at least what the window holds.
    assert undated.opening_lifetime_spend == undated.lifetime_spend == Decimal("3000")
    fresh = member("+886912000001")
    assert (fresh.opening_window_spend, fresh.opening_window_purchases) == (Decimal("3000"), 4)
    assert fresh.opening_as_of.isoformat() == recent


def test_a_sale_after_the_import_counts_the_brought_figures(salon):
    from tests.tiers.conftest import at, buy

    import_members_file_from([["手機", "姓名", "累計消費"], ["0912000001", "陳", "1,900"]])
    chen = member("+886912000001")
    assert chen.tier == salon["member"]
    buy(chen, "200", at(shop_today()))  # pays 190: 2,090 in all
    assert chen.tier == salon["silver"]
    assert chen.lifetime_spend == Decimal("2090")
    assert chen.tier_changes.get().figures["lifetime_spend"] == "2090.00"


def test_a_review_after_the_import_counts_the_brought_figures(salon):
    rows = [["手機", "姓名", "累計消費", "會員等級"], ["0912000001", "陳", "50000", "Member"]]
    import_members_file_from(rows)
    assert member("+886912000001").tier == salon["member"]  # the file's tier wins
    summary = evaluate_tiers(as_of=shop_today() + timedelta(days=1))
    assert summary.moves == {"Member → Gold": 1}
    assert member("+886912000001").tier == salon["gold"]


def test_the_import_places_members_where_the_review_would(salon):
    today = shop_today()
    rows = [HEADER] + [
        [f"09120000{i:02d}", f"M{i}", lifetime, window, purchases, day]
        for i, (lifetime, window, purchases, day) in enumerate(
            [
                ("", "", "", ""),
                ("1999.99", "", "", ""),
                ("2000", "", "", ""),
                ("4999", "2999", "9", today.isoformat()),
                ("5000", "", "", ""),
                ("3000", "3000", "", (today - timedelta(days=364)).isoformat()),
                ("3000", "3000", "", (today - timedelta(days=366)).isoformat()),
            ]
        )
    ]
    import_members_file_from(rows)
    tiers = {m.name: m.tier.name for m in Member.objects.select_related("tier")}
    assert tiers == {
        "M0": "Member",
        "M1": "Member",
        "M2": "Silver",
        "M3": "Silver",
        "M4": "Gold",
        "M5": "Gold",
        "M6": "Silver",
    }
    # Nothing left for the review to move up: the import decided as it does.
    assert evaluate_tiers(as_of=today + timedelta(days=1), dry_run=True).upgraded == 0


def test_preview_counts_new_members_per_tier_and_writes_nothing(salon):
    rows = [["手機", "姓名", "累計消費"], ["0912000001", "陳", "50000"], ["0912000002", "林", "10"]]
    result = import_members_file_from(rows, dry_run=True)
    assert result.tiers == [{"tier": "Member", "members": 1}, {"tier": "Gold", "members": 1}]
    assert not Member.objects.exists() and not TierChange.objects.exists()


def test_a_file_without_figures_or_tiers_lists_no_tiers(salon):
    result = import_members_file_from([["手機", "姓名"], ["0912000001", "陳"]])
    assert result.tiers == []
    assert member("+886912000001").tier == salon["member"]


def test_wrong_figures_are_row_errors_that_say_what_to_fix(salon):
    tomorrow = (shop_today() + timedelta(days=1)).isoformat()
    rows = [
        HEADER,
        ["0912000001", "A", "1000", "3000", "", ""],
        ["0912000002", "B", "", "", "2.5", ""],
        ["0912000003", "C", "", "", "", tomorrow],
        ["0912000004", "D", "", "lots", "", "not a day"],
    ]
    result = import_members_file_from(rows, dry_run=True)
    assert result.error_rows == 4
    messages = [(e["row"], e["column"], e["message"]) for e in result.errors]
    assert messages == [
        (
            2,
            "Spend in the window",
            "The spend in the window (NT$3,000) is more than the lifetime spend "
            "(NT$1,000): the lifetime spend includes it.",
        ),
        (3, "Purchases in the window", "“2.5” is not a whole number from 0 to 999,999."),
        (4, "Figures as of", f"The figures' date {tomorrow} is in the future."),
        (5, "Spend in the window", "“lots” is not an amount of money (0 or more)."),
        (5, "Figures as of", "“not a day” is not a date. Write it as 1990-01-02 or 1990/1/2."),
    ]


def test_members_already_registered_keep_their_figures_and_tier(salon):
    known = MemberFactory(phone="+886912000001", name="陳")
    rows = [["手機", "姓名", "累計消費", "會員等級"], ["0912000001", "陳美玲", "50000", "Gold"]]
    result = import_members_file_from(rows, update_existing=True)
    assert result.updated == 1
    known.refresh_from_db()
    assert known.name == "陳美玲"
    assert known.tier == salon["member"]
    assert (known.lifetime_spend, known.opening_lifetime_spend) == (0, 0)
    assert not TierChange.objects.exists()


def test_queries_do_not_grow_with_rows(write_csv, salon, django_assert_max_num_queries):
    rows = [["手機", "姓名", "累計消費", "會員等級"]] + [
        [f"0912{i:06d}", f"M{i}", str(i * 10), "銀卡" if i % 7 == 0 else ""] for i in range(1500)
    ]
    salon["silver"].name_zh_hant = "銀卡"
    salon["silver"].save()
    path = write_csv(rows)
    # 18 with the shop settings' phone regions, read once per file, and the column
    # choice remembered for the header row.
    with django_assert_max_num_queries(18):
        result = import_members_file(path)
    assert result.created == 1500
    assert TierChange.objects.count() == Member.objects.exclude(tier=salon["member"]).count()
