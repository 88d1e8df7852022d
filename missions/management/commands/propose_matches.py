"""`manage.py propose_matches [--association ID | --territory NAME] [--expire]`: the nightly
batch proposals (and expiry), run by hand."""

from django.core.management.base import BaseCommand, CommandError

from missions.matching import batch, life, services
from missions.models import Association


class Command(BaseCommand):
    help = "Propose volunteers for open missions (batch assignment); proposals only, nothing confirmed."

    def add_arguments(self, parser):
        parser.add_argument("--association", type=int, help="Only this association's missions.")
        parser.add_argument("--territory", help="Only this territory's missions.")
        parser.add_argument("--expire", action="store_true", help="Also expire unanswered proposals first.")

    def handle(self, *args, association=None, territory=None, expire=False, **options):
        if expire:
            expired = services.proposals_expire() + life.covers_close()
            self.stdout.write(f"expired or closed: {expired}")
        if association is not None:
            found = Association.objects.filter(pk=association).first()
            if found is None:
                raise CommandError(f"no association {association}")
            scopes = [{"association": found}]
        elif territory:
            scopes = [{"territory": territory}]
        else:
            scopes = [{"territory": t} for t in batch.territories_with_open_missions()]
        for scope in scopes:
            result = services.proposals_batch(**scope)
            name = scope.get("territory") or scope["association"].name
            self.stdout.write(
                f"{name}: {result.proposed} proposals for {result.missions_covered} of {result.missions} open "
                f"missions (total score {result.total_score:.2f}, {result.candidate_pairs} candidate pairs)"
            )
