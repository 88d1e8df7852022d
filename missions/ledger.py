"""The contact ledger: every contact with a beneficiary is one Contact row.

Writing a contact keeps `Beneficiary.last_contact_at` and the stored deadline `alert_after` in
the same transaction, under a lock on the beneficiary row, so the isolation sweep never sees a
contact without its deadline (nor the reverse). What the deadline is comes from
missions/deadline.py; the ledger and the alert services store it:

- active, not paused: last contact (or, never contacted, the moment the person was first
  followed) + target + grace, the person's contact deadline; never earlier than the end of a
  pause, the moment the sweep can look again;
- paused until a date: the start of the day after the pause, in the association's time zone,
  when the sweep looks again;
- paused without a date, not yet active, or ended: NULL, nothing is due.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.errors import DomainError

from . import deadline
from .alerts.lifecycle import RESOLVED_BY_CONTACT, alert_close
from .models import Beneficiary, Contact, IsolationAlert, Visit

# A little clock skew between a phone and the server is fine; a contact next week is not.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


def pause_end(*, beneficiary: Beneficiary, tz: str) -> datetime.datetime | None:
    """The moment a dated pause ends (see missions.deadline)."""
    return deadline.pause_end(paused_until=beneficiary.paused_until, tz=tz)


def is_paused(*, beneficiary: Beneficiary, tz: str, now: datetime.datetime) -> bool:
    """Paused by status, or by a `paused_until` date that has not passed yet (local date)."""
    if beneficiary.status == Beneficiary.Status.PAUSED:
        return True
    end = pause_end(beneficiary=beneficiary, tz=tz)
    return end is not None and now < end


def alert_deadline(*, beneficiary: Beneficiary, now: datetime.datetime, tz: str) -> datetime.datetime | None:
    """When the sweep should next look at this person (see the module docstring), or None."""
    return deadline.next_look(
        active=beneficiary.status == Beneficiary.Status.ACTIVE,
        paused_until=beneficiary.paused_until,
        tz=tz,
        since=beneficiary.silent_since,
        target_days=beneficiary.contact_target_days,
        grace_days=beneficiary.contact_grace_days,
        now=now,
    )


def _lock(beneficiary: Beneficiary) -> Beneficiary:
    # Every writer of last_contact_at / alert_after takes this lock first, so two contacts, or a
    # contact and the sweep, are applied one after the other, never interleaved.
    # of=self: the association row is read, not locked, or every contact of an association would
    # queue behind the others.
    return Beneficiary.objects.select_for_update(of=("self",)).select_related("association").get(pk=beneficiary.pk)


def _copy_back(source: Beneficiary, target: Beneficiary) -> None:
    # Only the fields written here: the caller may hold unsaved changes to the others.
    for name in ("last_contact_at", "alert_after"):
        setattr(target, name, getattr(source, name))


def contact_record(
    *,
    beneficiary: Beneficiary,
    kind: str,
    occurred_at: datetime.datetime,
    recorded_by=None,
    volunteer=None,
    visit: Visit | None = None,
    notes: str = "",
) -> Contact:
    """Write one Contact, move last_contact_at and alert_after, and resolve an open no-contact
    alert the contact answers. One transaction. Idempotent per visit: a visit already in the
    ledger returns its existing row and changes nothing."""
    if kind not in Contact.Kind.values:
        raise DomainError(_("Choose a kind of contact."), field="kind")
    if occurred_at is None or timezone.is_naive(occurred_at):
        raise DomainError(_("Give the date and time of the contact."), field="occurred_at")
    now = timezone.now()
    if occurred_at > now + FUTURE_TOLERANCE:
        raise DomainError(_("A contact cannot be in the future."), field="occurred_at")
    if visit is not None and visit.match.mission.beneficiary_id != beneficiary.pk:
        raise DomainError(_("This visit is not one of this person's visits."), field="visit")

    with transaction.atomic():
        locked = _lock(beneficiary)
        if visit is not None:
            existing = Contact.objects.filter(visit=visit).first()
            if existing is not None:
                _copy_back(locked, beneficiary)
                return existing
        contact = Contact.objects.create(
            beneficiary=locked,
            kind=kind,
            occurred_at=occurred_at,
            visit=visit,
            recorded_by=recorded_by,
            volunteer=volunteer,
            notes=notes,
        )
        # A contact reported late (a family call from last week) never moves the clock back.
        if locked.last_contact_at is None or occurred_at > locked.last_contact_at:
            locked.last_contact_at = occurred_at
        tz = locked.association.timezone
        locked.alert_after = alert_deadline(beneficiary=locked, now=now, tz=tz)
        locked.save(update_fields=["last_contact_at", "alert_after"])

        # The contact answers the silence only if it brings the person back within target +
        # grace; an old contact logged today leaves the alert to the sweep, which keeps it.
        back_in_time = locked.contact_deadline() is not None and locked.contact_deadline() > now
        if back_in_time:
            _resolve_no_contact(beneficiary=locked, contact=contact, by=recorded_by, now=now)
    _copy_back(locked, beneficiary)
    return contact


def _resolve_no_contact(*, beneficiary: Beneficiary, contact: Contact, by, now: datetime.datetime) -> None:
    alert = (
        IsolationAlert.objects.select_for_update()
        .filter(beneficiary=beneficiary, kind=IsolationAlert.Kind.NO_CONTACT, resolved_at__isnull=True)
        .first()
    )
    if alert is None:
        return
    alert_close(
        alert=alert,
        now=now,
        by=by,
        resolution=RESOLVED_BY_CONTACT,
        note=RESOLVED_BY_CONTACT,
        data={"contact": contact.pk, "contact_kind": contact.kind},
    )


def alert_deadline_suspend(*, beneficiary: Beneficiary) -> Beneficiary:
    """Store the deadline of a beneficiary just paused (pause end, or none). Call it from the
    pause service after saving the pause, inside its transaction. Idempotent."""
    return _deadline_refresh(beneficiary=beneficiary, restart=False)


def alert_deadline_restore(*, beneficiary: Beneficiary) -> Beneficiary:
    """Store the deadline of a beneficiary activated or back from a pause. Call it from the
    activate/resume service after saving the status, inside its transaction. Idempotent.

    The silence counts from the last contact, or from when the person was first followed if
    they were never contacted: a pause does not restart it, for either. A deadline that passed
    during the pause makes the person due now, looked at by the next sweep (the alert starts at
    the pause's end, so the paused days do not count towards severity)."""
    return _deadline_refresh(beneficiary=beneficiary, restart=True)


def _deadline_refresh(*, beneficiary: Beneficiary, restart: bool) -> Beneficiary:
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(beneficiary)
        due = alert_deadline(beneficiary=locked, now=now, tz=locked.association.timezone)
        if restart and due is not None and not is_paused(beneficiary=locked, tz=locked.association.timezone, now=now):
            due = max(due, now)
        locked.alert_after = due
        locked.save(update_fields=["alert_after"])
    _copy_back(locked, beneficiary)
    return beneficiary
