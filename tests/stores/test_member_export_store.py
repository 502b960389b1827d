"""The member export's *Home store* column in a chain, read back by the
import: an exported file restores each member's home store; a single
shop's file has no store column."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from importing.files import import_members_file
from members.models import Member
from tests.factories import MemberFactory, StoreFactory, only_store


@pytest.fixture(autouse=True)
def _isolated(private_storage, english):
    pass


@pytest.fixture
def chain_members(tiers, two_stores):
    main, _mall = two_stores
    mall = StoreFactory(name="Taipei Mall", name_zh_hant="台北商場", name_zh_hans="台北商场")
    return {
        "+886912000001": MemberFactory(
            tier=tiers["member"], phone="+886912000001", home_store=main
        ),
        "+886912000002": MemberFactory(
            tier=tiers["member"], phone="+886912000002", home_store=mall
        ),
        "+886912000003": MemberFactory(
            tier=tiers["member"], phone="+886912000003", home_store=None
        ),
    }


def _download(client, url_name, **headers):
    response = client.get(reverse(url_name), headers=headers)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def _homes():
    return dict(Member.objects.values_list("phone", "home_store_id"))


def test_the_csv_has_a_home_store_column_in_a_chain(owner_client, chain_members):
    text = _download(owner_client, "members:export_csv").decode("utf-8-sig")
    header, *rows = [line.split(",") for line in text.splitlines()]

    column = header.index("Home store")
    assert header[column - 1] == "Tier"  # with the columns the import reads
    stores = {row[1]: row[column] for row in rows}
    assert stores == {
        "0912 000 001": "Main Street",
        "0912 000 002": "Taipei Mall",
        "0912 000 003": "",
    }


def test_the_xlsx_has_it_too_in_the_readers_script(owner_client, chain_members):
    data = _download(owner_client, "members:export_xlsx", accept_language="zh-hans")
    header, *rows = load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)

    assert "入会门店" in header
    assert "台北商场" in [row[header.index("入会门店")] for row in rows]


@pytest.mark.parametrize(
    "url_name, suffix, language",
    [
        ("members:export_csv", "csv", "en"),
        ("members:export_xlsx", "xlsx", "en"),
        ("members:export_csv", "csv", "zh-hant"),
        ("members:export_xlsx", "xlsx", "zh-hans"),
    ],
)
def test_an_exported_file_gives_the_home_stores_back(
    owner_client, chain_members, tmp_path, url_name, suffix, language
):
    before = _homes()
    path = tmp_path / f"members.{suffix}"
    path.write_bytes(_download(owner_client, url_name, accept_language=language))
    Member.objects.all().delete()

    result = import_members_file(path)

    assert (result.created, result.error_rows) == (3, 0), result.errors
    assert _homes() == before


def test_an_exported_file_imported_again_changes_nothing(owner_client, chain_members, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(_download(owner_client, "members:export_csv"))

    result = import_members_file(path, update_existing=True)

    assert (result.unchanged, result.error_rows) == (3, 0), result.errors
    assert "Home store" in result.columns


def test_a_single_shops_export_has_no_store_column(owner_client, tiers):
    store = only_store()
    MemberFactory(tier=tiers["member"], home_store=store)

    text = _download(owner_client, "members:export_csv").decode("utf-8-sig")

    assert "store" not in text.splitlines()[0].lower()
