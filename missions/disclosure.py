"""Who may see which private detail of a person: the one home of the rule, with its log.

A person's address, phone, key contacts, notes and assessments are shown only through
`private_details`, which decides from the rule below and writes the one access-log row
(liens.services.sensitive_access_log) naming exactly the parts it let through. A page or an
API answer that shows a detail without calling it is a defect: the log would miss a reading.

The rule:
- the staff of the person's association, and platform admins, may see every part;
- the volunteer of an ACTIVE match with the person may see their address, phone and notes
  (how to get in, practical tips), and only while the match is active: not as a proposal, not
  once accepted but not yet confirmed, not paused, not ended;
- the staff of a home-care service delivering a plan of the person's in force today (the
  paid "heures de lien social", missions.liensocial) may see what going there needs: address,
  phone and access notes — never key contacts, assessments or the association's follow-up;
- nobody else sees anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liens.errors import DomainError
from liens.scopes import scopes_disabled
from liens.services import sensitive_access_log

from .models import ApaPlan, Beneficiary, Match, Membership

# The parts of a person's file, as the access log names them.
ADDRESS = "address"
PHONE = "phone"
KEY_CONTACTS = "key_contacts"
NOTES = "notes"  # access notes, practical tips, and the notes of contacts and visit reports
ASSESSMENTS = "assessments"
EXPORT = "export"  # the whole file, for the right of access
PARTS = (ADDRESS, PHONE, KEY_CONTACTS, NOTES, ASSESSMENTS, EXPORT)

STAFF_PARTS = frozenset(PARTS)
VISITOR_PARTS = frozenset({ADDRESS, PHONE, NOTES})
# What a home-care service's staff may see of a person its plan covers: the same as a visitor.
HOME_CARE_PARTS = frozenset({ADDRESS, PHONE, NOTES})

NOT_YOURS_TO_SEE = _("You may not see this person's private details.")


@dataclass(frozen=True)
class PrivateDetails:
    """What one reading let through: the parts (as logged) and the person's own fields among
    them; a part not granted is left empty. Key contacts, assessments and the follow-up's notes
    are read by the caller, after this call said they may be."""

    parts: tuple[str, ...]
    address: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    access_notes: str = ""
    practical_tips: str = ""


def parts_allowed(by, beneficiary: Beneficiary) -> frozenset[str]:
    """The parts of the person's file `by` may see now (empty: none)."""
    if by is None or not by.is_authenticated:
        return frozenset()
    if by.is_staff or Membership.objects.filter(user_id=by.pk, association_id=beneficiary.association_id).exists():
        return STAFF_PARTS
    visiting = Match.objects.filter(
        volunteer__user_id=by.pk, mission__beneficiary_id=beneficiary.pk, status=Match.Status.ACTIVE
    )
    if visiting.exists():
        return VISITOR_PARTS
    # Read across associations on purpose: the plan belongs to the person's association, the
    # reader works for the service; filtered by both on the next lines.
    with scopes_disabled("a home-care service's own plans of this person"):
        delivering = ApaPlan.objects.filter(
            ApaPlan.in_force_on(timezone.localdate()),
            beneficiary_id=beneficiary.pk,
            service__memberships__user_id=by.pk,
        )
        return HOME_CARE_PARTS if delivering.exists() else frozenset()


def private_details(*, beneficiary: Beneficiary, by, parts: Iterable[str]) -> PrivateDetails:
    """Show `by` these parts of the person's file, and log the reading (one row, naming exactly
    these parts). Refused (DomainError, code "forbidden", nothing logged) when any part is not
    theirs to see. Not idempotent on purpose: two readings are two rows."""
    asked = tuple(part for part in PARTS if part in set(parts))
    unknown = set(parts) - set(PARTS)
    if unknown or not asked:
        raise ValueError(f"not parts of a person's file: {sorted(unknown) or 'none asked'}")
    if not set(asked) <= parts_allowed(by, beneficiary):
        raise DomainError(NOT_YOURS_TO_SEE, code="forbidden")
    sensitive_access_log(user_id=by.pk, beneficiary_id=beneficiary.pk, what="+".join(asked))
    values: dict = {}
    if ADDRESS in asked:
        values |= {"address": beneficiary.address, "postcode": beneficiary.postcode, "city": beneficiary.city}
    if PHONE in asked:
        values["phone"] = beneficiary.phone
    if NOTES in asked:
        values |= {"access_notes": beneficiary.access_notes, "practical_tips": beneficiary.practical_tips}
    return PrivateDetails(parts=asked, **values)
