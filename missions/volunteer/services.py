"""Writes on the volunteer's side of missions: revealing a matched person's contact details
(which is logged), and ending a leaving volunteer's matches."""

from dataclasses import dataclass

from liens.services import sensitive_access_log
from missions.matching.services import match_end
from missions.models import Match
from volunteers.models import Volunteer


def volunteer_matches_end(*, volunteer: Volunteer, by, reason: str) -> None:
    """End every live match of a volunteer who leaves the programme (their future visits are
    cancelled, missions reopen). Named by settings.LIENS_VOLUNTEER_LEAVING and run inside
    volunteers.services.volunteer_leave's transaction. Idempotent: ended matches are not live."""
    for match in Match.objects.filter(volunteer=volunteer, status__in=Match.LIVE).select_related("mission"):
        match_end(match=match, by=by, reason=reason)


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
    """The beneficiary's contact details for an active match of this volunteer, else None.

    Each reveal writes a SensitiveAccess row (who saw whose details, when). Only status
    "active" opens them: a proposal or an accepted match not yet confirmed by the coordinator
    shows no address, and an ended or paused one stops showing it.
    """
    beneficiary = match.mission.beneficiary
    if match.volunteer_id != volunteer.pk or match.status != match.Status.ACTIVE or beneficiary is None:
        return None
    sensitive_access_log(user_id=volunteer.user_id, beneficiary_id=beneficiary.pk, what="address+phone+notes")
    return BeneficiaryContact(
        full_name=f"{beneficiary.first_name} {beneficiary.last_name}",
        address=beneficiary.address,
        postcode=beneficiary.postcode,
        city=beneficiary.city,
        phone=beneficiary.phone,
        phone_uri="".join(c for c in beneficiary.phone if c.isdigit() or c == "+"),
        access_notes=beneficiary.access_notes,
        practical_tips=beneficiary.practical_tips,
    )
