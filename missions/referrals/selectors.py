"""Reads about partners and referrals: the inbox, one referral's page, the home's count, the
partners page, and the one rule of what makes a likely duplicate."""

import re
import unicodedata

from django.db.models import Count, Q, QuerySet

from liens.lib.compiled import Reading, compiled, totals
from missions.models import Association, Beneficiary, Partner, Referral

from . import lifecycle

OPEN_STATUSES = tuple(status for status, targets in lifecycle.ALLOWED.items() if targets)


def _name_key(value: str) -> str:
    """A name compared as people write it: no accents, case, spaces, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def _phone_key(value: str) -> str:
    """A French phone number's last nine digits: "+33 6 12..." and "06 12..." compare equal."""
    return re.sub(r"\D", "", value or "")[-9:]


def possible_duplicate(referral: Referral) -> Beneficiary | None:
    """A person the association already follows who is likely the one referred: same first and
    last name (accents, case and hyphens aside) and the same phone or postcode. The one rule.

    The database narrows to the association's people with the same postcode or the same last
    name as typed (an index-friendly filter); names and phones are then compared normalised,
    which the database cannot do portably. Bounded: a referral is one row, at receipt."""
    first, last = _name_key(referral.first_name), _name_key(referral.last_name)
    phone = _phone_key(referral.phone)
    candidates = (
        Beneficiary.objects.filter(association_id=referral.association_id, erased_at__isnull=True)
        .filter(Q(postcode=referral.postcode) | Q(last_name__iexact=referral.last_name))
        .only("first_name", "last_name", "phone", "postcode")
        .order_by("pk")[:2000]
    )
    for person in candidates:
        if _name_key(person.first_name) != first or _name_key(person.last_name) != last:
            continue
        if person.postcode == referral.postcode or (phone and _phone_key(person.phone) == phone):
            return person
    return None


def referral_inbox(*, association: Association, status: str = "") -> QuerySet:
    """The association's referrals, newest first; open ones unless a status is asked ("all": every one)."""
    rows = Referral.objects.filter(association=association).select_related("partner")
    if status == "all":
        pass
    elif status in Referral.Status.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=OPEN_STATUSES)
    return rows.order_by("-received_at", "-pk")


def referral_for_page(*, pk: int) -> Referral:
    """One referral with what its page shows, in one query (the staff scope filters it)."""
    return Referral.objects.select_related("partner", "beneficiary", "possible_duplicate", "association").get(pk=pk)


def referral_counts_reading(*, association: Association) -> Reading:
    """The referrals waiting for a first look, and all open ones: one aggregate query (read with
    the association home's others by liens.lib.compiled.together)."""
    return _referral_counts.later(association=association.pk).then(lambda rows: rows[0])


@compiled(association=int)
def _referral_counts(*, association: int):
    """Asked by the association home at every visit: compiled once (liens.lib.compiled)."""
    return totals(
        Referral.objects.filter(association=association),
        new=Count("pk", filter=Q(status=Referral.Status.RECEIVED)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )


def partner_list(*, association: Association) -> QuerySet:
    """The association's partners, active first, each with how many referrals it sent."""
    return (
        Partner.objects.filter(association=association)
        .annotate(referral_count=Count("referrals"))
        .order_by("-active", "kind", "name", "pk")
    )
