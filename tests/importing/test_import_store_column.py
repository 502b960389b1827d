"""The member's home store in a chain: a store column names it, by any of
the store's names, in either script and any case; an unknown name is a row
error that lists the shop's stores. Both write paths (one batch at a time,
and PostgreSQL's set-based one) write it."""

import pytest
from django.db import connection

from importing import engine
from importing.files import import_members_file
from members.models import Member
from tests.factories import MemberFactory, StoreFactory


@pytest.fixture
def stores(db):
    return {
        "taipei": StoreFactory(
            name="Taipei Main", name_zh_hant="台北總店", name_zh_hans="台北总店"
        ),
        "mall": StoreFactory(name="Mall"),
        "xinyi": StoreFactory(name="信義店"),  # named in one script only
    }


@pytest.fixture(
    params=["one batch at a time", pytest.param("set-based", marks=pytest.mark.postgres)]
)
def write_path(request, monkeypatch):
    """Each test runs on the path of every database, and on PostgreSQL also
    on its set-based path."""
    set_based = request.param == "set-based"
    if set_based and connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    monkeypatch.setattr(engine, "chunked", lambda: set_based)
    return request.param


def homes():
    return {m.name: m.home_store_id for m in Member.objects.all()}


def test_the_store_column_gives_new_members_their_home_store(write_csv, tiers, stores, write_path):
    rows = [["手機", "姓名", "門市"]]
    rows += [
        ["0912000001", "A", "Taipei Main"],
        ["0912000002", "B", "台北總店"],
        ["0912000003", "C", "台北总店"],  # the other script
        ["0912000004", "D", " mall "],  # case and spaces aside
        ["0912000005", "E", "ＭＡＬＬ"],  # full width, as some tills write it
        ["0912000006", "F", ""],  # no store: none
        ["0912000007", "G", "信义店"],  # Simplified for a name typed in Traditional
    ]

    result = import_members_file(write_csv(rows))

    assert result.applied and result.created == 7, result.errors
    taipei, mall = stores["taipei"].pk, stores["mall"].pk
    assert homes() == {
        "A": taipei,
        "B": taipei,
        "C": taipei,
        "D": mall,
        "E": mall,
        "F": None,
        "G": stores["xinyi"].pk,
    }


def test_an_unknown_store_is_a_row_error_naming_the_stores(write_csv, tiers, stores, write_path):
    rows = [["Phone", "Name", "Store"], ["0912000001", "A", "Airport"]]
    rows.append(["0912000002", "B", "Mall"])

    result = import_members_file(write_csv(rows), dry_run=True)

    assert result.error_rows == 1
    assert result.errors[0]["row"] == 2
    assert result.errors[0]["column"] == "Home store"
    assert result.errors[0]["value"] == "Airport"
    message = result.errors[0]["message"]
    assert message.startswith("“Airport” is not one of the stores: ")
    assert "Taipei Main" in message and "Mall" in message
    assert not Member.objects.exists()


@pytest.mark.parametrize("header", ["Store", "門市", "门店", "分店", "Home store", "入會門市"])
def test_the_column_is_found_by_its_usual_headers(write_csv, tiers, stores, header):
    result = import_members_file(
        write_csv([["手機", "姓名", header], ["0912000001", "陳", "Mall"]])
    )
    assert result.columns["Home store"] == header
    assert homes() == {"陳": stores["mall"].pk}


def test_without_a_store_column_new_members_have_no_home_store(write_csv, tiers, stores):
    import_members_file(write_csv([["手機", "姓名"], ["0912000001", "陳"]]))
    assert homes() == {"陳": None}


def test_a_registered_members_home_store_is_left_as_it_is(write_csv, tiers, stores):
    MemberFactory(phone="+886912000001", name="陳", home_store=stores["taipei"])

    result = import_members_file(
        write_csv([["手機", "姓名", "門市"], ["0912000001", "陳", "Mall"]]), update_existing=True
    )

    assert result.error_rows == 0
    assert homes() == {"陳": stores["taipei"].pk}
