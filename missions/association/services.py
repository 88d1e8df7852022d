"""Writes of the association side: signing an association up, validating it, its settings, and
vetting volunteers on its behalf. Staff, beneficiaries, missions and imports have their own
modules (staff, beneficiaries, missions, imports) written the same way. Each function is one
domain step: it opens the transaction, checks the rules, writes, and raises DomainError with a
message a coordinator can read.

HTML views and API views call these same functions; nothing else writes these rows.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.accounts.policy import forget_memberships
from liens.errors import DomainError
from liens.notify import notify, site_url
from missions.deadline import grace_days_problem, target_days_problem
from missions.models import Association, Membership, VettingRecord
from missions.permissions import manager_check, platform_admin_check, vetting_check
from volunteers.vetting import vetting_record

from .common import POSTCODE_RE, address_locate, later

User = get_user_model()


# What an association says about itself when it signs up (association_signup's arguments): the
# sign-up form and the API read this list, and the API's answer starts with it.
ASSOCIATION_SIGNUP_FIELDS = (
    "kind",
    "name",
    "legal_form",
    "siret",
    "rna",
    "address",
    "postcode",
    "city",
    "territory",
    "contact_email",
    "contact_phone",
)


def association_signup(
    *,
    user,
    kind: str = Association.Kind.ASSOCIATION,
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
    """Create an association (or a home-care service, `kind`) awaiting validation, make `user`
    its manager, tell platform admins.

    Not idempotent: each call creates an association (the form is submitted once).
    """
    if not user.is_authenticated:
        raise DomainError(_("Sign in first."))
    if not siret and not rna:
        raise DomainError(_("Give the association's SIRET or RNA number."), field="siret")
    if not POSTCODE_RE.match(postcode or ""):
        raise DomainError(_("A postcode has 5 digits."), field="postcode")
    if kind not in Association.Kind.values:
        raise DomainError(_("Choose the kind of organisation."), field="kind")
    point = address_locate(address=address, postcode=postcode, city=city)
    with transaction.atomic():
        association = Association.objects.create(
            kind=kind,
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
        forget_memberships(user)
        link = site_url(reverse("association:admin-pending"))
        for admin in User.objects.filter(is_staff=True, is_active=True):
            notify(
                recipient=admin,
                kind="association_awaiting_validation",
                context={
                    "association": association,
                    "subject": later(gettext_lazy("New association to validate: %(name)s"), name=name),
                    "message": later(
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
    platform_admin_check(by)
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
                    "subject": later(gettext_lazy("%(name)s is validated"), name=association.name),
                    "message": later(
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
    manager_check(by, association.pk)
    if problem := target_days_problem(default_contact_target_days):
        raise DomainError(problem, field="default_contact_target_days")
    if problem := grace_days_problem(default_contact_grace_days):
        raise DomainError(problem, field="default_contact_grace_days")
    association.default_contact_target_days = default_contact_target_days
    association.default_contact_grace_days = default_contact_grace_days
    association.save(update_fields=["default_contact_target_days", "default_contact_grace_days"])
    return association


# --- volunteer vetting ----------------------------------------------------------------------


def vetting_step_record(*, volunteer, step: str, by, association: Association, on: datetime.date | None = None):
    """Record one vetting step (interview, training, background check) for a volunteer on behalf
    of `association`, today by default, and trace which association recorded it.

    Refused (DomainError, code "forbidden") unless permissions.vetting_check lets `by` vet this
    volunteer for this association; volunteers.vetting.vetting_record asks the same rule again,
    so nothing reaches the profile past it. One transaction: the date and its trace, or neither.
    """
    vetting_check(by, association, volunteer=volunteer, field="step")
    on = on or timezone.localdate()
    with transaction.atomic():
        volunteer = vetting_record(volunteer=volunteer, step=step, on=on, by=by, association=association)
        VettingRecord.objects.create(
            volunteer=volunteer, step=step, done_on=on, association=association, recorded_by=by
        )
    return volunteer
