"""Retention jobs of the association side: each a plain function, a Celery task and a command.

Periods come from the "Retention of personal data" block of the settings, the same values the
processing register shows. Each job is set-based and idempotent: what it already did no longer
matches its query.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from missions.models import Beneficiary, ImportJob

from .erasure import beneficiaries_anonymise

# People erased per statement batch: bounds each transaction's size and lock time.
ANONYMISE_BATCH = 500


def beneficiaries_anonymise_ended(*, now: datetime.datetime | None = None) -> int:
    """Erase people no longer followed whose last contact (or intake) is older than the retention period.

    Batches of ids, each erased in a few set-based statements. Their outbox messages need no
    scrubbing here: finished messages are emptied after LIENS_RETENTION_SENT_NOTIFICATIONS, far
    shorter than this period, and nothing is planned for a person no longer followed.
    Returns how many people were erased. Idempotent."""
    now = now or timezone.now()
    cutoff = now - settings.LIENS_RETENTION_ENDED_BENEFICIARY
    due = (
        Beneficiary.objects.filter(status=Beneficiary.Status.ENDED, erased_at__isnull=True)
        .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    total = 0
    while ids := list(due[:ANONYMISE_BATCH]):
        total += beneficiaries_anonymise(ids=ids, now=now)
    return total


def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploaded file and parsed rows of imports older than LIENS_RETENTION_IMPORT_FILES.

    The job row stays (file name, counts, the row-by-row report of problems, which holds no
    field values). One UPDATE; idempotent. Returns how many imports were purged."""
    now = now or timezone.now()
    cutoff = now - settings.LIENS_RETENTION_IMPORT_FILES
    return ImportJob.objects.filter(created_at__lt=cutoff, file_purged_at__isnull=True).update(
        content=b"", rows=[], file_purged_at=now
    )
