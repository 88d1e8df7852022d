"""Writing to the notification outbox: the only way anything is sent.

`notify()` renders a message in the recipient's language for each channel and writes one
outbox row per channel. Writing the same dedup key again is a no-op, so callers can plan
reminders as often as they like. Sending is the dispatcher's job, not the caller's.
"""

import datetime

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone, translation

from .models import Notification, PushSubscription, User
from .push import push_available


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


# The few groups a person chooses channels for, and the kinds of message in each. A kind in no
# group (account and association mail: invitations, validation) follows the defaults.
NOTIFICATION_GROUPS: dict[str, tuple[str, ...]] = {
    "reminders": (
        "visit_reminder_eve", "visit_reminder_soon", "report_nudge", "report_nudge_morning",
        "visit_cancelled", "visit_called_off", "visit_moved", "visit_unconfirmed",
    ),
    "matches": (
        "match_proposed", "match_offered", "match_accepted", "match_active", "match_cover_proposed",
        "matching_batch", "volunteer_approved",
    ),
    "alerts": ("alert_raised", "alert_escalated", "coordinator_digest", "lien_social_urgent"),
    "messages": ("conversation_messages",),
}  # fmt: skip
GROUP_OF_KIND = {kind: group for group, kinds in NOTIFICATION_GROUPS.items() for kind in kinds}
# The order channels are listed and written in.
CHANNEL_ORDER = (Notification.Channel.EMAIL, Notification.Channel.SMS, Notification.Channel.PUSH)


def kind_group(kind: str) -> str | None:
    """The group a kind of message belongs to, for the person's choice of channels; None if none."""
    return GROUP_OF_KIND.get(kind)


def chosen_channels(recipient: User, group: str) -> list[str] | None:
    """The channels the person chose for a group, in CHANNEL_ORDER; None when they chose nothing."""
    choice = (recipient.notify_channels or {}).get(group)
    if not isinstance(choice, list):
        return None
    return [channel for channel in CHANNEL_ORDER if channel in choice]


def default_channels(recipient: User, *, urgent: bool, kind: str = "") -> list[str]:
    """The channels a message of this kind goes by: the person's choice for its group, else the
    defaults (email; SMS too when urgent and a phone is known).

    A choice is kept to what can reach the person: SMS needs a phone, push a device subscribed
    on a site that has VAPID keys. An urgent message adds SMS when a phone is known. Whatever the
    choices, nobody is ever left with no channel at all: email stands in.
    """
    group = kind_group(kind) if kind else None
    choice = chosen_channels(recipient, group) if group else None
    if choice is not None:
        channels = [channel for channel in choice if channel != Notification.Channel.SMS or recipient.phone]
        if Notification.Channel.PUSH in channels and not (
            push_available() and PushSubscription.objects.filter(user=recipient).exists()
        ):
            channels.remove(Notification.Channel.PUSH)
        if urgent and recipient.phone and Notification.Channel.SMS not in channels:
            channels.append(Notification.Channel.SMS)
        if not channels or (urgent and channels == [Notification.Channel.PUSH]):
            # Urgent never rests on push alone: a phone may be off, a notification unseen.
            channels.insert(0, Notification.Channel.EMAIL)
        return [channel for channel in CHANNEL_ORDER if channel in channels]
    if urgent and recipient.phone:
        return [Notification.Channel.EMAIL, Notification.Channel.SMS]
    return [Notification.Channel.EMAIL]


def _push_url(context: dict, payload: dict) -> str:
    """Where tapping a push notification leads: the caller's "url" (payload), else the message's
    first link among the usual ones, else the home page (which sends each role to its own)."""
    links = (payload.get("url"), context.get("open_link"), context.get("report_link"), context.get("attention_link"))
    return str(next((url for url in links if url), site_url("/")))


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

    The same as `notify_many(notification_rows(...))`: see there."""
    return notify_many(
        notification_rows(
            recipient=recipient,
            kind=kind,
            context=context,
            dedup_key=dedup_key,
            due_at=due_at,
            urgent=urgent,
            channels=channels,
            payload=payload,
        )
    )


def notification_rows(
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
    """The unsaved outbox rows of one message, one per channel, rendered; `notify_many` writes
    them (a job writing many messages renders them all, then writes them at once).

    Templates: notifications/<kind>.subject.txt, <kind>.txt, <kind>.html, <kind>.sms.txt,
    rendered in the recipient's language; a generic template stands in for a missing one.
    `payload` is stored on each row for the dispatcher: "tz" (the recipient's local zone for
    quiet hours), "expires_at" (ISO time after which sending is pointless), "guard" (a named
    check, settings.OUTBOX_GUARDS, that may drop the row when it is no longer relevant), "url"
    (where tapping a push notification leads; by default the message's link).
    """
    due_at = due_at or timezone.now()
    rows = []
    with translation.override(recipient.language or "fr"):
        context = {"recipient": recipient, "urgent": urgent, **context}
        for channel in channels or default_channels(recipient, urgent=urgent, kind=kind):
            if channel == Notification.Channel.SMS:
                # The French catalogue puts non-breaking spaces before ? ! : ; for screens; a
                # text message gains nothing from them and some phones show them oddly.
                text = _render(kind, "sms.txt", context).replace("\u00a0", " ").replace("\u202f", " ")
                subject, html = "", ""
            elif channel == Notification.Channel.PUSH:
                # A notification on a lock screen: the subject as its title, the short text of
                # the SMS as its body, and where a tap leads.
                subject = " ".join(_render(kind, "subject.txt", context).split())
                text, html = _render(kind, "sms.txt", context), ""
            else:
                subject = " ".join(_render(kind, "subject.txt", context).split())
                text, html = _render(kind, "txt", context), _render(kind, "html", context)
            row_payload = {**(payload or {}), "urgent": urgent}
            if channel == Notification.Channel.PUSH:
                row_payload["url"] = _push_url(context, row_payload)
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
                    payload=row_payload,
                    dedup_key=f"{dedup_key}:{channel}",
                )
            )
    return rows


def notify_many(rows: list[Notification]) -> list[Notification]:
    """Write rows from `notification_rows`, skipping the dedup keys already written: two queries
    however many rows. Returns the rows written now."""
    if not rows:
        return []
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
