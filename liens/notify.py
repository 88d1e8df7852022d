"""Writing to the notification outbox: the only way anything is sent.

`notify()` renders a message in the recipient's language for each channel and writes one
outbox row per channel. Writing the same dedup key again is a no-op, so callers can plan
reminders as often as they like. Sending is the dispatcher's job, not the caller's.
"""

import datetime

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import Notification, User


def site_url(path: str) -> str:
    """An absolute address on the site, for links in messages read outside it (email, SMS)."""
    return f"{settings.SITE_URL}{path}"


def _render(kind: str, suffix: str, context: dict) -> str:
    """One part of a message: the kind's own template, or the generic one standing in for it.

    Only the HTML part is escaped. Subjects, plain-text emails and SMS are read as text, where
    an escape shows as is ("l&#x27;association"): they render with autoescape off, here rather
    than in each template, so a new kind cannot forget it.
    """
    template = Engine.get_default().select_template(
        [f"notifications/{kind}.{suffix}", f"notifications/_generic.{suffix}"]
    )
    return template.render(Context(context, autoescape=suffix == "html")).strip()


def default_channels(recipient: User, *, urgent: bool) -> list[str]:
    """SMS when the person asked for it, or when urgent and a phone is known; email otherwise too.

    Email is left out only when a volunteer turned it off and an SMS goes instead, so
    nobody is ever left with no channel at all. The person's own choice comes from the function
    settings.LIENS_NOTIFY_PREFERENCES names ((email, sms), or None for the defaults).
    """
    path = getattr(settings, "LIENS_NOTIFY_PREFERENCES", "")
    preferences = import_string(path)(recipient) if path else None
    wants_email, wants_sms = preferences if preferences is not None else (True, False)
    sms = bool(recipient.phone and (wants_sms or urgent))
    channels = [Notification.Channel.EMAIL] if wants_email or not sms else []
    if sms:
        channels.append(Notification.Channel.SMS)
    return channels


def notify(
    *,
    recipient: User,
    kind: str,
    context: dict,
    dedup_key: str,
    due_at: datetime.datetime | None = None,
    urgent: bool = False,
    channels: list[str] | None = None,
    payload: dict | None = None,
) -> list[Notification]:
    """Write one pending outbox row per channel for `recipient`. Idempotent by dedup_key.

    Templates: notifications/<kind>.subject.txt, <kind>.txt, <kind>.html, <kind>.sms.txt,
    rendered in the recipient's language; a generic template stands in for a missing one.
    Returns the rows written now (rows that already existed are not returned).

    `payload` is stored on each row for the dispatcher: "tz" (the recipient's local zone for
    quiet hours), "expires_at" (ISO time after which sending is pointless), "guard" (a named
    check, settings.OUTBOX_GUARDS, that may drop the row when it is no longer relevant).
    """
    due_at = due_at or timezone.now()
    rows = []
    with translation.override(recipient.language or "fr"):
        context = {"recipient": recipient, "urgent": urgent, **context}
        for channel in channels or default_channels(recipient, urgent=urgent):
            if channel == Notification.Channel.SMS:
                # The French catalogue puts non-breaking spaces before ? ! : ; for screens; a
                # text message gains nothing from them and some phones show them oddly.
                text = _render(kind, "sms.txt", context).replace("\u00a0", " ").replace("\u202f", " ")
                subject, html = "", ""
            else:
                subject = " ".join(_render(kind, "subject.txt", context).split())
                text, html = _render(kind, "txt", context), _render(kind, "html", context)
            rows.append(
                Notification(
                    recipient=recipient,
                    channel=channel,
                    kind=kind,
                    due_at=due_at,
                    language=recipient.language or "fr",
                    subject=subject[:200],
                    body_text=text,
                    body_html=html,
                    payload={**(payload or {}), "urgent": urgent},
                    dedup_key=f"{dedup_key}:{channel}",
                )
            )
    existing = set(
        Notification.objects.filter(dedup_key__in=[row.dedup_key for row in rows]).values_list("dedup_key", flat=True)
    )
    fresh = [row for row in rows if row.dedup_key not in existing]
    # ignore_conflicts covers the race where a concurrent writer inserts the same key first.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return fresh


def notify_address(
    *,
    to_address: str,
    kind: str,
    context: dict,
    dedup_key: str,
    language: str = "fr",
    payload: dict | None = None,
) -> list[Notification]:
    """Write one pending email row to an address with no account behind it. Idempotent by dedup_key.

    For people who hear from the site without signing in (a partner who referred someone):
    the same templates, dedup keys, retries and attempt log as notify(), by email only, in the
    `language` given (the address has no profile to choose one).
    """
    channel = Notification.Channel.EMAIL
    with translation.override(language):
        context = {"recipient": None, "urgent": False, **context}
        row = Notification(
            to_address=to_address,
            channel=channel,
            kind=kind,
            due_at=timezone.now(),
            language=language,
            subject=" ".join(_render(kind, "subject.txt", context).split())[:200],
            body_text=_render(kind, "txt", context),
            body_html=_render(kind, "html", context),
            payload={**(payload or {}), "urgent": False},
            dedup_key=f"{dedup_key}:{channel}",
        )
    if Notification.objects.filter(dedup_key=row.dedup_key).exists():
        return []
    # ignore_conflicts covers the race where a concurrent writer inserts the same key first.
    Notification.objects.bulk_create([row], ignore_conflicts=True)
    return [row]
