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

`parts_allowed` asks it for one person; `with_parts_allowed` asks it in the same query as a
list's rows (each leading to a person), read back with `parts_allowed_for`: the same four
pieces (_memberships, _visiting, _delivering, _parts) decide both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Value
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


def _memberships(by):
    """Where `by` is staff: their association memberships."""
    return Membership.objects.filter(user_id=by.pk)


def _visiting(by):
    """Whom `by` visits: their ACTIVE matches (not proposed, accepted, paused or ended)."""
    return Match.objects.filter(volunteer__user_id=by.pk, status=Match.Status.ACTIVE)


def _delivering(by):
    """Whom `by`'s home-care service goes to: APA plans in force today that it delivers."""
    # Read across associations on purpose: the plan belongs to the person's association, the
    # reader works for the service; filtered by the reader's own memberships of the service.
    with scopes_disabled("a home-care service's own plans of this person"):
        return ApaPlan.objects.filter(ApaPlan.in_force_on(timezone.localdate()), service__memberships__user_id=by.pk)


def _parts(*, by, member: bool, visiting: bool, delivering: bool) -> frozenset[str]:
    if by.is_staff or member:
        return STAFF_PARTS
    if visiting:
        return VISITOR_PARTS
    return HOME_CARE_PARTS if delivering else frozenset()


def parts_allowed(by, beneficiary: Beneficiary) -> frozenset[str]:
    """The parts of the person's file `by` may see now (empty: none)."""
    if by is None or not by.is_authenticated:
        return frozenset()
    if by.is_staff:
        return STAFF_PARTS
    member = _memberships(by).filter(association_id=beneficiary.association_id).exists()
    visiting = not member and _visiting(by).filter(mission__beneficiary_id=beneficiary.pk).exists()
    delivering = not (member or visiting) and _delivering(by).filter(beneficiary_id=beneficiary.pk).exists()
    return _parts(by=by, member=member, visiting=visiting, delivering=delivering)


# The annotations with_parts_allowed adds: a caller reading rows with values_list names them all.
ANNOTATIONS = ("disclosure_member", "disclosure_visiting", "disclosure_delivering")


def with_parts_allowed(queryset: QuerySet, by, *, beneficiary: str) -> QuerySet:
    """The same rule as parts_allowed, in bulk: `queryset`'s rows, which lead to a person
    through the lookup path `beneficiary` (e.g. "match__mission__beneficiary"), annotated in
    the same query so that `parts_allowed_for(row, by)` reads what `by` may see of each row's
    person. A list asks once for all its rows rather than twice per person."""
    if by is None or not by.is_authenticated:
        return queryset.annotate(
            disclosure_member=Value(False), disclosure_visiting=Value(False), disclosure_delivering=Value(False)
        )
    association = OuterRef(f"{beneficiary}__association_id")
    person = OuterRef(f"{beneficiary}_id")
    return queryset.annotate(
        disclosure_member=Exists(_memberships(by).filter(association_id=association)),
        disclosure_visiting=Exists(_visiting(by).filter(mission__beneficiary_id=person)),
        disclosure_delivering=Exists(_delivering(by).filter(beneficiary_id=person)),
    )


def parts_allowed_for(row, by) -> frozenset[str]:
    """What `by` may see of the person of a row read through with_parts_allowed."""
    if by is None or not by.is_authenticated:
        return frozenset()
    return _parts(
        by=by,
        member=row.disclosure_member,
        visiting=row.disclosure_visiting,
        delivering=row.disclosure_delivering,
    )


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
