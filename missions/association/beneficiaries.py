"""Writes about the people an association looks after: their file, key contacts, status and
assessments."""

import datetime
import functools
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.choices import Interest, Language, VisitorPreference
from liens.errors import DomainError
from missions import assessments, disclosure
from missions.deadline import grace_days_problem, target_days_problem
from missions.ledger import alert_deadline_restore, alert_deadline_suspend
from missions.models import Assessment, Association, Beneficiary, KeyContact, Mission
from missions.permissions import staff_check

from .common import POSTCODE_RE, address_locate

# What a coordinator may write on a person's file, in the order the form shows it.
BENEFICIARY_FIELDS = (
    "first_name",
    "last_name",
    "birth_year",
    "gender",
    "phone",
    "address",
    "postcode",
    "city",
    "neighbourhood",
    "access_notes",
    "practical_tips",
    "referral_source",
    "referrer_name",
    "referrer_contact",
    "referral_reason",
    "consent_by",
    "consent_on",
    "assessed_on",
    "interests",
    "languages",
    "required_languages",
    "visitor_preference",
    "best_times",
    "mobility_notes",
    "hearing_notes",
    "has_pets",
    "smoker",
    "apa_social_hours",
    "contact_target_days",
    "contact_grace_days",
)
KEY_CONTACT_FIELDS = ("kind", "name", "relation", "phone", "email")

# The person's file in sections, each saved on its own (beneficiary_update takes any subset of
# BENEFICIARY_FIELDS). Recording a referral takes the first one only: what the services need
# to create the file (name, address, who referred the person and why). "key_contacts" is the contacts'
# list (KEY_CONTACT_FIELDS), not fields of the person.
BENEFICIARY_SECTIONS = {
    "identity": (
        "first_name",
        "last_name",
        "birth_year",
        "gender",
        "address",
        "postcode",
        "city",
        "referral_source",
        "referral_reason",
    ),
    "consent": ("consent_by", "consent_on", "assessed_on", "referrer_name", "referrer_contact"),
    "contact": ("phone", "neighbourhood", "access_notes", "practical_tips"),
    "preferences": (
        "interests",
        "languages",
        "required_languages",
        "visitor_preference",
        "best_times",
        "has_pets",
        "smoker",
    ),
    "health": ("mobility_notes", "hearing_notes"),
    "key_contacts": (),
    "follow_up": ("contact_target_days", "contact_grace_days", "apa_social_hours"),
}


@functools.cache
def _text_limits(model) -> dict[str, int]:
    """The model's fields that have a maximum length, and that length."""
    return {field.name: field.max_length for field in model._meta.get_fields() if getattr(field, "max_length", None)}


def text_length_problems(model, fields: dict, *, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Text longer than its column holds, as (field, message): the limits are the model's own.

    `names` maps a key of `fields` to the model field it is stored in, when they differ.
    """
    limits = _text_limits(model)
    problems = []
    for key, value in fields.items():
        limit = limits.get((names or {}).get(key, key))
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append((key, _("At most %(max)s characters.") % {"max": limit}))
    return problems


# The choices as sets, made once: an import checks them for every row, twice.
_REFERRAL_SOURCES = frozenset(Beneficiary.ReferralSource.values)
_CONSENT_BY = frozenset(Beneficiary.ConsentBy.values)
_INTERESTS = frozenset(Interest.values)
_LANGUAGES = frozenset(Language.values)
_VISITOR_PREFERENCES = frozenset(VisitorPreference.values)
_KEY_CONTACT_KINDS = frozenset(KeyContact.Kind.values)


def beneficiary_problems(fields: dict, *, status: str = Beneficiary.Status.INTAKE) -> list[tuple[str, str]]:
    """Every rule a beneficiary's fields break, as (field, message); empty when all is well.

    Used by the services (which raise the first) and by imports (which report them all).
    """
    problems = []
    today = timezone.localdate()
    for name in ("first_name", "last_name", "address", "city"):
        if name in fields and not str(fields[name] or "").strip():
            problems.append((name, _("This field is required.")))
    problems += text_length_problems(Beneficiary, fields)
    if "postcode" in fields and not POSTCODE_RE.match(str(fields["postcode"] or "")):
        problems.append(("postcode", _("A postcode has 5 digits.")))
    if fields.get("referral_source", "x") not in _REFERRAL_SOURCES:
        problems.append(("referral_source", _("Choose who referred the person.")))
    birth_year = fields.get("birth_year")
    if birth_year is not None and not 1900 <= birth_year <= today.year:
        problems.append(("birth_year", _("Give a year between 1900 and this year.")))
    consent_by, consent_on = fields.get("consent_by") or "", fields.get("consent_on")
    if consent_by and consent_by not in _CONSENT_BY:
        problems.append(("consent_by", _("Say who gave consent: the person or their legal representative.")))
    if bool(consent_by) != bool(consent_on):
        field = "consent_on" if consent_by else "consent_by"
        problems.append((field, _("Record both who gave consent and the date it was given.")))
    if consent_on and consent_on > today:
        problems.append(("consent_on", _("This date is in the future.")))
    if fields.get("assessed_on") and fields["assessed_on"] > today:
        problems.append(("assessed_on", _("This date is in the future.")))
    if status in (Beneficiary.Status.ACTIVE, Beneficiary.Status.PAUSED) and not (consent_by and consent_on):
        problems.append(("consent_by", _("A person who is followed must have given consent.")))
    target = fields.get("contact_target_days")
    if target is not None and (problem := target_days_problem(target)):
        problems.append(("contact_target_days", problem))
    grace = fields.get("contact_grace_days")
    if grace is not None and (problem := grace_days_problem(grace)):
        problems.append(("contact_grace_days", problem))
    for name, allowed in (
        ("interests", _INTERESTS),
        ("languages", _LANGUAGES),
        ("required_languages", _LANGUAGES),
    ):
        unknown = [v for v in fields.get(name) or [] if v not in allowed]
        if unknown:
            problems.append((name, _("Unknown choice: %(values)s.") % {"values": ", ".join(map(str, unknown))}))
    if fields.get("visitor_preference", VisitorPreference.ANY) not in _VISITOR_PREFERENCES:
        problems.append(("visitor_preference", _("Choose a visitor preference.")))
    return problems


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(BENEFICIARY_FIELDS)
    if unknown:
        raise ValueError(f"not beneficiary fields: {sorted(unknown)}")


def _key_contact_rows(beneficiary: Beneficiary, contacts: Iterable[dict]) -> list[KeyContact]:
    """The beneficiary's key contacts as unsaved rows, each checked; DomainError for the first refused."""
    rows = []
    for contact in contacts:
        if contact.get("kind") not in _KEY_CONTACT_KINDS:
            raise DomainError(_("Choose who this contact is."), field="key_contacts")
        if not (contact.get("name") or "").strip():
            raise DomainError(_("Give the contact's name."), field="key_contacts")
        _raise_first([("key_contacts", message) for _field, message in text_length_problems(KeyContact, contact)])
        rows.append(KeyContact(beneficiary=beneficiary, **{k: contact.get(k) or "" for k in KEY_CONTACT_FIELDS}))
    return rows


def _key_contacts_replace(beneficiary: Beneficiary, contacts: Iterable[dict]) -> None:
    rows = _key_contact_rows(beneficiary, contacts)
    beneficiary.key_contacts.all().delete()
    KeyContact.objects.bulk_create(rows)


def _locate_into(beneficiary: Beneficiary) -> None:
    point = address_locate(address=beneficiary.address, postcode=beneficiary.postcode, city=beneficiary.city)
    beneficiary.latitude = point.latitude if point else None
    beneficiary.longitude = point.longitude if point else None


def _beneficiary_new(
    *, association: Association, key_contacts: Iterable[dict] | None, fields: dict
) -> tuple[Beneficiary, list[KeyContact]]:
    """An unsaved beneficiary in intake and its unsaved key contacts, every rule checked and the
    address geocoded; DomainError for the first rule broken. What creating one person means,
    whether one at a time or in bulk."""
    _check_fields(fields)
    fields.setdefault("contact_target_days", association.default_contact_target_days)
    fields.setdefault("contact_grace_days", association.default_contact_grace_days)
    for name in ("consent_by", "gender", "phone", "neighbourhood"):
        fields[name] = fields.get(name) or ""
    _raise_first(beneficiary_problems(fields))
    beneficiary = Beneficiary(association=association, status=Beneficiary.Status.INTAKE, **fields)
    _locate_into(beneficiary)
    return beneficiary, _key_contact_rows(beneficiary, key_contacts or [])


def beneficiary_create(
    *, association: Association, by, key_contacts: Iterable[dict] | None = None, **fields
) -> Beneficiary:
    """Record a referral as a beneficiary in intake, with key contacts; address geocoded.

    Contact target and grace default to the association's. Not idempotent (imports dedup by line).
    """
    staff_check(by, association.pk)
    beneficiary, contacts = _beneficiary_new(association=association, key_contacts=key_contacts, fields=fields)
    with transaction.atomic():
        beneficiary.save()
        KeyContact.objects.bulk_create(contacts)
    return beneficiary


def beneficiaries_create_many(
    *, association: Association, by, people: Iterable[tuple[dict, list[dict]]]
) -> list[Beneficiary | DomainError]:
    """Record many referrals at once, each as beneficiary_create records one: (fields, key
    contacts) in, the new beneficiary or the DomainError refusing it out, in the same order.

    The people accepted are written with one insert per table, in one transaction; those
    refused are not written. Not idempotent (imports dedup by line).
    """
    staff_check(by, association.pk)
    results: list[Beneficiary | DomainError] = []
    accepted: list[Beneficiary] = []
    contacts: list[KeyContact] = []
    for fields, key_contacts in people:
        try:
            beneficiary, rows = _beneficiary_new(
                association=association, key_contacts=key_contacts, fields=dict(fields)
            )
        except DomainError as exc:
            results.append(exc)
            continue
        results.append(beneficiary)
        accepted.append(beneficiary)
        contacts += rows
    with transaction.atomic():
        Beneficiary.objects.bulk_create(accepted)
        # The contacts were built around unsaved people: bulk_create takes their new ids.
        KeyContact.objects.bulk_create(contacts)
    return results


# What the person's record (its page, its edit form, its API answer) shows.
FILE_DETAILS = (disclosure.ADDRESS, disclosure.PHONE, disclosure.KEY_CONTACTS, disclosure.NOTES)


def beneficiary_file_open(*, beneficiary: Beneficiary, by, parts: tuple[str, ...] = FILE_DETAILS) -> Beneficiary:
    """`beneficiary`'s record, for staff member `by` to read or edit. Every page and API answer
    carrying the record calls it once (`parts` names a narrower part, e.g. the assessments):
    disclosure.private_details records the reading, who saw which of whose details and when."""
    staff_check(by, beneficiary.association_id)
    disclosure.private_details(beneficiary=beneficiary, by=by, parts=parts)
    return beneficiary


def beneficiary_update(*, beneficiary: Beneficiary, by, key_contacts: Iterable[dict] | None = None, **fields):
    """Change a beneficiary's record (and key contacts when given); re-geocodes a changed address."""
    staff_check(by, beneficiary.association_id)
    _check_fields(fields)
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.status == Beneficiary.Status.ENDED:
            raise DomainError(_("This person is no longer followed: the record is closed."))
        merged = {name: getattr(beneficiary, name) for name in BENEFICIARY_FIELDS} | fields
        merged["consent_by"] = merged.get("consent_by") or ""
        _raise_first(beneficiary_problems(merged, status=beneficiary.status))
        moved = any(
            fields.get(n, getattr(beneficiary, n)) != getattr(beneficiary, n) for n in ("address", "postcode", "city")
        )
        target_changed = any(
            fields.get(n, getattr(beneficiary, n)) != getattr(beneficiary, n)
            for n in ("contact_target_days", "contact_grace_days")
        )
        for name, value in merged.items():
            setattr(beneficiary, name, value)
        if moved:
            _locate_into(beneficiary)
        beneficiary.save()
        if key_contacts is not None:
            _key_contacts_replace(beneficiary, key_contacts)
        if target_changed and beneficiary.status == Beneficiary.Status.ACTIVE:
            _deadline_restore(beneficiary)
    return beneficiary


def _deadline_suspend(beneficiary: Beneficiary) -> None:
    """Nothing is due for a person who is not followed: the isolation sweep skips them."""
    alert_deadline_suspend(beneficiary=beneficiary)


def _deadline_restore(beneficiary: Beneficiary) -> None:
    """Followed again: the next check is last contact (or first followed) + target + grace."""
    alert_deadline_restore(beneficiary=beneficiary)


def beneficiary_activate(*, beneficiary: Beneficiary, by) -> Beneficiary:
    """Start following a person in intake: needs consent; starts the contact deadline. Idempotent."""
    staff_check(by, beneficiary.association_id)
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.status == Beneficiary.Status.ACTIVE:
            return beneficiary
        if beneficiary.status != Beneficiary.Status.INTAKE:
            raise DomainError(_("Only a person in intake can be activated."))
        if not (beneficiary.consent_by and beneficiary.consent_on):
            # The database refuses it too (beneficiary_active_needs_consent); say why first.
            raise DomainError(
                _("Record the person's consent (or their legal representative's) and its date before starting."),
                field="consent_by",
            )
        beneficiary.status = Beneficiary.Status.ACTIVE
        # Activation happens once (intake -> active): from now on the person's silence counts.
        beneficiary.followed_since = timezone.now()
        beneficiary.save(update_fields=["status", "followed_since"])
        _deadline_restore(beneficiary)
    return beneficiary


def beneficiary_pause(*, beneficiary: Beneficiary, by, reason: str, until: datetime.date) -> Beneficiary:
    """Pause visits and the contact deadline until a date (hospital stay, holiday)."""
    staff_check(by, beneficiary.association_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why visits pause."), field="reason")
    if until <= timezone.localdate():
        raise DomainError(_("Choose a date after today."), field="until")
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.status not in (Beneficiary.Status.ACTIVE, Beneficiary.Status.PAUSED):
            raise DomainError(_("Only a person who is followed can be paused."))
        beneficiary.status = Beneficiary.Status.PAUSED
        beneficiary.pause_reason = reason[:200]
        beneficiary.paused_until = until
        beneficiary.save(update_fields=["status", "pause_reason", "paused_until"])
        _deadline_suspend(beneficiary)
    return beneficiary


def beneficiary_resume(*, beneficiary: Beneficiary, by=None) -> Beneficiary:
    """End a pause: visits and the contact deadline start again. Idempotent.

    `by=None` is the system (the job that resumes pauses whose date has passed); anyone else
    must be the association's staff."""
    if by is not None:
        staff_check(by, beneficiary.association_id)
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.status == Beneficiary.Status.ACTIVE:
            return beneficiary
        if beneficiary.status != Beneficiary.Status.PAUSED:
            raise DomainError(_("Only a paused person can be resumed."))
        beneficiary.status = Beneficiary.Status.ACTIVE
        beneficiary.paused_until = None
        beneficiary.pause_reason = ""
        beneficiary.save(update_fields=["status", "paused_until", "pause_reason"])
        _deadline_restore(beneficiary)
    return beneficiary


def beneficiaries_resume_due(*, today: datetime.date | None = None) -> int:
    """Resume every pause whose end date has passed; returns how many. Idempotent."""
    today = today or timezone.localdate()
    due = Beneficiary.objects.filter(status=Beneficiary.Status.PAUSED, paused_until__lt=today).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in due.iterator():
        beneficiary = Beneficiary(pk=pk)
        if beneficiary_resume(beneficiary=beneficiary).status == Beneficiary.Status.ACTIVE:
            count += 1
    return count


def beneficiary_end(*, beneficiary: Beneficiary, by, reason: str) -> Beneficiary:
    """Stop following a person (moved away, died, declined): no more deadline; refused while missions are live."""
    staff_check(by, beneficiary.association_id)
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.status == Beneficiary.Status.ENDED:
            return beneficiary
        if beneficiary.missions.filter(status__in=[Mission.Status.OPEN, Mission.Status.FILLED]).exists():
            raise DomainError(_("Close this person's missions first."))
        beneficiary.status = Beneficiary.Status.ENDED
        beneficiary.pause_reason = (reason or "").strip()[:200]
        beneficiary.paused_until = None
        beneficiary.save(update_fields=["status", "pause_reason", "paused_until"])
        _deadline_suspend(beneficiary)
    return beneficiary


def assessment_record(
    *, beneficiary: Beneficiary, scale: str, answers: list, taken_on: datetime.date, by
) -> Assessment:
    """Score and keep one dated assessment; the first one also dates the assessment visit."""
    staff_check(by, beneficiary.association_id)
    if taken_on > timezone.localdate():
        raise DomainError(_("This date is in the future."), field="taken_on")
    try:
        result = assessments.score(scale, answers)
    except (ValueError, TypeError) as exc:  # TypeError: an answer that is a list or an object
        raise DomainError(_("Answer every question."), field="answers") from exc
    with transaction.atomic():
        assessment = Assessment.objects.create(
            beneficiary=beneficiary,
            scale=scale,
            answers=list(result.answers),
            score=result.total,
            taken_on=taken_on,
            recorded_by=by,
        )
        # A scale is taken during an assessment visit: date that visit if none was recorded.
        Beneficiary.objects.filter(pk=beneficiary.pk, assessed_on__isnull=True).update(assessed_on=taken_on)
    return assessment
