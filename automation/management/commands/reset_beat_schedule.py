from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks


class Command(BaseCommand):
    help = (
        "After changing TIME_ZONE: move the nightly schedules to the new zone and forget "
        "their last run times, so beat neither skips nor repeats a day."
    )

    def handle(self, *args, **options):
        moved = CrontabSchedule.objects.exclude(timezone=settings.TIME_ZONE).update(
            timezone=settings.TIME_ZONE
        )
        reset = PeriodicTask.objects.update(last_run_at=None)
        PeriodicTasks.update_changed()
        self.stdout.write(f"{moved} schedules moved to {settings.TIME_ZONE}; {reset} tasks reset.")
