"""`manage.py send_digests`: write today's coordinator digests (none when there is nothing to say)."""

from django.core.management.base import BaseCommand

from missions.visits.digest import digests_send_all


class Command(BaseCommand):
    help = "Write the coordinators' daily digests to the outbox. Idempotent per day."

    def handle(self, *args, **options):
        self.stdout.write(f"{digests_send_all()} digest message(s) written")
