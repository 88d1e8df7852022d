"""Writes about an association's staff: invitations to join and the memberships they open."""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.accounts.policy import forget_memberships
from liens.errors import DomainError
from liens.notify import notify, site_url
from missions.models import Association, Invitation, Membership
from missions.permissions import manager_check, outreach_check

from .common import later

User = get_user_model()

INVITATION_SALT = "liens.invitation"


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
    manager_check(by, association.pk)
    # Refused for a pending association: anyone can register one, and an invitation is an email
    # in the platform's name plus an account opened in someone else's name.
    outreach_check(by, association)
    email = User.objects.normalize_email(email).lower()
    if role not in dict(association.staff_roles):
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
                "subject": later(gettext_lazy("Join %(name)s on Liens"), name=association.name),
                "message": later(
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
        forget_memberships(user)
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
    manager_check(by, invitation.association_id)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def membership_remove(*, membership: Membership, by) -> None:
    """Remove someone from the staff; refuses to remove the last manager."""
    manager_check(by, membership.association_id)
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
    manager_check(by, membership.association_id)
    if role not in dict(membership.association.staff_roles):
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
