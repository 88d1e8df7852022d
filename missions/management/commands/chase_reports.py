"""`manage.py chase_reports`: mark long-unreported visits unconfirmed and tell the staff."""

from django.core.management.base import BaseCommand

from missions.visits.services import reports_chase


class Command(BaseCommand):
    help = "Visits still without report after the set delay become unconfirmed. Idempotent."

    def handle(self, *args, **options):
        self.stdout.write(f"{reports_chase()} visit(s) marked unconfirmed")
