"""A partner's private referral link: found by its selector, checked in constant time, alive
only while the partner is (DESIGN.md: anything a link grants dies with the right behind it)."""

import secrets

from django.urls import reverse

from liens.notify import site_url
from liens.scopes import scopes_disabled
from missions.models import Partner
from missions.models.referrals import LINK_SELECTOR_LENGTH


def partner_for_link(token: str) -> Partner | None:
    """The active partner whose link this is, or None (unknown, tampered, regenerated, deactivated).

    The partner's association comes along: the form names it.
    """
    selector, verifier = token[:LINK_SELECTOR_LENGTH], token[LINK_SELECTOR_LENGTH:]
    if len(selector) != LINK_SELECTOR_LENGTH or not verifier:
        return None
    with scopes_disabled("a public link: the link itself is the right, checked just below"):
        partner = (
            Partner.objects.select_related("association")
            .filter(link_selector=selector, active=True, association__validated_at__isnull=False)
            .first()
        )
    if partner is None or not secrets.compare_digest(partner.link_verifier, verifier):
        return None
    return partner


def referral_link_path(partner: Partner) -> str:
    return reverse("refer:form", args=[partner.link_token])


def referral_link_url(partner: Partner) -> str:
    """The absolute link a partner keeps (or the association prints, for its public form)."""
    return site_url(referral_link_path(partner))
