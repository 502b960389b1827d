import json

from django.conf import settings
from django.db import migrations

# job, hour, minute (shop time): expiry just after midnight, messages in
# daytime hours, the tier review at night (it checks the programme's frequency).
NIGHTLY = [
    ("points_expiry", 0, 15),
    ("tier_review", 3, 0),
    ("birthday_rewards", 9, 0),
    ("expiry_reminders", 10, 0),
    ("lifecycle_actions", 10, 30),
]

TEMPLATES = {
    "expiry_reminder": {
        "en": "{shop}: {name}, {points} of your points expire on {expires_on}. Use them on your next visit!",
        "zh-hant": "{shop}：{name} 您好，您有 {points} 點將於 {expires_on} 到期，歡迎下次光臨時使用！",
        "zh-hans": "{shop}：{name} 您好，您有 {points} 积分将于 {expires_on} 到期，欢迎下次光临时使用！",
    },
    "birthday": {
        "en": "{shop}: Happy birthday, {name}! We added {points} points to your card.",
        "zh-hant": "{shop}：{name} 生日快樂！我們已送上 {points} 點生日禮。",
        "zh-hans": "{shop}：{name} 生日快乐！我们已送上 {points} 积分生日礼。",
    },
    "wake_up": {
        "en": "{shop}: We miss you, {name}! Come back soon: {points} bonus points are waiting.",
        "zh-hant": "{shop}：{name} 好久不見！回來看看吧，{points} 點加贈點數等著您。",
        "zh-hans": "{shop}：{name} 好久不见！回来看看吧，{points} 积分加赠积分等着您。",
    },
}


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for job, hour, minute in NIGHTLY:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(minute),
            hour=str(hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=f"loyalty: {job}",
            defaults={
                "task": "members.tasks.run_nightly_job",
                "crontab": crontab,
                "kwargs": json.dumps({"job": job}),
            },
        )
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="loyalty: send_messages",
        defaults={
            "task": "members.tasks.run_nightly_job",
            "interval": every_ten,
            "kwargs": json.dumps({"job": "send_messages"}),
        },
    )
    MessageTemplate = apps.get_model("members", "MessageTemplate")
    for purpose, texts in TEMPLATES.items():
        for language, body in texts.items():
            MessageTemplate.objects.get_or_create(
                purpose=purpose, channel="sms", language=language, defaults={"body": body}
            )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__startswith="loyalty: ").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_automation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
