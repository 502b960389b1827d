"""The import's tag column: each name found among the shop's tags (in any
script) or made one, given to the rows' members in the import's transaction."""

from importing.files import import_members_file
from members.models import Member, Tag
from tests.factories import MemberFactory


def _tags(name):
    return sorted(tag.name for tag in Member.objects.get(name=name).tags.all())


def test_tags_named_in_the_file_are_found_or_made_and_given(tiers, write_csv):
    Tag.objects.create(name="VIP", name_zh_hant="貴賓", name_zh_hans="贵宾")
    rows = [
        ["Phone", "Name", "Tags"],
        ["0912345678", "Chen", "vip, Perm client"],
        ["0912345679", "Lin", "貴賓、燙髮；Perm Client"],
        ["0912345680", "Wang", ""],
    ]
    result = import_members_file(write_csv(rows))
    assert result.applied, result.errors
    assert _tags("Chen") == ["Perm client", "VIP"]
    # The Traditional name finds the same tag; case aside, one new tag per name.
    assert _tags("Lin") == ["Perm client", "VIP", "燙髮"]
    assert _tags("Wang") == []
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Perm client", "VIP", "燙髮"]


def test_a_preview_or_a_refused_file_makes_no_tag(tiers, write_csv):
    rows = [["Phone", "Name", "Tags"], ["0912345678", "Chen", "VIP"], ["12", "Bad", "Other"]]
    result = import_members_file(write_csv(rows))
    assert not result.applied and result.error_rows == 1
    assert not Tag.objects.exists()


def test_members_already_registered_get_tags_only_when_the_import_updates_them(tiers, write_csv):
    MemberFactory(name="Chen", phone="+886912345678")
    rows = [["Phone", "Name", "Tags"], ["0912345678", "Chen", "VIP"]]
    import_members_file(write_csv(rows))
    assert _tags("Chen") == []
    result = import_members_file(write_csv(rows), update_existing=True)
    assert result.applied, result.errors
    assert _tags("Chen") == ["VIP"]
    # Again: nothing given twice, nothing taken away.
    import_members_file(write_csv(rows), update_existing=True)
    assert Member.objects.get(name="Chen").tags.count() == 1
