"""What the referrer hears back, and nothing more: the one home of the minimum dataset.

The referrer has no account; messages go through the outbox to the partner's secure address
(or, from the public form, to the address the referrer gave), always in French (the issue asks
it: the referrer's language is not known). Following the PRSB Social Prescribing Information
Standard's message back to the referrer, a message may carry the referral's reference and date,
the person's initials, the milestone, the support offered and the outcome — and only when the
person (or whoever holds consent) agreed, the support and the outcome. Never the volunteer's
identity, never anyone's notes: the dataset below is built field by field from the referral's
own choice columns, so no free text can slip in.
"""

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind
from liens.notify import notify_address
from missions.models import Referral

from . import lifecycle

LANGUAGE = "fr"

# The support offered, as the referrer reads it: (kind, weekly) → wording.
SUPPORT_WORDING = {
    (VisitKind.HOME_VISIT, True): _("Weekly visits at home by a volunteer of the association"),
    (VisitKind.HOME_VISIT, False): _("Visits at home by a volunteer of the association"),
    (VisitKind.PHONE_CALL, True): _("A weekly phone call from a volunteer of the association"),
    (VisitKind.PHONE_CALL, False): _("Phone calls from a volunteer of the association"),
    (VisitKind.OUTING, True): _("A weekly outing with a volunteer of the association"),
    (VisitKind.OUTING, False): _("Outings with a volunteer of the association"),
    (VisitKind.GROUP_EVENT, True): _("A weekly group activity run by the association"),
    (VisitKind.GROUP_EVENT, False): _("Group activities run by the association"),
}


def reference(referral: Referral) -> str:
    return f"R-{referral.pk}"


def referrer_address(referral: Referral) -> str:
    """Where news of this referral goes: the partner's secure address, else the one the referrer
    typed on the public form; empty when there is none."""
    partner = referral.partner
    if partner is not None and partner.kind != partner.Kind.PUBLIC:
        return partner.email if partner.active else ""
    return referral.referrer_email


def sharing_consented(referral: Referral) -> bool:
    """Whether the person (or whoever holds their consent) agreed, so that what is offered and
    how it ended may be told: said on the referral, or recorded on the person's file since."""
    if referral.consent in (Referral.Consent.GIVEN, Referral.Consent.HELD):
        return True
    return bool(referral.beneficiary_id and referral.beneficiary.consent_by)


def support_offered(referral: Referral) -> str:
    wording = SUPPORT_WORDING.get((referral.support_kind, referral.support_weekly))
    return str(wording) if wording else ""


def minimum_dataset(referral: Referral, milestone: str) -> dict:
    """Everything a message to the referrer may say about `referral` at `milestone`, as plain
    strings in the active language; the templates read nothing else."""
    consented = sharing_consented(referral)
    data = {
        "milestone": milestone,
        "reference": reference(referral),
        "referred_on": formats.date_format(timezone.localtime(referral.received_at), "j F Y"),
        "initials": f"{referral.first_name[:1]}. {referral.last_name[:1]}.".upper(),
        "association": referral.association.name,
        "association_email": referral.association.contact_email,
        "association_phone": referral.association.contact_phone,
        "consented": consented,
        "support": "",
        "outcome": "",
    }
    if consented and milestone in ("first_visit", "closed"):
        data["support"] = support_offered(referral)
    if consented and milestone == "closed":
        data["outcome"] = str(referral.get_outcome_display())
    if consented and milestone == "declined":
        data["outcome"] = str(referral.get_decline_reason_display())
    return data


def referrer_tell(referral: Referral, milestone: str) -> int:
    """Write the message of `milestone` to the referrer in the outbox (email, French); nothing
    when there is no address. Idempotent: one message per referral and milestone (dedup key)."""
    address = referrer_address(referral)
    if not address:
        return 0
    with translation.override(LANGUAGE):
        context = {"referral": minimum_dataset(referral, milestone)}
    rows = notify_address(
        to_address=address,
        kind=f"referral_{milestone}",
        context=context,
        dedup_key=f"referral:{referral.pk}:{milestone}",
        language=LANGUAGE,
    )
    return len(rows)


MILESTONES = (lifecycle.ACKNOWLEDGED, *lifecycle.TOLD_AT.values())
