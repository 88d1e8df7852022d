"""Cross-cutting writes."""

from django.utils import timezone

from .models import JobHeartbeat


def heartbeat_record(*, name: str = "celery") -> JobHeartbeat:
    """Store now as the last beat of job `name`. Idempotent: one row per name, overwritten."""
    beat, _ = JobHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return beat
