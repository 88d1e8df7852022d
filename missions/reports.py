"""The volunteer's report after a visit: one service that files it and does what follows.

Filing a report marks the visit done (or missed), writes the contact ledger when the visit
happened, and raises an urgent alert at once when an urgent concern is flagged — all in one
transaction, so a report never exists without its ledger row or its alert.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.choices import VisitKind
from liens.errors import DomainError
from missions.alerts.services import alert_raise_missed_visits, alert_raise_urgent
from missions.ledger import contact_record
from missions.referrals.services import referrals_first_visit_reported
from volunteers.models import Volunteer

from .models import Contact, Visit, VisitReport

CONTACT_KIND = {
    VisitKind.HOME_VISIT: Contact.Kind.VISIT,
    VisitKind.PHONE_CALL: Contact.Kind.CALL,
    VisitKind.OUTING: Contact.Kind.OUTING,
    VisitKind.GROUP_EVENT: Contact.Kind.GROUP_EVENT,
}
# A report may be filed on a visit the chaser already marked unconfirmed: late is better than never.
REPORTABLE = (Visit.Status.SCHEDULED, Visit.Status.UNCONFIRMED)


def visit_report_submit(
    *,
    visit: Visit,
    volunteer: Volunteer,
    happened: bool,
    mood: str,
    concerns: list[str],
    notes: str,
    duration_minutes: int | None = None,
) -> VisitReport:
    """File the volunteer's report on `visit`; refuses someone else's visit and a second report.

    Side effects, in one transaction: the VisitReport row; the visit marked done (happened)
    or missed; a Contact row through missions.ledger.contact_record when it happened; an
    urgent alert through missions.alerts.services.alert_raise_urgent for urgent concerns; a
    missed-visits alert when this was the second missed visit in a row.
    Not repeatable: a second submit raises DomainError (the one-to-one on visit backs it up).
    """
    concerns = list(dict.fromkeys(concerns or []))
    if any(concern not in VisitReport.Concern.values for concern in concerns):
        raise DomainError(_("Choose from the list."), field="concerns")
    if happened and mood not in VisitReport.Mood.values:
        raise DomainError(_("Tell us how the person seemed."), field="mood")
    if not happened:
        mood = mood if mood in VisitReport.Mood.values else ""
    if duration_minutes is not None and not 1 <= duration_minutes <= 600:
        raise DomainError(_("A visit lasts between 1 minute and 10 hours."), field="duration_minutes")

    with transaction.atomic():
        # Lock the visit so two submits (double tap, two devices) queue here; the second one
        # then sees the first report and is refused.
        visit = (
            Visit.objects.select_for_update(of=("self",))
            .select_related("match__mission__beneficiary")
            .filter(pk=visit.pk)
            .first()
        )
        if visit is None or visit.match.volunteer_id != volunteer.pk:
            raise DomainError(_("This visit is not one of yours."), field="visit", code="not_found")
        if VisitReport.objects.filter(visit=visit).exists():
            raise DomainError(_("This visit has already been reported. Thank you!"), field="visit", code="duplicate")
        if visit.status not in REPORTABLE:
            raise DomainError(_("This visit was cancelled: there is nothing to report."), field="visit")
        if visit.starts_at > timezone.now():
            raise DomainError(_("You can report a visit once it has started."), field="visit")

        if happened and duration_minutes is None:
            duration_minutes = int((visit.ends_at - visit.starts_at).total_seconds() // 60)
        try:
            with transaction.atomic():
                report = VisitReport.objects.create(
                    visit=visit,
                    happened=happened,
                    mood=mood,
                    duration_minutes=duration_minutes if happened else None,
                    concerns=concerns,
                    notes=(notes or "").strip(),
                    submitted_by_id=volunteer.user_id,
                )
        except IntegrityError as exc:
            raise DomainError(_("This visit has already been reported. Thank you!"), field="visit") from exc

        visit.status = Visit.Status.DONE if happened else Visit.Status.MISSED
        visit.save(update_fields=["status", "updated_at"])

        mission = visit.match.mission
        beneficiary = mission.beneficiary
        if beneficiary is not None:
            if happened:
                contact_record(
                    beneficiary=beneficiary,
                    kind=CONTACT_KIND.get(mission.kind, Contact.Kind.VISIT),
                    occurred_at=visit.starts_at,
                    recorded_by=volunteer.user,
                    volunteer=volunteer,
                    visit=visit,
                    notes=report.notes,
                )
                # A referral of this person hears of its first visit (missions.referrals).
                referrals_first_visit_reported(beneficiary=beneficiary, visit=visit)
            else:
                alert_raise_missed_visits(beneficiary=beneficiary)
            if report.urgent_concerns:
                alert_raise_urgent(report=report)
    return report
