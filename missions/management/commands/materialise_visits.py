"""`manage.py materialise_visits [--match ID] [--weeks N]`: create the coming weeks' visits now."""

from django.core.management.base import BaseCommand, CommandError

from missions.models import Match
from missions.visits.services import visits_materialise, visits_materialise_all


class Command(BaseCommand):
    help = "Create the coming weeks' visits of active matches (all, or one). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--match", type=int, default=None, help="only this match")
        parser.add_argument("--weeks", type=int, default=None)

    def handle(self, *args, match, weeks, **options):
        if match is not None:
            found = Match.objects.filter(pk=match).first()
            if found is None:
                raise CommandError(f"no match {match}")
            created = visits_materialise(match=found, weeks=weeks or 4)
        else:
            created = visits_materialise_all(weeks=weeks)
        self.stdout.write(f"{created} visit(s) created")
