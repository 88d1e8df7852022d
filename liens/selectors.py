"""Cross-cutting reads: health of the parts the site depends on, roles of a user."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .accounts.policy import staff_roles
from .celery import app as celery_app
from .models import JobHeartbeat, PushSubscription
from .notify import NOTIFICATION_GROUPS, chosen_channels, default_channels


@dataclass
class Health:
    ok: bool
    checks: dict[str, dict] = field(default_factory=dict)


def health_check() -> Health:
    """Check the database, the broker and the periodic heartbeat; never raises."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # a health probe reports failures, it does not raise them
        checks["database"] = {"ok": False, "error": str(exc)[:200]}

    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:
        checks["broker"] = {"ok": False, "error": str(exc)[:200]}

    beat_at: datetime | None = None
    error = None
    if checks["database"]["ok"]:
        try:
            beat_at = JobHeartbeat.objects.filter(name="celery").values_list("beat_at", flat=True).first()
        except Exception as exc:  # e.g. a release whose migrations have not run yet
            error = str(exc)[:200]
    fresh = beat_at is not None and timezone.now() - beat_at <= settings.HEARTBEAT_MAX_AGE
    checks["heartbeat"] = {"ok": fresh, "last_beat_at": beat_at.isoformat() if beat_at else None}
    if error:
        checks["heartbeat"]["error"] = error

    return Health(ok=all(check["ok"] for check in checks.values()), checks=checks)


# --- Web push devices and the choice of channels ------------------------------------------------


def push_devices(user) -> list[PushSubscription]:
    """The user's devices that receive web push, oldest first (one query)."""
    return list(PushSubscription.objects.filter(user=user).order_by("created_at", "pk"))


def notification_groups_offered(user) -> list[str]:
    """The groups of messages this person may receive, in NOTIFICATION_GROUPS order: alerts and
    digests go to association staff and platform admins only."""
    staff = user.is_staff or bool(staff_roles(user))
    return [group for group in NOTIFICATION_GROUPS if group != "alerts" or staff]


def channel_choices(user) -> dict[str, list[str]]:
    """For each group offered, the channels chosen, or those the defaults give when none were."""
    defaults = None
    choices = {}
    for group in notification_groups_offered(user):
        chosen = chosen_channels(user, group)
        if chosen is None:
            defaults = defaults if defaults is not None else default_channels(user, urgent=False)
            chosen = defaults
        choices[group] = list(chosen)
    return choices
