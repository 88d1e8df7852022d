"""Writes on the volunteer's side of missions: revealing a matched person's contact details
(disclosure.py decides and logs), and ending a leaving volunteer's matches."""

from dataclasses import dataclass

from liens.errors import DomainError
from missions.conversations.services import volunteer_messages_erase
from missions.disclosure import VISITOR_PARTS, private_details
from missions.matching.life import match_end
from missions.models import Match
from missions.permissions import volunteer_self_check
from volunteers.models import Volunteer


def volunteer_matches_end(*, volunteer: Volunteer, by, reason: str) -> None:
    """End every live match of a volunteer who leaves the programme (their future visits are
    cancelled, missions reopen) and erase their conversations. Named by
    settings.LIENS_VOLUNTEER_LEAVING and run inside volunteers.services.volunteer_leave's
    transaction. Idempotent: ended matches are not live."""
    volunteer_self_check(by, volunteer)
    for match in Match.objects.filter(volunteer=volunteer, status__in=Match.LIVE).select_related("mission"):
        match_end(match=match, by=by, reason=reason)
    # Their conversations go with their data: what they wrote, and what staff wrote to them.
    volunteer_messages_erase(volunteer=volunteer)


# --- what a matched volunteer may see -----------------------------------------------------------


@dataclass(frozen=True)
class BeneficiaryContact:
    """The details a volunteer sees only while their match is active."""

    full_name: str
    address: str
    postcode: str
    city: str
    phone: str
    phone_uri: str  # for a tel: link, without spaces
    access_notes: str
    practical_tips: str


def beneficiary_contact_reveal(*, match, volunteer: Volunteer) -> BeneficiaryContact | None:
    """The beneficiary's contact details on this volunteer's match page, or None when they may
    not see them (disclosure.py: only while a match with the person is active).

    Each reveal writes one access-log row (who saw which of whose details, when).
    """
    beneficiary = match.mission.beneficiary
    if match.volunteer_id != volunteer.pk or beneficiary is None:
        return None
    try:
        details = private_details(beneficiary=beneficiary, by=volunteer.user, parts=VISITOR_PARTS)
    except DomainError:
        return None
    return BeneficiaryContact(
        full_name=f"{beneficiary.first_name} {beneficiary.last_name}",
        address=details.address,
        postcode=details.postcode,
        city=details.city,
        phone=details.phone,
        phone_uri="".join(c for c in details.phone if c.isdigit() or c == "+"),
        access_notes=details.access_notes,
        practical_tips=details.practical_tips,
    )
