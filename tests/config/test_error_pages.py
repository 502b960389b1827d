"""Branded, translated error pages; the 500 page reads no database."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import RequestFactory, override_settings
from django.urls import path

from config import urls as project_urls
from config.views import server_error


@login_not_required
def _broken(request):
    raise RuntimeError("a fault")


urlpatterns = [*project_urls.urlpatterns, path("broken/", _broken)]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.fixture
def broken_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.urls(__name__)
@override_settings(DEBUG=False)
def test_a_fault_shows_the_branded_500_page_in_the_readers_language(broken_client, db):
    response = broken_client.get("/broken/", headers={"accept-language": "zh-TW"})
    assert response.status_code == 500
    body = response.content.decode()
    assert "出了點問題" in body
    assert "Server Error (500)" not in body


@pytest.mark.urls(__name__)
@override_settings(DEBUG=False, SHOP_NAME="美髮沙龍")
def test_the_500_page_speaks_simplified_chinese_and_names_the_shop(broken_client, db):
    body = broken_client.get("/broken/", headers={"accept-language": "zh-CN"}).content.decode()
    assert "出了点问题" in body and "美髮沙龍" in body


@pytest.mark.urls(__name__)
@override_settings(DEBUG=False)
def test_the_500_page_in_english(broken_client, db):
    body = broken_client.get("/broken/", headers={"accept-language": "en"}).content.decode()
    assert "Something went wrong" in body


def test_the_500_page_reads_no_database(django_assert_num_queries, db):
    request = RequestFactory().get("/", headers={"accept-language": "zh-TW"})
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500


def test_the_500_page_renders_with_the_database_unreachable():
    # No database access at all in this test: any query would fail it.
    request = RequestFactory().get("/", headers={"accept-language": "en"})
    assert server_error(request).status_code == 500


@override_settings(DEBUG=False)
def test_the_404_page_is_branded_and_translated(client, db):
    response = client.get("/login/nothing-here/", headers={"accept-language": "zh-TW"})
    assert response.status_code == 404
    assert "找不到頁面" in response.content.decode()


@override_settings(DEBUG=False)
def test_the_403_page_is_translated(staff_client, tiers):
    response = staff_client.get("/dashboard/", headers={"accept-language": "zh-TW"})
    assert response.status_code == 403
    assert "沒有權限" in response.content.decode()
