"""The register of processing ("registre des traitements"): what Liens processes, why, on what
legal basis, who receives it and for how long. Managers read it as the basis of their DPIA.

Retention periods are read from the same settings the retention jobs use, so the register
cannot say one thing while the jobs do another.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Processing:
    name: str
    purpose: str
    data: str
    legal_basis: str
    recipients: str
    retention: str


def _months(period: timedelta) -> str:
    """A period as people say it: "12 months", "2 years", "90 days"."""
    days = period.days
    if days and days % 365 == 0:
        years = days // 365
        if years == 1:
            return ngettext("%(count)d month", "%(count)d months", 12) % {"count": 12}
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def processing_register() -> list[Processing]:
    """The register's entries, in the current language."""
    ended = _months(settings.LIENS_RETENTION_ENDED_BENEFICIARY)
    return [
        Processing(
            name=_("Follow-up of the people visited"),
            purpose=_(
                "Keep isolated older people in regular contact with volunteers: record referrals and "
                "consent, plan visits and calls, notice silences and raise isolation alerts."
            ),
            data=_(
                "Identity, year of birth, address and phone, key contacts, referral and consent, "
                "preferences, mobility and hearing notes, loneliness assessments, contact ledger, "
                "visit reports and concerns, alerts."
            ),
            legal_basis=_(
                "Consent of the person or their legal representative; legitimate interest of the "
                "association for the protection of vulnerable people (urgent concerns)."
            ),
            recipients=_(
                "The association's coordinators and managers; the matched volunteer sees the "
                "address, phone and access notes only while the match is active."
            ),
            retention=_(
                "While the person is followed, then %(period)s after the last contact: the identifying "
                "data is then erased, anonymous counts are kept."
            )
            % {"period": ended},
        ),
        Processing(
            name=_("Volunteers"),
            purpose=_("Sign up, vet and match volunteers; plan their visits; remind them."),
            data=_(
                "Identity, email, phone, postcode and approximate home point, availability, interests, "
                "languages, vetting steps, visits and reports."
            ),
            legal_basis=_("Consent and the volunteering agreement (charter)."),
            recipients=_("The coordinators of the associations the volunteer works with."),
            retention=_(
                "Until the volunteer leaves: their personal data is then erased at once, including "
                "their name in past messages."
            ),
        ),
        Processing(
            name=_("Conversations of matches"),
            purpose=_("Let a volunteer and the association's staff following their match talk it over."),
            data=_("Who wrote, when, and the text of each message; how far each participant has read."),
            legal_basis=_("Performance of the follow-up and of the volunteering agreement."),
            recipients=_("The matched volunteer and the association's coordinators and managers."),
            retention=_(
                "Kept with the match; deleted when the volunteer leaves or when the person's file is "
                "erased (%(period)s after the last contact at the latest)."
            )
            % {"period": ended},
        ),
        Processing(
            name=_("Access log"),
            purpose=_("Know who saw a person's private details, and when, to detect and answer misuse."),
            data=_("Who, whose file, which details, when."),
            legal_basis=_("Legal obligation of security of processing (GDPR article 32)."),
            recipients=_("Platform administrators, read-only."),
            retention=_months(settings.LIENS_RETENTION_ACCESS_LOG),
        ),
        Processing(
            name=_("Notifications"),
            purpose=_("Send reminders, alerts and digests by email and text message."),
            data=_("Recipient, channel, the text of the message."),
            legal_basis=_("Performance of the follow-up and of the volunteering agreement."),
            recipients=_("The recipient; the email and text-message providers, as processors."),
            retention=_("The text of a message is erased %(period)s after it was sent.")
            % {"period": _months(settings.LIENS_RETENTION_SENT_NOTIFICATIONS)},
        ),
        Processing(
            name=_("Imports of referrals"),
            purpose=_("Record many referrals at once from a spreadsheet."),
            data=_("The fields of the people in the file."),
            legal_basis=_("As for the follow-up of the people visited."),
            recipients=_("The association's coordinators and managers."),
            retention=_("The uploaded file is deleted %(period)s after upload.")
            % {"period": _months(settings.LIENS_RETENTION_IMPORT_FILES)},
        ),
    ]
