"""The tier a member had in the earlier system: a tier column places new
members there, by any of the tier's names; an unknown name is refused."""

from datetime import timedelta

import pytest

from config.clock import shop_today
from importing.files import import_members_file
from members.models import Member
from tiers.models import TierChange
from tiers.services import evaluate_tiers


@pytest.fixture
def named(tiers):
    """The ladder with its Chinese names, as an owner sets it up."""
    for key, hant, hans in (
        ("member", "會員", "会员"),
        ("silver", "銀卡", "银卡"),
        ("gold", "金卡", "金卡"),
    ):
        tiers[key].name_zh_hant, tiers[key].name_zh_hans = hant, hans
        tiers[key].save()
    return tiers


def tiers_of_members():
    return {m.name: m.tier.name for m in Member.objects.select_related("tier")}


@pytest.mark.parametrize("header", ["會員等級", "会员等级", "Tier", "Level", "等級"])
def test_the_column_is_found_by_its_usual_headers(write_csv, named, header):
    rows = [["手機", "姓名", header], ["0912000001", "陳", "Gold"]]
    result = import_members_file(write_csv(rows))
    assert result.columns["Tier"] == header
    assert tiers_of_members() == {"陳": "Gold"}


def test_any_name_of_the_tier_matches_trimmed_and_in_any_case(write_csv, named, owner):
    rows = [["手機", "姓名", "會員等級"]]
    rows += [
        ["0912000001", "A", " 金卡 "],
        ["0912000002", "B", "银卡"],
        ["0912000003", "C", "GOLD"],
        ["0912000004", "D", "ｓｉｌｖｅｒ"],  # full-width, as some tills write it
        ["0912000005", "E", "會員"],
        ["0912000006", "F", ""],  # empty: the ladder decides (no figures: the entry tier)
    ]
    result = import_members_file(write_csv(rows, name="pos-export.csv"), by=owner)
    assert result.applied and result.created == 6
    assert tiers_of_members() == {
        "A": "Gold",
        "B": "Silver",
        "C": "Gold",
        "D": "Silver",
        "E": "Member",
        "F": "Member",
    }
    change = Member.objects.get(name="A").tier_changes.get()
    assert change.kind == TierChange.Kind.JOINED
    assert (change.from_tier, change.to_tier, change.by) == (None, named["gold"], owner)
    assert change.reason == "Tier brought from the earlier system (pos-export.csv)"
    # A line for every tier the file names, the entry tier too; none for an empty cell.
    assert TierChange.objects.count() == 5
    assert not Member.objects.get(name="F").tier_changes.exists()


def test_an_unknown_tier_is_a_row_error_that_lists_the_names(write_csv, named):
    rows = [["手機", "姓名", "會員等級"], ["0912000001", "陳", "鑽石"]]
    rows.append(["0912000002", "林", "Gold"])
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.error_rows == 1
    assert result.errors == [
        {
            "row": 2,
            "column": "Tier",
            "value": "鑽石",
            "message": "“鑽石” is not one of the tiers: "
            "Member / 會員 / 会员, Silver / 銀卡 / 银卡, Gold / 金卡.",
        }
    ]
    result = import_members_file(write_csv(rows))
    assert not result.applied and not Member.objects.exists()


def test_an_inactive_tier_is_not_a_place_to_start(write_csv, named):
    named["gold"].is_active = False
    named["gold"].save()
    rows = [["手機", "姓名", "會員等級"], ["0912000001", "陳", "Gold"]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.errors[0]["message"].endswith("Member / 會員 / 会员, Silver / 銀卡 / 银卡.")


def test_the_files_tier_wins_over_the_figures_until_the_next_review(write_csv, named):
    from decimal import Decimal

    named["gold"].qualify_lifetime_spend = Decimal("5000")
    named["gold"].retain_window_spend = Decimal("2000")
    named["gold"].save()
    named["silver"].qualify_lifetime_spend = Decimal("2000")
    named["silver"].save()
    rows = [["手機", "姓名", "累計消費", "會員等級"]]
    rows += [["0912000001", "Up", "9000", "Silver"], ["0912000002", "Down", "0", "Gold"]]
    import_members_file(write_csv(rows))
    assert tiers_of_members() == {"Up": "Silver", "Down": "Gold"}
    # The next review treats them like anyone else.
    summary = evaluate_tiers(as_of=shop_today() + timedelta(days=1))
    assert summary.moves == {"Silver → Gold": 1}
    assert summary.grace_started == 1
    down = Member.objects.get(name="Down")
    assert down.tier.name == "Gold" and down.tier_grace_until is not None


def test_the_preview_counts_members_per_tier_from_the_column(write_csv, named):
    rows = [["手機", "姓名", "會員等級"], ["0912000001", "A", "金卡"], ["0912000002", "B", ""]]
    result = import_members_file(write_csv(rows), dry_run=True)
    assert result.tiers == [{"tier": "Member", "members": 1}, {"tier": "Gold", "members": 1}]
