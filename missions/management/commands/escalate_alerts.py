"""`manage.py escalate_alerts`: escalate unacknowledged alerts past their delay, once."""

from django.core.management.base import BaseCommand

from missions.alerts.services import alerts_escalate


class Command(BaseCommand):
    help = "Escalate alerts nobody acknowledged in time: coordinators again, then managers."

    def handle(self, *args, **options):
        self.stdout.write(f"escalated: {alerts_escalate()}")
