"""The owners' admin reads in both scripts, schedule pages included, and
leads back to the shop's pages."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("language", "schedule", "tasks", "back"),
    [
        ("zh-hant", "排程工作", "定時規則", "回到店家頁面"),
        ("zh-hans", "定时任务", "定时规则", "回到店铺页面"),
    ],
)
def test_the_admin_index_reads_in_each_script(owner_client, language, schedule, tasks, back):
    owner_client.cookies["django_language"] = language
    page = owner_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200
    assert schedule in text and tasks in text  # django_celery_beat's app and models
    assert ">Periodic Tasks<" not in text and ">Crontabs<" not in text
    assert back in text and 'href="/" id="back-to-shop"' in text
    assert f'action="{reverse("set_language")}"' in text


def test_the_language_switcher_in_the_admin_changes_the_language(owner_client):
    admin_index = reverse("admin:index")
    response = owner_client.post(
        reverse("set_language"), {"language": "zh-hans", "next": admin_index}
    )
    assert response.status_code == 302 and response["Location"] == admin_index
    assert "定时任务" in owner_client.get(admin_index).content.decode()


def test_a_periodic_task_form_reads_in_traditional_chinese(owner_client):
    owner_client.cookies["django_language"] = "zh-hant"
    text = owner_client.get(
        reverse("admin:django_celery_beat_periodictask_add"), HTTP_ACCEPT_LANGUAGE="zh-hant"
    ).content.decode()
    for label in ("工作（已註冊）", "定時規則", "只執行一次", "開始時間"):
        assert label in text, label
