"""The demand side: associations and staff, beneficiaries, missions, matches, visits, the
contact ledger and isolation alerts.

One module per area; every model is re-exported here so `from missions.models import X` and
the migrations' references (e.g. `missions.models.new_invitation_token`) keep working."""

from .alerts import AlertEvent, IsolationAlert, ReferralService
from .associations import Association, ImportedRow, ImportJob, Invitation, Membership, new_invitation_token
from .beneficiaries import Assessment, Beneficiary, KeyContact
from .conversations import ConversationRead, Message
from .ledger import Contact
from .liensocial import ApaPlan, LienSocialSession
from .matching import Match, VettingRecord
from .missions import Mission
from .referrals import Partner, Referral
from .visits import Visit, VisitReport

__all__ = [
    "AlertEvent",
    "ApaPlan",
    "Assessment",
    "Association",
    "Beneficiary",
    "Contact",
    "ConversationRead",
    "ImportJob",
    "ImportedRow",
    "Invitation",
    "IsolationAlert",
    "KeyContact",
    "LienSocialSession",
    "Match",
    "Membership",
    "Message",
    "Mission",
    "Partner",
    "Referral",
    "ReferralService",
    "Visit",
    "VisitReport",
    "VettingRecord",
    "new_invitation_token",
]
