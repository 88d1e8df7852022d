"""`manage.py sweep_isolation`: run the isolation sweep once, as the Celery beat does every 15 minutes."""

import json

from django.core.management.base import BaseCommand

from missions.alerts.sweep import isolation_sweep


class Command(BaseCommand):
    help = "Raise or raise the severity of no-contact alerts for every beneficiary whose deadline has passed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None, help="Rows claimed per transaction.")

    def handle(self, *args, batch_size=None, **options):
        result = isolation_sweep(batch_size=batch_size)
        self.stdout.write(json.dumps(result.as_dict(), sort_keys=True))
