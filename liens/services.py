"""Cross-cutting writes."""

from django.utils import timezone

from .models import JobHeartbeat, SensitiveAccess


def heartbeat_record(*, name: str = "celery") -> JobHeartbeat:
    """Store now as the last beat of job `name`. Idempotent: one row per name, overwritten."""
    beat, _ = JobHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return beat


def sensitive_access_log(*, user_id: int, beneficiary_id: int, what: str) -> SensitiveAccess:
    """Record that a user was shown a beneficiary's private details (which ones in `what`)."""
    return SensitiveAccess.objects.create(user_id=user_id, subject=f"beneficiary:{beneficiary_id}", what=what)
