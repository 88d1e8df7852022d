"""python manage.py seed_demo [--reset] [--seed N]: load the demo territory (Lyon)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.loader import DEFAULT_SEED, load_demo, reset_demo
from seeds.territory import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Load the demo territory: three associations in Lyon, their staff, volunteers, beneficiaries, "
        "missions, two months of visits and the contact ledger. Does nothing if it is already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data first (its three associations and the demo accounts), then load it again.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default: %(default)s).")

    def handle(self, *args, reset: bool = False, seed: int = DEFAULT_SEED, **options):
        started = time.monotonic()
        # One transaction: if loading fails, the reset is rolled back too.
        with transaction.atomic():
            if reset:
                reset_demo()
            counts = load_demo(seed=seed)
        summary = (
            f"{counts['associations']} associations, {counts['volunteers']} volunteers, "
            f"{counts['beneficiaries']} beneficiaries, {counts['missions']} missions, "
            f"{counts['matches']} matches ({counts['active_matches']} active), {counts['visits']} visits, "
            f"{counts['reports']} reports, {counts['contacts']} contacts, {counts['open_alerts']} open alerts, "
            f"{counts['overdue']} people past their contact target"
        )
        if counts["created"]:
            elapsed = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(f"Demo territory ready: {summary} ({elapsed:.1f} s).")
                + " Sign in as benevole@exemple.fr, coordination@exemple.fr or admin@exemple.fr,"
                + f" password {DEMO_PASSWORD}."
            )
        else:
            self.stdout.write(f"Demo territory already loaded: {summary}. Use --reset to load it again.")
