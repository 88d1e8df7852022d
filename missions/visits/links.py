"""Signed links carried by messages: the one-tap "I can't come", and the report page."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from liens.notify import site_url

SALT = "missions.visits.cant-come"


def cant_come_token(visit, recipient) -> str:
    """A signed, timestamped token naming the visit, the person and the visit's start.

    The start is inside so that a link from before a move stops working once the visit moves.
    """
    data = {"v": visit.pk, "u": recipient.pk, "t": int(visit.starts_at.timestamp())}
    return signing.dumps(data, salt=SALT, compress=True)


def cant_come_url(visit, recipient) -> str:
    """The absolute one-tap link to cancel `visit`, for `recipient` (its volunteer)."""
    return site_url(reverse("visits:cant_come", args=[cant_come_token(visit, recipient)]))


def cant_come_read(token: str) -> dict:
    """The token's data; raises signing.SignatureExpired (too old) or signing.BadSignature (tampered)."""
    return signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=settings.LIENS_CANT_COME_LINK_DAYS))


def visit_report_url(visit) -> str:
    """Where the volunteer files the report."""
    return site_url(reverse("volunteers:visit_report", args=[visit.pk]))


def attention_url() -> str:
    """The coordinators' page of visits needing attention."""
    return site_url(reverse("visits:attention"))
