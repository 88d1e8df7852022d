"""Writes about partners and referrals: registering a partner and its link, receiving a
referral from a link, moving it along its life (lifecycle.py), opening the person's file from
it, and the hook a reported first visit calls. Messages back go through reportback.py."""

import datetime
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.choices import VisitKind
from liens.errors import DomainError
from missions.association.beneficiaries import beneficiary_create, text_length_problems
from missions.association.common import POSTCODE_RE
from missions.models import Association, Beneficiary, Mission, Partner, Referral, Visit
from missions.models.referrals import new_link_selector, new_link_verifier
from missions.permissions import manager_check, staff_check

from . import lifecycle, reportback, selectors

# What the referral form writes, in the order it asks.
REFERRAL_FIELDS = (
    "first_name",
    "last_name",
    "birth_year",
    "age_band",
    "address",
    "postcode",
    "city",
    "phone",
    "reach_by",
    "reach_notes",
    "needs",
    "needs_text",
    "consent",
    "consent_holder",
    "referrer_name",
    "referrer_role",
    "referrer_email",
    "referrer_phone",
)

# Which "referred by" a partner's kind becomes on the person's file.
REFERRAL_SOURCE_OF = {
    Partner.Kind.GP: Beneficiary.ReferralSource.GP,
    Partner.Kind.PHARMACY: Beneficiary.ReferralSource.OTHER,
    Partner.Kind.CCAS: Beneficiary.ReferralSource.CCAS,
    Partner.Kind.CLIC: Beneficiary.ReferralSource.CLIC,
    Partner.Kind.HOSPITAL: Beneficiary.ReferralSource.HOSPITAL,
    Partner.Kind.OTHER: Beneficiary.ReferralSource.OTHER,
    Partner.Kind.PUBLIC: Beneficiary.ReferralSource.FAMILY,
}


# --- partners --------------------------------------------------------------------------------


def partner_create(
    *, association: Association, by, kind: str, name: str, contact_name: str = "", email: str = ""
) -> Partner:
    """Register a partner with its private link (managers). Not idempotent: each call adds one."""
    manager_check(by, association.pk)
    name, email = (name or "").strip(), (email or "").strip().lower()
    if kind not in Partner.Kind.values or kind == Partner.Kind.PUBLIC:
        raise DomainError(_("Choose the kind of partner."), field="kind")
    if not name:
        raise DomainError(_("This field is required."), field="name")
    if not email:
        raise DomainError(_("Give the secure address where the partner hears back."), field="email")
    fields = {"name": name, "contact_name": (contact_name or "").strip(), "email": email}
    for field, message in text_length_problems(Partner, fields):
        raise DomainError(message, field=field)
    return Partner.objects.create(association=association, kind=kind, **fields)


def public_form_ensure(*, association: Association, by) -> Partner:
    """The association's public referral form (for the person and their family), made on first
    ask. Idempotent: the partial unique constraint keeps one active public form."""
    staff_check(by, association.pk)
    with transaction.atomic():
        Association.objects.select_for_update().filter(pk=association.pk).first()  # two first asks queue here
        partner = Partner.objects.filter(association=association, kind=Partner.Kind.PUBLIC, active=True).first()
        if partner is None:
            partner = Partner.objects.create(
                association=association, kind=Partner.Kind.PUBLIC, name=str(Partner.Kind.PUBLIC.label)
            )
    return partner


def partner_deactivate(*, partner: Partner, by, now: datetime.datetime | None = None) -> Partner:
    """Switch a partner off (managers): its link stops answering at once, and it hears nothing
    more. Idempotent."""
    manager_check(by, partner.association_id)
    Partner.objects.filter(pk=partner.pk, active=True).update(active=False, deactivated_at=now or timezone.now())
    partner.refresh_from_db()
    return partner


def partner_link_regenerate(*, partner: Partner, by) -> Partner:
    """A new private link for an active partner (managers); the old link dies. Not idempotent."""
    manager_check(by, partner.association_id)
    if not partner.active:
        raise DomainError(_("This partner is switched off."), field="partner")
    partner.link_selector, partner.link_verifier = new_link_selector(), new_link_verifier()
    partner.save(update_fields=["link_selector", "link_verifier"])
    return partner


# --- receiving a referral --------------------------------------------------------------------

_PHONE_RE = re.compile(r"^\+?[\d .-]{8,20}$")


def referral_problems(fields: dict, *, public: bool) -> list[tuple[str, str]]:
    """Every rule a referral's fields break, as (field, message); empty when all is well."""
    problems = []
    for name in ("first_name", "last_name", "referrer_name"):
        if not str(fields.get(name) or "").strip():
            problems.append((name, _("This field is required.")))
    problems += text_length_problems(Referral, fields)
    if not POSTCODE_RE.match(str(fields.get("postcode") or "")):
        problems.append(("postcode", _("A postcode has 5 digits.")))
    birth_year = fields.get("birth_year")
    if birth_year is not None and not 1900 <= birth_year <= timezone.localdate().year:
        problems.append(("birth_year", _("Give a year between 1900 and this year.")))
    if fields.get("age_band") and fields["age_band"] not in Referral.AgeBand.values:
        problems.append(("age_band", _("Choose from the list.")))
    if fields.get("reach_by") not in Referral.Reach.values:
        problems.append(("reach_by", _("Say how the association can reach the person.")))
    for name in ("phone", "referrer_phone"):
        if fields.get(name) and not _PHONE_RE.match(fields[name]):
            problems.append((name, _("Give a phone number, e.g. 06 12 34 56 78.")))
    if fields.get("reach_by") == Referral.Reach.PHONE and not fields.get("phone"):
        problems.append(("phone", _("Give the person's phone number, or choose another way to reach them.")))
    if fields.get("reach_by") == Referral.Reach.VISIT and not (fields.get("address") and fields.get("city")):
        problems.append(("address", _("Give the person's address, or choose another way to reach them.")))
    needs = fields.get("needs") or []
    if any(need not in Referral.Need.values for need in needs):
        problems.append(("needs", _("Choose from the list.")))
    elif not needs and not str(fields.get("needs_text") or "").strip():
        problems.append(("needs", _("Tick at least one need, or describe it in your words.")))
    if fields.get("consent") not in Referral.Consent.values:
        problems.append(("consent", _("Say whether the person agrees to be referred.")))
    elif fields["consent"] == Referral.Consent.HELD and not str(fields.get("consent_holder") or "").strip():
        problems.append(("consent_holder", _("Say who holds consent for the person.")))
    if public and not (fields.get("referrer_email") or fields.get("referrer_phone")):
        problems.append(("referrer_email", _("Give an email address or a phone number so that we can reply.")))
    return problems


def referral_receive(*, partner: Partner, now: datetime.datetime | None = None, **fields) -> Referral:
    """Record a referral sent through `partner`'s link (no account) and acknowledge it to the
    referrer through the outbox; flags a likely duplicate of a person already followed, for the
    coordinator's eyes only. Not idempotent: each call records one referral."""
    unknown = set(fields) - set(REFERRAL_FIELDS)
    if unknown:
        raise ValueError(f"not referral fields: {sorted(unknown)}")
    fields = {name: fields.get(name) for name in REFERRAL_FIELDS}
    for name, value in fields.items():
        if isinstance(value, str):
            fields[name] = value.strip()
        elif value is None and name not in ("birth_year", "needs"):
            fields[name] = ""
    fields["needs"] = list(dict.fromkeys(fields["needs"] or []))
    fields["referrer_email"] = fields["referrer_email"].lower()
    if fields["consent"] != Referral.Consent.HELD:
        fields["consent_holder"] = ""
    problems = referral_problems(fields, public=partner.kind == Partner.Kind.PUBLIC)
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    with transaction.atomic():
        # The link may have died between the page and the send: checked again under a lock.
        alive = Partner.objects.select_for_update().filter(pk=partner.pk, active=True).exists()
        if not alive:
            raise DomainError(_("This referral link no longer works."), field="partner")
        referral = Referral(association_id=partner.association_id, partner=partner, received_at=now or timezone.now())
        for name, value in fields.items():
            setattr(referral, name, value)
        referral.possible_duplicate = selectors.possible_duplicate(referral)
        referral.save()
        referral.partner, referral.association = partner, partner.association
        reportback.referrer_tell(referral, lifecycle.ACKNOWLEDGED)
    return referral


# --- its life --------------------------------------------------------------------------------


def _move(referral: Referral, to: str, *, at: datetime.datetime, by=None, **extra) -> None:
    referral.status = to
    setattr(referral, lifecycle.STAMP[to], at)
    for name, value in extra.items():
        setattr(referral, name, value)
    referral.updated_by = by if by is not None else referral.updated_by
    referral.save()
    milestone = lifecycle.TOLD_AT.get(to)
    if milestone:
        reportback.referrer_tell(referral, milestone)


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("association", "partner", "beneficiary")
        .get(pk=referral.pk)
    )


def referral_transition(
    *,
    referral: Referral,
    by,
    to: str,
    decline_reason: str = "",
    outcome: str = "",
    support_kind: str = "",
    support_weekly: bool = False,
    now: datetime.datetime | None = None,
) -> Referral:
    """Take a referral one step along its life (lifecycle.ALLOWED), stamping the step's time and
    telling the referrer at the milestones it hears about. Refused: a step not allowed from here
    (so a repeated tap changes nothing), a decline without reason, a close without outcome."""
    staff_check(by, referral.association_id)
    now = now or timezone.now()
    with transaction.atomic():
        referral = _locked(referral)
        if not lifecycle.may_move(referral, to):
            raise DomainError(
                _("A referral that is “%(status)s” cannot go to that step.")
                % {"status": referral.get_status_display()},
                field="to",
            )
        extra = {}
        if to in lifecycle.NEEDS_PERSON and referral.beneficiary_id is None:
            raise DomainError(_("Open the person's file from this referral first."), field="to")
        if to == Referral.Status.DECLINED:
            if decline_reason not in Referral.DeclineReason.values:
                raise DomainError(_("Choose the reason."), field="decline_reason")
            extra["decline_reason"] = decline_reason
        if to == Referral.Status.CLOSED:
            if outcome not in Referral.Outcome.values:
                raise DomainError(_("Choose the outcome."), field="outcome")
            extra["outcome"] = outcome
        if to == Referral.Status.FIRST_VISIT:
            if support_kind not in VisitKind.values:
                raise DomainError(_("Choose the support offered."), field="support_kind")
            extra.update(support_kind=support_kind, support_weekly=bool(support_weekly))
        _move(referral, to, at=now, by=by, **extra)
    return referral


def referral_notes_save(*, referral: Referral, by, notes: str) -> Referral:
    """The coordinators' own notes on a referral; never sent to anyone. Idempotent."""
    staff_check(by, referral.association_id)
    notes = (notes or "").strip()
    if len(notes) > 4000:
        raise DomainError(_("At most %(max)s characters.") % {"max": 4000}, field="staff_notes")
    Referral.objects.filter(pk=referral.pk).update(staff_notes=notes, updated_by=by)
    referral.staff_notes = notes
    return referral


def person_fields(referral: Referral) -> dict:
    """What the person's file starts with, from the referral (the coordinator checks and completes it)."""
    source = REFERRAL_SOURCE_OF.get(
        referral.partner.kind if referral.partner else None, Beneficiary.ReferralSource.OTHER
    )
    needs = ", ".join(str(Referral.Need(need).label) for need in referral.needs if need in Referral.Need.values)
    reason = "\n".join(part for part in (needs, referral.needs_text) if part)
    return {
        "first_name": referral.first_name,
        "last_name": referral.last_name,
        "birth_year": referral.birth_year,
        "address": referral.address,
        "postcode": referral.postcode,
        "city": referral.city,
        "referral_source": source,
        "referral_reason": reason,
    }


def referral_person_create(*, referral: Referral, by, **fields) -> Beneficiary:
    """Open the person's file from a referral, through the one service that records a person
    (missions.association.beneficiaries.beneficiary_create), and tie the referral to it. The
    referrer's name and how to reach them go on the file too. Refused once a file is tied."""
    staff_check(by, referral.association_id)
    with transaction.atomic():
        referral = _locked(referral)
        if referral.beneficiary_id is not None:
            raise DomainError(_("This referral already has its person's file."), field="referral")
        if not referral.is_open:
            raise DomainError(_("This referral is closed."), field="referral")
        referrer = ", ".join(part for part in (referral.referrer_name, referral.referrer_role) if part)
        contact = (
            referral.referrer_email or referral.referrer_phone or (referral.partner.email if referral.partner else "")
        )
        fields.setdefault("referrer_name", referrer[:150])
        fields.setdefault("referrer_contact", contact[:150])
        fields.setdefault("phone", referral.phone)
        beneficiary = beneficiary_create(association=referral.association, by=by, **fields)
        referral.beneficiary = beneficiary
        referral.updated_by = by
        referral.save(update_fields=["beneficiary", "updated_by"])
    return beneficiary


def referral_person_link(*, referral: Referral, by, beneficiary: Beneficiary) -> Referral:
    """Tie a referral to a person the association already follows (the likely duplicate)."""
    staff_check(by, referral.association_id)
    with transaction.atomic():
        referral = _locked(referral)
        if beneficiary.association_id != referral.association_id:
            raise DomainError(_("This person is not followed by your association."), field="beneficiary")
        if referral.beneficiary_id is not None:
            raise DomainError(_("This referral already has its person's file."), field="referral")
        referral.beneficiary = beneficiary
        referral.updated_by = by
        referral.save(update_fields=["beneficiary", "updated_by"])
    return referral


# --- the hook a reported visit calls ---------------------------------------------------------


def referrals_first_visit_reported(*, beneficiary: Beneficiary, visit: Visit) -> int:
    """A visit to `beneficiary` was reported as done: their open referrals not yet past it move
    to "first visit" with the visit's mission as the support offered, and their referrers hear
    of it. Called inside missions.reports.visit_report_submit's transaction; idempotent (a
    referral already at first visit or later is left alone)."""
    waiting = list(
        Referral.objects.select_for_update(of=("self",))
        .select_related("association", "partner", "beneficiary")
        .filter(beneficiary=beneficiary, status__in=lifecycle.BEFORE_FIRST_VISIT)
    )
    mission = visit.match.mission
    for referral in waiting:
        _move(
            referral,
            Referral.Status.FIRST_VISIT,
            at=visit.starts_at,
            support_kind=mission.kind,
            support_weekly=mission.recurrence == Mission.Recurrence.WEEKLY,
        )
    return len(waiting)
