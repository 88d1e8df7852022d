"""Writes of the association side. Each function is one domain step: it opens the transaction,
checks the rules, writes, and raises DomainError with a message a coordinator can read.

HTML views and API views call these same functions; nothing else writes these rows.
"""

import datetime
import logging
import re
import zoneinfo
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.choices import Interest, Language, VisitKind, VisitorPreference
from liens.errors import DomainError
from liens.geocoding import geocode
from liens.notify import notify, site_url
from liens.services import sensitive_access_log
from missions import assessments
from missions.deadline import grace_days_problem, target_days_problem
from missions.ledger import alert_deadline_restore, alert_deadline_suspend
from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    ImportedRow,
    ImportJob,
    Invitation,
    KeyContact,
    Match,
    Membership,
    Mission,
    VettingRecord,
)
from missions.scoping import outreach_refusal, vetting_refusal
from missions.visits.services import visits_reschedule
from volunteers.vetting import vetting_record

from . import importing

User = get_user_model()
logger = logging.getLogger(__name__)

POSTCODE_RE = re.compile(r"^\d{5}$")
INVITATION_SALT = "liens.invitation"


def _later(message, **params):
    """A message translated when rendered, not now: notify() renders in the recipient's language."""
    return lazy(lambda: str(message) % params if params else str(message), str)()


# --- geocoding ------------------------------------------------------------------------------


def address_locate(*, address: str, postcode: str, city: str):
    """The point for an address, falling back to the postcode's centroid; None when unknown.

    A missing point never blocks a record: the coordinator can still follow the person, only
    distance-based suggestions need it, and the page says the address was not located.
    """
    return geocode(f"{address}, {postcode} {city}") or geocode(f"{postcode} {city}")


# --- associations and staff -----------------------------------------------------------------


def association_signup(
    *,
    user,
    name: str,
    legal_form: str,
    siret: str,
    rna: str,
    address: str,
    postcode: str,
    city: str,
    territory: str,
    contact_email: str,
    contact_phone: str = "",
) -> Association:
    """Create an association awaiting validation, make `user` its manager, tell platform admins.

    Not idempotent: each call creates an association (the form is submitted once).
    """
    if not user.is_authenticated:
        raise DomainError(_("Sign in first."))
    if not siret and not rna:
        raise DomainError(_("Give the association's SIRET or RNA number."), field="siret")
    if not POSTCODE_RE.match(postcode or ""):
        raise DomainError(_("A postcode has 5 digits."), field="postcode")
    point = address_locate(address=address, postcode=postcode, city=city)
    with transaction.atomic():
        association = Association.objects.create(
            name=name,
            legal_form=legal_form,
            siret=siret,
            rna=rna,
            address=address,
            postcode=postcode,
            city=city,
            territory=territory,
            contact_email=contact_email,
            contact_phone=contact_phone,
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
        )
        Membership.objects.create(user=user, association=association, role=Membership.Role.MANAGER)
        link = site_url(reverse("association:admin-pending"))
        for admin in User.objects.filter(is_staff=True, is_active=True):
            notify(
                recipient=admin,
                kind="association_awaiting_validation",
                context={
                    "association": association,
                    "subject": _later(gettext_lazy("New association to validate: %(name)s"), name=name),
                    "message": _later(
                        gettext_lazy("%(name)s (%(city)s) signed up and is waiting for your validation."),
                        name=name,
                        city=city,
                    ),
                    "link": link,
                },
                dedup_key=f"association:{association.pk}:awaiting:{admin.pk}",
            )
    return association


def association_validate(*, association: Association, by) -> Association:
    """Mark the association validated by platform admin `by` and tell its managers. Idempotent."""
    if not (by.is_authenticated and by.is_staff):
        raise DomainError(_("Only a platform admin can validate an association."))
    with transaction.atomic():
        association = Association.objects.select_for_update().get(pk=association.pk)
        if association.validated_at is not None:
            return association
        association.validated_at = timezone.now()
        association.validated_by = by
        association.save(update_fields=["validated_at", "validated_by"])
        link = site_url(reverse("association:home"))
        for membership in association.memberships.filter(role=Membership.Role.MANAGER).select_related("user"):
            notify(
                recipient=membership.user,
                kind="association_validated",
                context={
                    "association": association,
                    "subject": _later(gettext_lazy("%(name)s is validated"), name=association.name),
                    "message": _later(
                        gettext_lazy("Your association is validated: you can now publish missions for volunteers.")
                    ),
                    "link": link,
                },
                dedup_key=f"association:{association.pk}:validated:{membership.user_id}",
            )
    return association


def association_settings_update(
    *, association: Association, by, default_contact_target_days: int, default_contact_grace_days: int
) -> Association:
    """Change the association's default contact target and grace (new beneficiaries get them)."""
    _require_manager(association=association, user=by)
    if problem := target_days_problem(default_contact_target_days):
        raise DomainError(problem, field="default_contact_target_days")
    if problem := grace_days_problem(default_contact_grace_days):
        raise DomainError(problem, field="default_contact_grace_days")
    association.default_contact_target_days = default_contact_target_days
    association.default_contact_grace_days = default_contact_grace_days
    association.save(update_fields=["default_contact_target_days", "default_contact_grace_days"])
    return association


def _require_manager(*, association: Association, user) -> None:
    if user.is_authenticated and user.is_staff:
        return
    if not Membership.objects.filter(association=association, user=user, role=Membership.Role.MANAGER).exists():
        raise DomainError(_("Only a manager of the association can do this."))


def invitation_link(invitation: Invitation) -> str:
    """The path of the one-use link sent to the invitee (signed token)."""
    token = signing.Signer(salt=INVITATION_SALT).sign(invitation.token)
    return reverse("association:invitation-accept", kwargs={"token": token})


def invitation_from_link_token(token: str) -> Invitation | None:
    """The invitation a link token names, or None when the token was tampered with or is unknown."""
    try:
        raw = signing.Signer(salt=INVITATION_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("association").filter(token=raw).first()


def invitation_send(*, association: Association, email: str, role: str, by) -> Invitation:
    """Invite `email` to the staff with `role` and send the link through the outbox.

    Inviting the same address again refreshes the pending invitation (new token, new expiry,
    new message) rather than adding a second one. When no account exists for the address, one
    is opened without a password: the invitee sets it from the link, which proves the address.
    """
    _require_manager(association=association, user=by)
    # Refused for a pending association: anyone can register one, and an invitation is an email
    # in the platform's name plus an account opened in someone else's name.
    refusal = outreach_refusal(by, association)
    if refusal is not None:
        raise DomainError(refusal, code="forbidden")
    email = User.objects.normalize_email(email).lower()
    if role not in Membership.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if Membership.objects.filter(association=association, user__email__iexact=email).exists():
        raise DomainError(_("This person is already on the staff."), field="email")
    with transaction.atomic():
        invitee = User.objects.filter(email__iexact=email).first()
        if invitee is None:
            invitee = User.objects.create_user(email=email, password=None, language=by.language)
        invitation, _created = Invitation.objects.select_for_update().get_or_create(
            association=association,
            email=email,
            accepted_at__isnull=True,
            defaults={"role": role, "invited_by": by, "expires_at": _invitation_expiry()},
        )
        if not _created:
            invitation.role = role
            invitation.invited_by = by
            invitation.expires_at = _invitation_expiry()
            invitation.token = Invitation._meta.get_field("token").default()
            invitation.save(update_fields=["role", "invited_by", "expires_at", "token"])
        notify(
            recipient=invitee,
            kind="staff_invitation",
            context={
                "invitation": invitation,
                "subject": _later(gettext_lazy("Join %(name)s on Liens"), name=association.name),
                "message": _later(
                    gettext_lazy(
                        "%(who)s invites you to join %(name)s as %(role)s. The link is valid for %(days)s days."
                    ),
                    who=str(by),
                    name=association.name,
                    role=Membership.Role(role).label,
                    days=settings.LIENS_INVITATION_DAYS,
                ),
                "link": site_url(invitation_link(invitation)),
            },
            dedup_key=f"invitation:{invitation.pk}:{invitation.token[:12]}",
        )
    return invitation


def _invitation_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.LIENS_INVITATION_DAYS)


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Join the association as invited. The signed-in user must own the invited address.

    Idempotent: accepting again returns the membership already made.
    """
    if not user.is_authenticated:
        raise DomainError(_("Sign in first."))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            membership = Membership.objects.filter(association=invitation.association_id, user=user).first()
            if membership and invitation.accepted_by_id == user.pk:
                return membership
            raise DomainError(_("This invitation has already been used."))
        if invitation.expires_at < timezone.now():
            raise DomainError(_("This invitation has expired: ask the manager for a new one."))
        # An invitation a pending association sent (before sending was refused to it) opens
        # nothing until the platform has validated the association.
        if not Association.objects.filter(pk=invitation.association_id, validated_at__isnull=False).exists():
            raise DomainError(_("This association is not validated yet: the invitation will work once it is."))
        if user.email.lower() != invitation.email.lower():
            raise DomainError(
                _("This invitation was sent to %(email)s: sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        membership, created = Membership.objects.get_or_create(
            user=user, association_id=invitation.association_id, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_account_open(*, invitation: Invitation, first_name: str, last_name: str, password: str):
    """Set the name and password of the account an invitation opened, mark its address verified.

    Only for an account that has never had a password: the link proves the address is theirs.
    """
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None or user.has_usable_password():
        raise DomainError(_("An account already exists for this address: sign in to accept."))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password1") from exc
    with transaction.atomic():
        user.first_name, user.last_name = first_name, last_name
        user.set_password(password)
        user.save(update_fields=["first_name", "last_name", "password"])
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def invitation_accept_with_new_account(*, invitation: Invitation, first_name: str, last_name: str, password: str):
    """Open the invitee's account and join the association, in one transaction: both or neither."""
    with transaction.atomic():
        user = invitation_account_open(
            invitation=invitation, first_name=first_name, last_name=last_name, password=password
        )
        invitation_accept(invitation=invitation, user=user)
    return user


def invitation_revoke(*, invitation: Invitation, by) -> None:
    """Delete a pending invitation; its link stops working. Idempotent."""
    _require_manager(association=invitation.association, user=by)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def membership_remove(*, membership: Membership, by) -> None:
    """Remove someone from the staff; refuses to remove the last manager."""
    _require_manager(association=membership.association, user=by)
    with transaction.atomic():
        # Lock every membership of the association: two managers removing each other at the
        # same moment must not both succeed and leave nobody in charge.
        staff = list(Membership.objects.select_for_update().filter(association_id=membership.association_id))
        target = next((m for m in staff if m.pk == membership.pk), None)
        if target is None:
            return
        managers = [m for m in staff if m.role == Membership.Role.MANAGER]
        if target.role == Membership.Role.MANAGER and len(managers) <= 1:
            raise DomainError(_("The association must keep at least one manager: name another one first."))
        target.delete()


def membership_role_set(*, membership: Membership, role: str, by) -> Membership:
    """Change a staff member's role; refuses to demote the last manager."""
    _require_manager(association=membership.association, user=by)
    if role not in Membership.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    with transaction.atomic():
        staff = list(Membership.objects.select_for_update().filter(association_id=membership.association_id))
        managers = [m for m in staff if m.role == Membership.Role.MANAGER]
        target = next(m for m in staff if m.pk == membership.pk)
        if target.role == Membership.Role.MANAGER and role != target.role and len(managers) <= 1:
            raise DomainError(_("The association must keep at least one manager: name another one first."))
        target.role = role
        target.save(update_fields=["role"])
    return target


# --- beneficiaries --------------------------------------------------------------------------

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


def text_length_problems(model, fields: dict, *, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Text longer than its column holds, as (field, message): the limits are the model's own.

    `names` maps a key of `fields` to the model field it is stored in, when they differ.
    """
    problems = []
    for key, value in fields.items():
        try:
            field = model._meta.get_field((names or {}).get(key, key))
        except FieldDoesNotExist:
            continue
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append((key, _("At most %(max)s characters.") % {"max": limit}))
    return problems


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
    if fields.get("referral_source", "x") not in Beneficiary.ReferralSource.values:
        problems.append(("referral_source", _("Choose who referred the person.")))
    birth_year = fields.get("birth_year")
    if birth_year is not None and not 1900 <= birth_year <= today.year:
        problems.append(("birth_year", _("Give a year between 1900 and this year.")))
    consent_by, consent_on = fields.get("consent_by") or "", fields.get("consent_on")
    if consent_by and consent_by not in Beneficiary.ConsentBy.values:
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
        ("interests", Interest.values),
        ("languages", Language.values),
        ("required_languages", Language.values),
    ):
        unknown = [v for v in fields.get(name) or [] if v not in allowed]
        if unknown:
            problems.append((name, _("Unknown choice: %(values)s.") % {"values": ", ".join(map(str, unknown))}))
    if fields.get("visitor_preference", VisitorPreference.ANY) not in VisitorPreference.values:
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


def _key_contacts_replace(beneficiary: Beneficiary, contacts: Iterable[dict]) -> None:
    rows = []
    for contact in contacts:
        if contact.get("kind") not in KeyContact.Kind.values:
            raise DomainError(_("Choose who this contact is."), field="key_contacts")
        if not (contact.get("name") or "").strip():
            raise DomainError(_("Give the contact's name."), field="key_contacts")
        _raise_first([("key_contacts", message) for _field, message in text_length_problems(KeyContact, contact)])
        rows.append(KeyContact(beneficiary=beneficiary, **{k: contact.get(k) or "" for k in KEY_CONTACT_FIELDS}))
    beneficiary.key_contacts.all().delete()
    KeyContact.objects.bulk_create(rows)


def _locate_into(beneficiary: Beneficiary) -> None:
    point = address_locate(address=beneficiary.address, postcode=beneficiary.postcode, city=beneficiary.city)
    beneficiary.latitude = point.latitude if point else None
    beneficiary.longitude = point.longitude if point else None


def beneficiary_create(
    *, association: Association, by, key_contacts: Iterable[dict] | None = None, **fields
) -> Beneficiary:
    """Record a referral as a beneficiary in intake, with key contacts; address geocoded.

    Contact target and grace default to the association's. Not idempotent (imports dedup by line).
    """
    _check_fields(fields)
    fields.setdefault("contact_target_days", association.default_contact_target_days)
    fields.setdefault("contact_grace_days", association.default_contact_grace_days)
    for name in ("consent_by", "gender", "phone", "neighbourhood"):
        fields[name] = fields.get(name) or ""
    _raise_first(beneficiary_problems(fields))
    beneficiary = Beneficiary(association=association, status=Beneficiary.Status.INTAKE, **fields)
    _locate_into(beneficiary)
    with transaction.atomic():
        beneficiary.save()
        _key_contacts_replace(beneficiary, key_contacts or [])
    return beneficiary


FILE_DETAILS = "address+phone+key_contacts+notes"


def beneficiary_file_open(*, beneficiary: Beneficiary, by, what: str = FILE_DETAILS) -> Beneficiary:
    """`beneficiary`'s record, for staff member `by` to read or edit. It holds the person's
    address, phone, key contacts and notes, so the reading is recorded: who saw whose details,
    and when, as for a volunteer's or an alert reviewer's view of the same details. Every page
    and API answer carrying the record calls it once (`what` names a narrower part)."""
    sensitive_access_log(user_id=by.pk, beneficiary_id=beneficiary.pk, what=what)
    return beneficiary


def beneficiary_update(*, beneficiary: Beneficiary, by, key_contacts: Iterable[dict] | None = None, **fields):
    """Change a beneficiary's record (and key contacts when given); re-geocodes a changed address."""
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
    """Followed again: the next check is last contact (or intake) + target + grace."""
    alert_deadline_restore(beneficiary=beneficiary)


def beneficiary_activate(*, beneficiary: Beneficiary, by) -> Beneficiary:
    """Start following a person in intake: needs consent; starts the contact deadline. Idempotent."""
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
        beneficiary.save(update_fields=["status"])
        _deadline_restore(beneficiary)
    return beneficiary


def beneficiary_pause(*, beneficiary: Beneficiary, by, reason: str, until: datetime.date) -> Beneficiary:
    """Pause visits and the contact deadline until a date (hospital stay, holiday)."""
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
    """End a pause: visits and the contact deadline start again. Idempotent."""
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


# --- missions -------------------------------------------------------------------------------


def local_to_utc(*, association: Association, on: datetime.date, at: datetime.time) -> datetime.datetime:
    """A wall-clock date and time in the association's zone, as an aware UTC datetime.

    zoneinfo resolves the two DST edges the usual way: a time skipped in spring (02:30 on the
    last Sunday of March) takes the winter offset, i.e. lands at 03:30; a time repeated in
    autumn takes its first occurrence (fold=0, summer time).
    """
    zone = zoneinfo.ZoneInfo(association.timezone or settings.TIME_ZONE)
    return datetime.datetime.combine(on, at, tzinfo=zone).astimezone(datetime.UTC)


def _mission_schedule(association: Association, fields: dict) -> dict:
    recurrence = fields.get("recurrence")
    at, on = fields.get("local_time"), fields.get("first_date")
    if recurrence == Mission.Recurrence.ONE_OFF:
        if on is None:
            raise DomainError(_("Choose the day."), field="first_date")
        if at is None:
            raise DomainError(_("Choose the time."), field="local_time")
        return {
            "starts_at": local_to_utc(association=association, on=on, at=at),
            "weekday": None,
            "end_date": None,
        }
    if recurrence == Mission.Recurrence.WEEKLY:
        weekday, end = fields.get("weekday"), fields.get("end_date")
        if weekday is None or not 0 <= weekday <= 6:
            raise DomainError(_("Choose the day of the week."), field="weekday")
        if at is None:
            raise DomainError(_("Choose the time."), field="local_time")
        if on is None:
            raise DomainError(_("Choose the first date."), field="first_date")
        if end is not None and end < on:
            raise DomainError(_("The end date comes before the first date."), field="end_date")
        return {"starts_at": None}
    raise DomainError(_("Choose one-off or weekly."), field="recurrence")


MISSION_FIELDS = frozenset(
    {
        "kind",
        "beneficiary",
        "title",
        "description",
        "requirements",
        "recurrence",
        "first_date",
        "local_time",
        "weekday",
        "end_date",
        "duration_minutes",
        "volunteers_needed",
        "place",
    }
)


def _mission_check(association: Association, fields: dict) -> dict:
    unknown = set(fields) - MISSION_FIELDS
    if unknown:
        raise ValueError(f"not mission fields: {sorted(unknown)}")
    kind = fields.get("kind")
    if kind not in VisitKind.values:
        raise DomainError(_("Choose the kind of mission."), field="kind")
    if not (fields.get("title") or "").strip():
        raise DomainError(_("Give the mission a title."), field="title")
    beneficiary = fields.get("beneficiary")
    extra: dict = {}
    if kind == VisitKind.GROUP_EVENT:
        if beneficiary is not None:
            raise DomainError(_("A group event is not for one person: leave the person empty."), field="beneficiary")
        if not (fields.get("place") or "").strip():
            raise DomainError(_("Say where the event takes place."), field="place")
        point = geocode(fields["place"])
        extra["latitude"], extra["longitude"] = (point.latitude, point.longitude) if point else (None, None)
    else:
        if beneficiary is None:
            raise DomainError(_("Choose the person this mission is for."), field="beneficiary")
        if beneficiary.association_id != association.pk:
            raise DomainError(_("Choose the person this mission is for."), field="beneficiary")
        if beneficiary.status == Beneficiary.Status.ENDED:
            raise DomainError(_("This person is no longer followed."), field="beneficiary")
        # The mission is where the person lives; matching measures distances from here.
        extra["latitude"], extra["longitude"] = beneficiary.latitude, beneficiary.longitude
    duration = fields.get("duration_minutes") or 60
    if not 10 <= duration <= 600:
        raise DomainError(_("Choose between 10 and 600 minutes."), field="duration_minutes")
    needed = fields.get("volunteers_needed") or 1
    if not 1 <= needed <= 50:
        raise DomainError(_("Choose between 1 and 50."), field="volunteers_needed")
    return extra | _mission_schedule(association, fields)


def mission_create(*, association: Association, by, **fields) -> Mission:
    """Prepare a mission as a draft (any association may, validated or not). Not idempotent."""
    extra = _mission_check(association, fields)
    return Mission.objects.create(
        association=association, created_by=by, status=Mission.Status.DRAFT, **(fields | extra)
    )


SCHEDULE_FIELDS = frozenset({"recurrence", "first_date", "local_time", "weekday", "end_date", "duration_minutes"})


def mission_update(*, mission: Mission, by, **fields) -> Mission:
    """Change a draft or open mission's details and schedule. A new schedule moves the upcoming
    visits of its active matches with it (and cancels those whose slot is gone)."""
    with transaction.atomic():
        mission = Mission.objects.select_for_update(of=("self",)).select_related("association").get(pk=mission.pk)
        if mission.status == Mission.Status.CLOSED:
            raise DomainError(_("This mission is closed."))
        current = {name: getattr(mission, name) for name in MISSION_FIELDS}
        merged = current | fields
        extra = _mission_check(mission.association, merged)
        for name, value in (merged | extra).items():
            setattr(mission, name, value)
        mission.save()
        if any(getattr(mission, name) != current[name] for name in SCHEDULE_FIELDS):
            for match in mission.matches.filter(status=Match.Status.ACTIVE):
                visits_reschedule(match=match)
    return mission


def mission_publish(*, mission: Mission, by) -> Mission:
    """Open a draft mission to volunteers. Refused until the association is validated. Idempotent."""
    with transaction.atomic():
        mission = (
            Mission.objects.select_for_update(of=("self",))
            .select_related("association", "beneficiary")
            .get(pk=mission.pk)
        )
        if mission.status == Mission.Status.OPEN:
            return mission
        if mission.status != Mission.Status.DRAFT:
            raise DomainError(_("Only a draft mission can be published."))
        if not mission.association.is_validated:
            raise DomainError(
                _(
                    "Your association is awaiting validation by the platform: you can prepare missions now "
                    "and publish them once it is validated."
                )
            )
        beneficiary = mission.beneficiary
        if beneficiary is not None:
            if beneficiary.status != Beneficiary.Status.ACTIVE:
                raise DomainError(
                    _("Start following %(name)s (consent recorded) before publishing.") % {"name": beneficiary},
                    field="beneficiary",
                )
            if beneficiary.assessed_on is None:
                # No volunteer meets the person before a coordinator has: the assessment visit
                # comes before any match, and matching starts when a mission opens.
                raise DomainError(
                    _("Record the assessment visit with %(name)s before publishing.") % {"name": beneficiary},
                    field="beneficiary",
                )
        today = timezone.localdate()
        if mission.recurrence == Mission.Recurrence.ONE_OFF and mission.starts_at <= timezone.now():
            raise DomainError(_("This mission's date has passed."), field="first_date")
        if mission.end_date is not None and mission.end_date < today:
            raise DomainError(_("This mission's end date has passed."), field="end_date")
        mission.status = Mission.Status.OPEN
        mission.save(update_fields=["status"])
    return mission


def _mission_transition(mission: Mission, *, allowed_from: set, to: str, message) -> Mission:
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        if mission.status == to:
            return mission
        if mission.status not in allowed_from:
            raise DomainError(message)
        mission.status = to
        mission.save(update_fields=["status"])
    return mission


def mission_fill(*, mission: Mission, by=None) -> Mission:
    """Mark an open mission filled: it stops appearing to volunteers. Idempotent."""
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.OPEN},
        to=Mission.Status.FILLED,
        message=_("Only an open mission can be marked filled."),
    )


def mission_reopen(*, mission: Mission, by) -> Mission:
    """Open a filled mission again (a volunteer left). Idempotent."""
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.FILLED},
        to=Mission.Status.OPEN,
        message=_("Only a filled mission can be reopened."),
    )


def mission_close(*, mission: Mission, by) -> Mission:
    """Close a mission for good; refused while volunteers are still matched to it. Idempotent."""
    if mission.matches.filter(status__in=Match.LIVE).exists():
        raise DomainError(_("End this mission's matches before closing it."))
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.DRAFT, Mission.Status.OPEN, Mission.Status.FILLED},
        to=Mission.Status.CLOSED,
        message=_("This mission is already closed."),
    )


# --- volunteer vetting ----------------------------------------------------------------------


def vetting_step_record(*, volunteer, step: str, by, association: Association, on: datetime.date | None = None):
    """Record one vetting step (interview, training, background check) for a volunteer on behalf
    of `association`, today by default, and trace which association recorded it.

    Refused (DomainError, code "forbidden") unless scoping.vetting_refusal lets `by` vet this
    volunteer for this association; volunteers.vetting.vetting_record asks the same rule again,
    so nothing reaches the profile past it. One transaction: the date and its trace, or neither.
    """
    refusal = vetting_refusal(by, association, volunteer=volunteer)
    if refusal is not None:
        raise DomainError(refusal, field="step", code="forbidden")
    on = on or timezone.localdate()
    with transaction.atomic():
        volunteer = vetting_record(volunteer=volunteer, step=step, on=on, by=by, association=association)
        VettingRecord.objects.create(
            volunteer=volunteer, step=step, done_on=on, association=association, recorded_by=by
        )
    return volunteer


# --- bulk imports ---------------------------------------------------------------------------


def import_file_content(upload) -> bytes:
    """An uploaded import file's bytes; refused by its size before it is read into memory."""
    if upload.size is not None and upload.size > settings.LIENS_IMPORT_MAX_BYTES:
        raise _file_too_large()
    return upload.read(settings.LIENS_IMPORT_MAX_BYTES + 1)


def _file_too_large() -> DomainError:
    return DomainError(
        _("This file is too large (at most %(mb)s MB).") % {"mb": settings.LIENS_IMPORT_MAX_BYTES // (1024 * 1024)},
        field="file",
    )


def import_job_create(*, association: Association, by, filename: str, content: bytes) -> ImportJob:
    """Store an uploaded CSV/XLSX file as an import job, counting its rows. Nothing imported yet."""
    if len(content) > settings.LIENS_IMPORT_MAX_BYTES:
        raise _file_too_large()
    try:
        header, rows = importing.read_table(filename=filename, content=content, max_rows=settings.LIENS_IMPORT_MAX_ROWS)
    except importing.UnreadableFile as exc:
        raise DomainError(str(exc), field="file") from exc
    missing = importing.header_problems(header)
    if missing:
        raise DomainError(
            _("Missing columns: %(columns)s. Start from the template.") % {"columns": ", ".join(missing)}, field="file"
        )
    if not rows:
        raise DomainError(_("This file has no rows under its header line."), field="file")
    return ImportJob.objects.create(
        association=association,
        created_by=by,
        filename=filename[:200],
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=len(rows),
    )


PROGRESS_EVERY = 25


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row of a job and store the report; imports nothing.

    Idempotent: a job already checked is returned as is. Two runs at once compute the same
    report from the same stored file, and only a job still being checked is written.
    """
    job = ImportJob.objects.select_related("association").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(processed_rows=done)

    with translation.override(job.language):
        try:
            header, raw_rows = importing.read_table(
                filename=job.filename, content=bytes(job.content), max_rows=settings.LIENS_IMPORT_MAX_ROWS
            )
            checked, report = importing.check_rows(
                association=job.association, header=header, rows=raw_rows, progress=progress
            )
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
                rows=checked,
                report=report,
                status=ImportJob.Status.VALIDATED,
                total_rows=len(checked),
                processed_rows=len(checked),
            )
        except importing.UnreadableFile as exc:
            _import_job_fail(job_id, str(exc))
        except Exception:
            # Whatever went wrong, the job must not stay "checking" for ever: it ends failed, with
            # words for the coordinator, and the error goes to the log for us.
            logger.exception("import %s: checking failed", job_id)
            _import_job_fail(job_id, _("This file could not be checked. Nothing was imported."))
    return ImportJob.objects.get(pk=job_id)


def _import_job_fail(job_id: int, error: str, report: list | None = None) -> None:
    changes = {"status": ImportJob.Status.FAILED, "error": error}
    if report is not None:
        changes["report"] = report
    ImportJob.objects.filter(pk=job_id).update(**changes)


def import_job_confirm(*, job: ImportJob, by, valid_only: bool = False) -> ImportJob:
    """Accept a checked job for import: all rows when all are valid, or the valid rows only when
    the coordinator chooses so. Idempotent once accepted."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
            return job
        if job.status != ImportJob.Status.VALIDATED:
            raise DomainError(_("This file is still being checked."))
        if job.invalid_count and not valid_only:
            raise DomainError(
                _(
                    "Some rows have errors: correct the file and upload it again, "
                    "or choose to import the valid rows only."
                )
            )
        if not job.valid_count:
            raise DomainError(_("No row is valid: nothing to import."))
        job.status = ImportJob.Status.IMPORTING
        job.valid_only = valid_only
        job.processed_rows = 0
        job.total_rows = job.valid_count
        job.save(update_fields=["status", "valid_only", "processed_rows", "total_rows"])
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Write the accepted rows of a job as beneficiaries in intake: all of them, or none.

    One transaction holds the job's row lock from start to end: a second run at once (a task
    delivered twice) waits for the first, then finds the job done. Any row refused on the way
    (the data changed since the check) or any error rolls every row back, and the job ends
    failed with its report; nothing is ever half-imported. Idempotent: a line already written
    (its ImportedRow) is skipped.
    """
    failures: list[dict] = []
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",)).select_related("association", "created_by").get(pk=job_id)
        )
        if job.status != ImportJob.Status.IMPORTING:
            return job
        done_lines = set(job.imported_rows.values_list("line", flat=True))
        valid_rows = [row for row in job.rows if row.get("valid")]
        try:
            with transaction.atomic(), translation.override(job.language):
                for row in valid_rows:
                    if row["line"] in done_lines:
                        continue
                    fields, contacts = importing.to_service_fields(row["data"])
                    try:
                        beneficiary = beneficiary_create(
                            association=job.association, by=job.created_by, key_contacts=contacts, **fields
                        )
                    except DomainError as exc:
                        failures.append({"line": row["line"], "field": exc.field or "", "message": str(exc.message)})
                        continue
                    ImportedRow.objects.create(job=job, line=row["line"], beneficiary=beneficiary)
                if failures:
                    raise _ImportRefused
        except _ImportRefused:
            with translation.override(job.language):
                error = _("Nothing was imported: some rows were refused. Correct them and upload the file again.")
            _import_job_fail(job_id, error, report=job.report + failures)
            return ImportJob.objects.get(pk=job_id)
        except Exception:
            logger.exception("import %s: writing failed", job_id)
            with translation.override(job.language):
                error = _("This file could not be imported. Nothing was imported.")
            _import_job_fail(job_id, error)
            return ImportJob.objects.get(pk=job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            processed_rows=len(valid_rows),
            imported_count=job.imported_rows.count(),
        )
    return ImportJob.objects.get(pk=job_id)


class _ImportRefused(Exception):
    """Rolls back an import's rows when one of them is refused."""
