"""`manage.py anonymise_ended_beneficiaries`: the nightly retention job, run once by hand. Idempotent."""

from django.core.management.base import BaseCommand

from missions.privacy.retention import beneficiaries_anonymise_ended


class Command(BaseCommand):
    help = "Erase the identifying data of people no longer followed, two years after their last contact."

    def handle(self, *args, **options):
        self.stdout.write(str(beneficiaries_anonymise_ended()))
