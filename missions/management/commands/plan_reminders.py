"""`manage.py plan_reminders`: rewrite the reminder plan of every upcoming visit now."""

from django.core.management.base import BaseCommand

from missions.visits.reminders import reminders_plan_upcoming


class Command(BaseCommand):
    help = "Re-plan the reminders of upcoming visits and visits awaiting a report. Idempotent."

    def handle(self, *args, **options):
        self.stdout.write(f"{reminders_plan_upcoming()} reminder(s) written")
