"""Erasure of a person's identifying data, on request or when the retention period is over.

The person's row stays, emptied and marked erased: their visits, ledger rows, alerts and
assessment scores keep counting in the association's statistics, without anything that says
who they were. One set-based core (`beneficiaries_anonymise`) serves the manager's erasure of
one person and the retention job's erasure of many.
"""

import datetime
import json

from django.db import transaction
from django.db.models import CharField, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.services import notifications_scrub, sensitive_access_log
from missions.conversations.services import beneficiaries_messages_erase
from missions.models import (
    AlertEvent,
    Beneficiary,
    Contact,
    ImportJob,
    IsolationAlert,
    KeyContact,
    Match,
    Membership,
    Mission,
    Visit,
    VisitReport,
)
from missions.permissions import staff_check

# What an erased person's row keeps: association, status, contact target, dates (creation,
# last contact, consent), referral category, city, APA flag. Everything below is emptied.
ERASED_FIELDS = {
    "first_name": "",
    "last_name": "",
    "birth_year": None,
    "gender": "",
    "phone": "",
    "address": "",
    "postcode": "",
    "neighbourhood": "",
    "latitude": None,
    "longitude": None,
    "access_notes": "",
    "practical_tips": "",
    "referrer_name": "",
    "referrer_contact": "",
    "referral_reason": "",
    "interests": [],
    "languages": [],
    "required_languages": [],
    "best_times": "",
    "mobility_notes": "",
    "hearing_notes": "",
    "pause_reason": "",
    "paused_until": None,
    "alert_after": None,
}


def beneficiaries_anonymise(*, ids: list[int], now: datetime.datetime | None = None) -> int:
    """Erase the identifying data and free text of the people `ids`, keeping anonymous counts.

    Set-based: one statement per table for the whole list. Empties the person's row, deletes
    their key contacts, empties the free text written about them (ledger notes, report notes,
    cancel, pause and end reasons, alert notes and resolutions, their missions' titles and
    texts, the conversations of their matches) and deletes the import files that carried them
    (once those imports are over).
    Idempotent: running it again on the same ids writes the same empty values."""
    if not ids:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        KeyContact.objects.filter(beneficiary_id__in=ids).delete()
        Contact.objects.filter(beneficiary_id__in=ids).exclude(notes="").update(notes="")
        VisitReport.objects.filter(visit__match__mission__beneficiary_id__in=ids).exclude(notes="").update(notes="")
        Visit.objects.filter(match__mission__beneficiary_id__in=ids).exclude(cancel_reason="").update(cancel_reason="")
        Match.objects.filter(mission__beneficiary_id__in=ids).update(end_reason="", pause_reason="")
        beneficiaries_messages_erase(ids=ids)
        # A title such as "Visits to Mrs Martin" names the person: the mission keeps its number.
        Mission.objects.filter(beneficiary_id__in=ids).update(
            title=Concat(Value("#"), Cast("id", CharField())), description="", requirements=""
        )
        IsolationAlert.objects.filter(beneficiary_id__in=ids).exclude(resolution="").update(resolution="")
        AlertEvent.objects.filter(alert__beneficiary_id__in=ids).exclude(note="").update(note="")
        # An import still running reads its rows; those are left to the import-file retention job.
        ImportJob.objects.filter(
            imported_rows__beneficiary_id__in=ids,
            status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
            file_purged_at__isnull=True,
        ).update(content=b"", rows=[], file_purged_at=now)
        return Beneficiary.objects.filter(pk__in=ids).update(**ERASED_FIELDS, erased_at=now)


def _outbox_recipients(beneficiary: Beneficiary) -> list[int]:
    """Who may have been told about the person: their association's staff and their visitors."""
    staff = Membership.objects.filter(association_id=beneficiary.association_id).values_list("user_id", flat=True)
    visitors = Match.objects.filter(mission__beneficiary=beneficiary).values_list("volunteer__user_id", flat=True)
    return list({*staff, *visitors})


def beneficiary_erase_check(*, beneficiary: Beneficiary, by) -> None:
    """Raise DomainError unless `by` may erase this person now: staff of their association,
    and the person no longer followed."""
    # Their own staff only: a platform admin outside the association erases nobody's file.
    staff_check(by, beneficiary.association_id, platform_admin=False)
    if beneficiary.erased_at is not None:
        raise DomainError(_("This file is already erased."))
    if beneficiary.status != Beneficiary.Status.ENDED:
        raise DomainError(_("Stop following this person first: close their missions, then end the follow-up."))


def _import_files_naming_purge(beneficiary: Beneficiary) -> int:
    """Delete the files of the association's imports whose rows name the person, imported or not.

    An import that was checked but never confirmed has no link to the person, only their name
    in its parsed rows ({"line", "data": {"first_name", "last_name", ...}}). Rows are matched as
    JSON text, which both PostgreSQL and SQLite write with ": " between key and value. An
    import still running keeps its rows (the retention job deletes them later)."""

    def has(key: str, value: str) -> Q:
        # jsonb prints "é" as is; SQLite keeps Django's ASCII-escaped "\u00e9".
        return Q(rows_text__contains=f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}") | Q(
            rows_text__contains=f"{json.dumps(key)}: {json.dumps(value)}"
        )

    return (
        ImportJob.objects.filter(association_id=beneficiary.association_id, file_purged_at__isnull=True)
        .exclude(status=ImportJob.Status.IMPORTING)
        .annotate(rows_text=Cast("rows", TextField()))
        .filter(has("first_name", beneficiary.first_name))
        .filter(has("last_name", beneficiary.last_name))
        .update(content=b"", rows=[], file_purged_at=timezone.now())
    )


def beneficiary_erase(*, beneficiary: Beneficiary, by) -> Beneficiary:
    """Erase one person's identifying data on request (the right to erasure), by their association's staff.

    Refused while the person is followed. Also scrubs their name from the outbox messages,
    sent or not, of the people who may have been told about them, deletes the import files
    that name them, and writes one access-log row saying who erased the file. The access log's
    earlier rows stay (who opened the file, when): they name the person by id only, and their
    `what` is a fixed vocabulary, never free text. Idempotent: an erased person is returned as is."""
    staff_check(by, beneficiary.association_id, platform_admin=False)
    with transaction.atomic():
        locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if locked.erased_at is not None:
            return locked
        beneficiary_erase_check(beneficiary=locked, by=by)
        names = [f"{locked.first_name} {locked.last_name}", locked.display_name]
        notifications_scrub(names=names, recipients=_outbox_recipients(locked))
        _import_files_naming_purge(locked)
        beneficiaries_anonymise(ids=[locked.pk])
        sensitive_access_log(user_id=by.pk, beneficiary_id=locked.pk, what="erased")
    locked.refresh_from_db()
    return locked
