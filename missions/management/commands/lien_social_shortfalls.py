"""`manage.py lien_social_shortfalls`: tell home-care managers about plans behind, once."""

from django.core.management.base import BaseCommand

from missions.liensocial.services import shortfalls_notify


class Command(BaseCommand):
    help = "Near a month's end, tell home-care managers which APA plans' lien-social hours are behind."

    def handle(self, *args, **options):
        self.stdout.write(f"notifications written: {shortfalls_notify()}")
