"""`manage.py purge_access_log`: the nightly retention job, run once by hand. Idempotent."""

from django.core.management.base import BaseCommand

from liens.services import sensitive_access_purge


class Command(BaseCommand):
    help = "Delete access-log rows older than the retention period (12 months)."

    def handle(self, *args, **options):
        self.stdout.write(str(sensitive_access_purge()))
