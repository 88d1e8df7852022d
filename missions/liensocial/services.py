"""Writes on lien-social hours: plans (by the person's association) and sessions (by the
home-care service's professionals), and the shortfall job."""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.notify import notify, site_url
from liens.scopes import scopes_disabled

from ..alerts.services import alert_raise_urgent
from ..ledger import FUTURE_TOLERANCE, contact_record
from ..models import ApaPlan, Association, Beneficiary, Contact, LienSocialSession, Membership, VisitReport
from ..models.liensocial import MAX_HOURS_PER_MONTH
from ..permissions import staff_check
from . import months
from .selectors import service_managers, service_month

# Who records sessions for a service: its professionals, and its managers (who also deliver).
DELIVERING_ROLES = (Membership.Role.PROFESSIONAL, Membership.Role.MANAGER)


def plan_create(
    *,
    beneficiary: Beneficiary,
    service: Association,
    hours_per_month: int,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    by,
) -> ApaPlan:
    """Give the person an APA plan of lien-social hours with a home-care service. Refused to
    anyone but the person's association's staff, beyond 9 hours, to a service that is not a
    validated home-care one, and when it overlaps another plan of the person. Not idempotent."""
    staff_check(by, beneficiary.association_id)
    if hours_per_month is None or not 0 <= hours_per_month <= MAX_HOURS_PER_MONTH:
        raise DomainError(_("Between 0 and 9 hours a month."), field="hours_per_month")
    if service is None or service.kind != Association.Kind.HOME_CARE or not service.is_validated:
        raise DomainError(_("Choose a validated home-care service."), field="service")
    if starts_on is None:
        raise DomainError(_("Give the date the plan starts."), field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("A plan cannot end before it starts."), field="ends_on")
    with transaction.atomic():
        # No two plans of one person overlap. Checked here rather than by an exclusion
        # constraint (which needs btree_gist, and the demo also runs on SQLite): the lock on the
        # person's row makes two plan creations for the same person run one after the other,
        # so the second one sees the first and is refused. plan_end takes the same lock.
        Beneficiary.objects.select_for_update(of=("self",)).filter(pk=beneficiary.pk).first()
        overlapping = ApaPlan.objects.filter(beneficiary=beneficiary, starts_on__lte=ends_on or datetime.date.max)
        overlapping = overlapping.exclude(ends_on__lt=starts_on)
        if overlapping.exists():
            raise DomainError(_("This person already has a plan over these dates: end it first."), field="starts_on")
        return ApaPlan.objects.create(
            beneficiary=beneficiary,
            service=service,
            hours_per_month=hours_per_month,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by,
        )


def plan_end(*, plan: ApaPlan, ends_on: datetime.date, by) -> ApaPlan:
    """End the plan on `ends_on` (its last day). Refused before its start or after an earlier
    end. Idempotent for the same date."""
    staff_check(by, plan.beneficiary.association_id)
    with transaction.atomic():
        Beneficiary.objects.select_for_update(of=("self",)).filter(pk=plan.beneficiary_id).first()
        plan = ApaPlan.objects.select_for_update().get(pk=plan.pk)
        if ends_on is None or ends_on < plan.starts_on:
            raise DomainError(_("A plan cannot end before it starts."), field="ends_on")
        if plan.ends_on is not None and plan.ends_on < ends_on:
            raise DomainError(_("This plan has already ended."), field="ends_on")
        plan.ends_on = ends_on
        plan.save(update_fields=["ends_on"])
    return plan


def session_record(
    *,
    plan: ApaPlan,
    professional,
    starts_at: datetime.datetime,
    duration_minutes: int,
    activity: str,
    mood: str,
    concerns: list[str] | None = None,
    notes: str = "",
    over_plan_reason: str = "",
) -> LienSocialSession:
    """Record one session a professional of the plan's service delivered.

    Side effects, in one transaction: the session row; a Contact of kind lien_social through
    missions.ledger.contact_record (the silence clock resets); for an urgent concern, the urgent
    alert through missions.alerts.services.alert_raise_urgent, the volunteers' own path.
    Refused beyond the month's plan or 9 hours without a reason (months.session_month_check).
    Not idempotent: each call is a session.
    """
    concerns = list(dict.fromkeys(concerns or []))
    if not (
        professional is not None
        and professional.is_authenticated
        and Membership.objects.filter(
            user_id=professional.pk, association_id=plan.service_id, role__in=DELIVERING_ROLES
        ).exists()
    ):
        raise DomainError(_("Only the home-care service's professionals record its sessions."), code="forbidden")
    if activity not in LienSocialSession.Activity.values:
        raise DomainError(_("Choose an activity."), field="activity")
    if mood not in VisitReport.Mood.values:
        raise DomainError(_("Tell us how the person seemed."), field="mood")
    if any(concern not in VisitReport.Concern.values for concern in concerns):
        raise DomainError(_("Choose from the list."), field="concerns")
    if duration_minutes is None or not 1 <= duration_minutes <= 600:
        raise DomainError(_("A session lasts between 1 minute and 10 hours."), field="duration_minutes")
    if starts_at is None or timezone.is_naive(starts_at):
        raise DomainError(_("Give the date and time of the session."), field="starts_at")
    if starts_at > timezone.now() + FUTURE_TOLERANCE:
        raise DomainError(_("A session is recorded once it has taken place."), field="starts_at")

    # The professional works for the service, the person and the ledger belong to the person's
    # association: the plan joins them (checked above), so this step writes across the two.
    with scopes_disabled("a service's session of its own plan, membership checked above"), transaction.atomic():
        # Lock the plan: two sessions recorded at once for the same person queue here, so the
        # month's total each one checks includes the other (lock order: plan, then the person
        # in contact_record and the alert).
        plan = ApaPlan.objects.select_for_update(of=("self",)).select_related("service", "beneficiary").get(pk=plan.pk)
        tz = plan.service.timezone
        local_day = timezone.localtime(starts_at, timezone=zoneinfo.ZoneInfo(tz)).date()
        if not (plan.starts_on <= local_day and (plan.ends_on is None or local_day <= plan.ends_on)):
            raise DomainError(_("The plan is not in force on this date."), field="starts_at")
        year, month = months.month_of(starts_at, tz=tz)
        months.session_month_check(
            month=months.plan_month(plan, year, month, tz=tz),
            duration_minutes=duration_minutes,
            reason=over_plan_reason,
        )
        session = LienSocialSession.objects.create(
            plan=plan,
            professional=professional,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            activity=activity,
            mood=mood,
            concerns=concerns,
            notes=(notes or "").strip(),
            over_plan_reason=(over_plan_reason or "").strip(),
        )
        session.contact = contact_record(
            beneficiary=plan.beneficiary,
            kind=Contact.Kind.LIEN_SOCIAL,
            occurred_at=starts_at,
            recorded_by=professional,
            notes=session.notes,
        )
        session.save(update_fields=["contact"])
        if session.urgent_concerns and alert_raise_urgent(session=session) is not None:
            session_urgent_notify(session=session)
    return session


def session_urgent_notify(*, session: LienSocialSession) -> int:
    """Tell the managers of the session's home-care service at once (email, and SMS when a
    phone is known, urgent so never held by quiet hours) that one of their professionals flagged
    an urgent concern and that the person's association has been alerted. Idempotent per session
    and manager (dedup key). Returns the outbox rows written.

    The alert itself is the association's: the notice names only what the service already sees
    (the person of its plan, its own session, the concerns) and links to the plan's page on the
    service's side, never to the alert. The manager who recorded the session is not told of it.
    """
    plan = session.plan
    labels = dict(VisitReport.Concern.choices)
    managers = [user for user in service_managers(service_id=plan.service_id) if user.pk != session.professional_id]
    link = site_url(f"{reverse('liensocial:session-new', args=[plan.pk])}?service={plan.service_id}")
    context = {
        "service": plan.service.name,
        "person": plan.beneficiary.display_name,
        "who": session.professional.get_full_name() or session.professional.email,
        "starts_at": session.starts_at,
        "concerns": [labels.get(code, code) for code in session.urgent_concerns],
        "link": link,
    }
    written = 0
    # The session's time as the service reads it (the dispatcher's quiet hours too).
    with timezone.override(zoneinfo.ZoneInfo(plan.service.timezone)):
        for user in managers:
            written += len(
                notify(
                    recipient=user,
                    kind="lien_social_urgent",
                    context=context,
                    dedup_key=f"lien_social:session:{session.pk}:urgent:{user.pk}",
                    urgent=True,
                    payload={"tz": plan.service.timezone},
                )
            )
    return written


# How many days before a month's end a service's manager hears about plans behind schedule.
SHORTFALL_NOTICE_DAYS = 7


def shortfalls_notify(*, now: datetime.datetime | None = None) -> int:
    """Tell each home-care service's managers, once per plan and month (dedup key), about plans
    whose month is behind, from SHORTFALL_NOTICE_DAYS days before the month's end. Idempotent:
    run daily, a second run writes nothing. Returns the outbox rows written."""
    now = now or timezone.now()
    written = 0
    services = Association.objects.filter(kind=Association.Kind.HOME_CARE, validated_at__isnull=False)
    for service in services:
        year, month = months.month_of(now, tz=service.timezone)
        today = timezone.localtime(now, timezone=zoneinfo.ZoneInfo(service.timezone)).date()
        if (months.month_last_day(year, month) - today).days >= SHORTFALL_NOTICE_DAYS:
            continue
        behind = [row for row in service_month(service=service, year=year, month=month) if row.shortfall]
        if not behind:
            continue
        managers = service_managers(service_id=service.pk)
        for row in behind:
            context = {
                "service": service.name,
                "person": row.plan.beneficiary.display_name,
                "planned": months.minutes_label(row.planned_minutes),
                "delivered": months.minutes_label(row.delivered_minutes),
                "month": f"{month:02d}/{year}",
                "link": site_url(reverse("liensocial:manager")),
            }
            for user in managers:
                written += len(
                    notify(
                        recipient=user,
                        kind="lien_social_shortfall",
                        context=context,
                        dedup_key=f"lien_social:shortfall:{row.plan.pk}:{year}-{month:02d}:{user.pk}",
                    )
                )
    return written
