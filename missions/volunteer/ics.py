"""The volunteer's private calendar feed, written by hand as RFC 5545 text.

The feed sits behind a secret URL that phone calendars poll without signing in, so it says
only what a lost URL may reveal: when, what kind of visit, the person's first name and
initial and the neighbourhood — never an address or phone number.
"""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from missions.models import Visit

from .selectors import calendar_visits, person_label

PRODID = "-//Liens//Visites//FR"


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, continuation lines starting with one space (§3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        limit = 75 if not parts else 74
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_render(volunteer, *, host: str) -> str:
    """The feed's text for `volunteer`, in their language. Pure: reads, writes nothing."""
    stamp = _utc(timezone.now())
    with translation.override(volunteer.user.language or "fr"):
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{_escape(_('My Liens visits'))}",
            "X-PUBLISHED-TTL:PT1H",
        ]
        for visit in calendar_visits(volunteer):
            mission = visit.match.mission
            person = person_label(mission.beneficiary)
            summary = f"{mission.title} — {person}" if person else mission.title
            place = mission.beneficiary.neighbourhood if mission.beneficiary else mission.place
            cancelled = visit.status == Visit.Status.CANCELLED
            lines += [
                "BEGIN:VEVENT",
                f"UID:visit-{visit.pk}@{host}",
                f"DTSTAMP:{stamp}",
                f"LAST-MODIFIED:{_utc(visit.updated_at)}",
                f"DTSTART:{_utc(visit.starts_at)}",
                f"DTEND:{_utc(visit.ends_at)}",
                f"SUMMARY:{_escape(summary)}",
                f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            ]
            if place:
                lines.append(f"LOCATION:{_escape(place)}")
            lines.append("END:VEVENT")
        lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
