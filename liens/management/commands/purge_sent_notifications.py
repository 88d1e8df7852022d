"""`manage.py purge_sent_notifications`: the nightly retention job, run once by hand. Idempotent."""

from django.core.management.base import BaseCommand

from liens.services import notifications_purge_sent


class Command(BaseCommand):
    help = "Empty the text of sent or finished messages older than the retention period (90 days)."

    def handle(self, *args, **options):
        self.stdout.write(str(notifications_purge_sent()))
