"""`manage.py purge_import_files`: the nightly retention job, run once by hand. Idempotent."""

from django.core.management.base import BaseCommand

from missions.privacy.retention import import_files_purge


class Command(BaseCommand):
    help = "Delete uploaded import files (and their parsed rows) older than 30 days."

    def handle(self, *args, **options):
        self.stdout.write(str(import_files_purge()))
