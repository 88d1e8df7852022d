"""Cross-cutting writes: heartbeats, the access log, the outbox's share of data protection, and
the account's own settings."""

import datetime
import html
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import JobHeartbeat, Notification, PushSubscription, SensitiveAccess, User
from .notify import CHANNEL_ORDER, NOTIFICATION_GROUPS
from .push import b64url_decode, device_label, push_available

# Terminal outbox states: nothing more will be sent from these rows.
FINISHED_NOTIFICATION_STATUSES = (
    Notification.Status.SENT,
    Notification.Status.FAILED,
    Notification.Status.CANCELLED,
)
# What is left in place of a name scrubbed from a message.
SCRUBBED = "—"


def heartbeat_record(*, name: str = "celery") -> JobHeartbeat:
    """Store now as the last beat of job `name`. Idempotent: one row per name, overwritten."""
    # One upsert statement (INSERT ... ON CONFLICT DO UPDATE): this runs every minute, and
    # update_or_create's transaction and row lock cost four round trips for the same result.
    (beat,) = JobHeartbeat.objects.bulk_create(
        [JobHeartbeat(name=name, beat_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beat_at"],
    )
    return beat


def sensitive_access_log(*, user_id: int | None, beneficiary_id: int, what: str) -> SensitiveAccess:
    """Record that a user was shown a beneficiary's private details (which ones in `what`).

    The one writer of the access log: every page, API answer, admin page and export that
    carries a person's phone, address, key contacts, notes or assessments calls it, once per
    answer. Not idempotent on purpose: two views are two rows."""
    return SensitiveAccess.objects.create(user_id=user_id, subject=f"beneficiary:{beneficiary_id}", what=what)


def sensitive_access_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete access-log rows older than LIENS_RETENTION_ACCESS_LOG; returns how many. Idempotent."""
    cutoff = (now or timezone.now()) - settings.LIENS_RETENTION_ACCESS_LOG
    deleted, _ = SensitiveAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


def notifications_purge_sent(*, now: datetime.datetime | None = None) -> int:
    """Empty the text and payload of finished outbox rows older than LIENS_RETENTION_SENT_NOTIFICATIONS.

    The row itself stays (kind, recipient, status, times, dedup key) so a dedup key still never
    sends twice and delivery counts stay whole; only what the message said goes. One UPDATE,
    idempotent: purged rows no longer match (and leave the notification_to_purge index)."""
    cutoff = (now or timezone.now()) - settings.LIENS_RETENTION_SENT_NOTIFICATIONS
    # Every rendered message has a text body, so "body_text is not empty" is "not purged yet".
    return (
        Notification.objects.filter(status__in=FINISHED_NOTIFICATION_STATUSES, created_at__lt=cutoff)
        .exclude(body_text="")
        .update(subject="", body_text="", body_html="", payload={})
    )


def _needle_forms(names: list[str]) -> list[str]:
    """The names as they may appear in a message: as typed, and HTML-escaped in email bodies.
    Longest first, so "Jeanne Martin" is replaced before "Jeanne" alone would break it."""
    forms = set()
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            forms.update({name, html.escape(name), html.escape(name, quote=False)})
    return sorted(forms, key=len, reverse=True)


def notifications_scrub(*, names: list[str], recipients: list[int] | None = None) -> int:
    """Replace `names` with a dash in the outbox's messages (subject, bodies, payload), sent or not.

    For erasure: a volunteer who leaves, a person erased. `recipients` narrows the rows to the
    people who could have been told about them. Set-based: one UPDATE per name form over the
    rows that mention it; payloads (small JSON) are rewritten only on the rows that hold the
    name. Idempotent: a scrubbed name is no longer found. Returns the rows changed."""
    needles = _needle_forms(names)
    if not needles:
        return 0
    rows = Notification.objects.all()
    if recipients is not None:
        rows = rows.filter(recipient_id__in=recipients)
    changed: set[int] = set()
    with transaction.atomic():
        for needle in needles:
            hit = rows.filter(
                Q(subject__contains=needle) | Q(body_text__contains=needle) | Q(body_html__contains=needle)
            )
            changed.update(hit.values_list("pk", flat=True))
            hit.update(
                subject=Replace("subject", Value(needle), Value(SCRUBBED)),
                body_text=Replace("body_text", Value(needle), Value(SCRUBBED)),
                body_html=Replace("body_html", Value(needle), Value(SCRUBBED)),
            )
            in_payload = rows.annotate(payload_text=Cast("payload", TextField())).filter(
                payload_text__contains=json.dumps(needle)[1:-1]
            )
            for row in in_payload.only("pk", "payload"):
                text = json.dumps(row.payload).replace(json.dumps(needle)[1:-1], SCRUBBED)
                Notification.objects.filter(pk=row.pk).update(payload=json.loads(text))
                changed.add(row.pk)
    return len(changed)


def user_language_set(*, user: User, language: str, by: User) -> User:
    """Set the language the user's emails and text messages are written in, by the user
    themselves or a platform admin. Idempotent; messages already in the outbox keep theirs."""
    if by.pk != user.pk and not by.is_staff:
        raise DomainError(_("You may only change your own account."), code="forbidden")
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose one of the languages offered."), field="language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


# --- Web push devices and the choice of channels ------------------------------------------------


def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Record (or refresh) this browser's push subscription for `user`. Idempotent by endpoint:
    a browser subscribed again keeps one row, and one signed in by someone else becomes theirs,
    since its notifications now reach whoever uses it."""
    if not push_available():
        raise DomainError(_("Notifications on this device are not available on this site."), code="unavailable")
    scheme = urlsplit(endpoint or "").scheme
    if scheme not in settings.PUSH_ENDPOINT_SCHEMES or len(endpoint) > 1000:
        raise DomainError(_("This is not the address of a push service."), field="endpoint")
    try:
        public = b64url_decode(p256dh or "")
        secret = b64url_decode(auth or "")
    except ValueError:
        public = secret = b""
    # An uncompressed P-256 point and a 16-byte secret (RFC 8291): anything else cannot be encrypted for.
    if len(public) != 65 or public[0] != 4:
        raise DomainError(_("The device's key is not valid."), field="p256dh")
    if len(secret) != 16:
        raise DomainError(_("The device's key is not valid."), field="auth")
    # update_or_create locks the endpoint's row (or relies on its unique constraint) in one transaction.
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "device": device_label(user_agent)[:100]},
            create_defaults={
                "user": user,
                "p256dh": p256dh,
                "auth": auth,
                "device": device_label(user_agent)[:100],
                "created_at": timezone.now(),
            },
        )
    return subscription


def push_subscription_remove(*, subscription: PushSubscription, by: User) -> None:
    """Forget a device: nothing more is pushed to it. Only its owner may (the views 404 others)."""
    if subscription.user_id != by.pk:
        raise DomainError(_("You may only change your own account."), code="forbidden")
    PushSubscription.objects.filter(pk=subscription.pk).delete()


def notify_channels_set(*, user: User, choices: dict[str, list[str]]) -> User:
    """Store the channels the person chose for each group of messages (liens.notify's groups).

    Every group offered needs at least one channel; SMS needs a phone, push a site with VAPID
    keys. A group the person was not offered keeps what it had."""
    allowed = set(CHANNEL_ORDER)
    stored = dict(user.notify_channels or {})
    for group, channels in choices.items():
        if group not in NOTIFICATION_GROUPS:
            raise DomainError(_("Unknown kind of message."), field=group)
        unknown = set(channels) - allowed
        if unknown:
            raise DomainError(_("Choose among email, text message and notification."), field=group)
        if not channels:
            raise DomainError(_("Choose at least one way to reach you."), field=group)
        if Notification.Channel.SMS in channels and not user.phone:
            raise DomainError(_("Give a mobile number to receive text messages."), field=group)
        if Notification.Channel.PUSH in channels and not push_available():
            raise DomainError(_("Notifications on this device are not available on this site."), field=group)
        stored[group] = [channel for channel in CHANNEL_ORDER if channel in channels]
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(notify_channels=stored)
    user.notify_channels = stored
    return user
