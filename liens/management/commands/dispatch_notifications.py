"""`manage.py dispatch_notifications`: send due outbox rows now, without Celery."""

import datetime
import json

from django.core.management.base import BaseCommand

from liens.outbox.dispatch import dispatch_due, outbox_requeue_stuck


class Command(BaseCommand):
    help = "Send every due notification of the outbox (and optionally re-queue stuck ones). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--max-batches", type=int, default=None)
        parser.add_argument(
            "--requeue-stuck",
            action="store_true",
            help="first put rows stuck in 'sending' back to pending (see OUTBOX_STUCK_AFTER_SECONDS)",
        )
        parser.add_argument("--stuck-after", type=int, default=None, help="seconds in 'sending' counted as stuck")

    def handle(self, *args, batch_size, max_batches, requeue_stuck, stuck_after, **options):
        figures = {}
        if requeue_stuck:
            older_than = datetime.timedelta(seconds=stuck_after) if stuck_after else None
            figures["sweeper"] = outbox_requeue_stuck(older_than=older_than)
        figures["dispatch"] = dispatch_due(batch_size=batch_size, max_batches=max_batches).as_dict()
        self.stdout.write(json.dumps(figures, sort_keys=True))
