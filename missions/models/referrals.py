"""Referrals that report back: the partners who refer people to an association (a GP practice,
a pharmacy, a CCAS...), each with a private link, and the referrals they send, from receipt to
a first visit or a refusal. What the referrer hears back is decided in missions/referrals/dataset.py."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind
from liens.scopes import TenantManager

from .associations import Association
from .beneficiaries import Beneficiary

# A link is <selector><verifier>: the selector finds the row through its unique index, the
# verifier is then compared in constant time (secrets.compare_digest), so how long a lookup
# takes tells a guesser nothing about the secret part.
LINK_SELECTOR_LENGTH = 12


def new_link_selector() -> str:
    return secrets.token_urlsafe(9)  # 12 characters


def new_link_verifier() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 bits


class Partner(models.Model):
    """Someone who refers people to the association and hears back at milestones, without an
    account: a GP practice, a pharmacy, a CCAS... or the association's public form (kind PUBLIC)
    for the person themself and their family. Each has a private referral link that works only
    while the partner is active: deactivating it, or regenerating the link, kills the old one."""

    class Kind(models.TextChoices):
        GP = "gp", _("GP practice")
        PHARMACY = "pharmacy", _("Pharmacy")
        CCAS = "ccas", _("CCAS (municipal social services)")
        CLIC = "clic", _("CLIC (local information centre for older people)")
        HOSPITAL = "hospital", _("Hospital team")
        OTHER = "other", _("Other partner")
        PUBLIC = "public", _("Public form (the person, family, neighbours)")

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="partners")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    # The secure channel the messages back go to (a practice's secure mail, e.g. MSSanté).
    email = models.EmailField(_("secure email address"), blank=True)
    active = models.BooleanField(default=True)
    link_selector = models.CharField(max_length=LINK_SELECTOR_LENGTH, unique=True, default=new_link_selector)
    link_verifier = models.CharField(max_length=64, default=new_link_verifier)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            # One public form per association: its link is the one printed on leaflets.
            models.UniqueConstraint(
                fields=["association"], condition=Q(kind="public", active=True), name="partner_one_public_form"
            ),
            # A partner hears back by email: every partner but the public form has an address.
            models.CheckConstraint(condition=Q(kind="public") | ~Q(email=""), name="partner_has_email"),
            models.CheckConstraint(condition=Q(active=True) | Q(deactivated_at__isnull=False), name="partner_off_when"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def link_token(self) -> str:
        return f"{self.link_selector}{self.link_verifier}"


class Referral(models.Model):
    """A person referred to the association, and where the referral stands.

    Its life (missions/referrals/lifecycle.py, the one home of the allowed steps): received →
    contacted → assessed → matched → first visit → closed, or declined with a reason. Each
    milestone's time is kept; the referrer hears back at some (missions/referrals/messages.py)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        CONTACTED = "contacted", _("Person contacted")
        ASSESSED = "assessed", _("Needs assessed")
        MATCHED = "matched", _("Volunteer found")
        FIRST_VISIT = "first_visit", _("First visit done")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    class Need(models.TextChoices):
        LONELINESS = "loneliness", _("Loneliness, few visits")
        BEREAVEMENT = "bereavement", _("Recent bereavement")
        HOSPITAL_EXIT = "hospital_exit", _("Back home after hospital")
        MOBILITY = "mobility", _("Rarely goes out")
        LOW_MOOD = "low_mood", _("Low mood")
        CARER = "carer", _("Carer needs a break")
        OUTINGS = "outings", _("Wants outings or activities")
        PHONE = "phone", _("Would like regular phone calls")

    class Consent(models.TextChoices):
        GIVEN = "given", _("The person agrees to be referred")
        HELD = "held", _("Someone else holds consent (legal representative, family)")
        NOT_YET = "not_yet", _("Not asked yet")

    class AgeBand(models.TextChoices):
        UNDER_60 = "under_60", _("Under 60")
        AGE_60_74 = "60_74", _("60 to 74")
        AGE_75_84 = "75_84", _("75 to 84")
        AGE_85_PLUS = "85_plus", _("85 or over")

    class Reach(models.TextChoices):
        PHONE = "phone", _("By phone")
        VISIT = "visit", _("A visit at home")
        THROUGH_REFERRER = "referrer", _("Through me, the referrer")
        THROUGH_FAMILY = "family", _("Through a relative")

    class DeclineReason(models.TextChoices):
        PERSON_REFUSED = "person_refused", _("The person did not wish to be visited")
        UNREACHABLE = "unreachable", _("We could not reach the person")
        OUT_OF_AREA = "out_of_area", _("Outside the area the association covers")
        OTHER_SERVICE = "other_service", _("Another service fits the needs better")
        NO_VOLUNTEER = "no_volunteer", _("No volunteer available for now")
        OTHER = "other", _("Other reason")

    class Outcome(models.TextChoices):
        FOLLOWED = "followed", _("The person is followed by the association")
        ENDED_BY_PERSON = "ended_by_person", _("The person ended the support")
        OTHER_SERVICE = "other_service", _("The person was directed to another service")
        OTHER = "other", _("Other outcome")

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="referrals", db_index=False)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    # Who refers: a professional of the partner, the person, a relative.
    referrer_name = models.CharField(_("your name"), max_length=150)
    referrer_role = models.CharField(_("your role or relationship to the person"), max_length=100, blank=True)
    referrer_email = models.EmailField(_("your email address"), blank=True)
    referrer_phone = models.CharField(_("your phone"), max_length=32, blank=True)
    # Who is referred.
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    reach_by = models.CharField(_("how to reach them"), max_length=10, choices=Reach.choices)
    reach_notes = models.CharField(_("best times, access, who to ask for"), max_length=300, blank=True)
    needs = models.JSONField(_("needs and concerns"), default=list, blank=True)
    needs_text = models.TextField(_("in your words"), blank=True)
    consent = models.CharField(_("consent"), max_length=8, choices=Consent.choices)
    consent_holder = models.CharField(_("who holds consent"), max_length=150, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    # The person it became, once the coordinator opened their file from it.
    beneficiary = models.ForeignKey(
        Beneficiary, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # A person already followed who looks like the one referred (same name, same phone or
    # postcode): shown to the coordinator only, never to the referrer.
    possible_duplicate = models.ForeignKey(
        Beneficiary, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_kind = models.CharField(_("support offered"), max_length=12, choices=VisitKind.choices, blank=True)
    support_weekly = models.BooleanField(_("every week"), default=False)
    decline_reason = models.CharField(_("reason"), max_length=16, choices=DeclineReason.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    # The coordinators' own notes: never in a message to the referrer.
    staff_notes = models.TextField(_("notes (staff only)"), blank=True)

    received_at = models.DateTimeField()
    contacted_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    first_visit_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # Serves the inbox and the home's count: WHERE association_id = x [AND status = y]
            # ORDER BY received_at DESC.
            models.Index(fields=["association", "status", "-received_at"], name="referral_inbox"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="referral_declined_has_reason"
            ),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(outcome=""), name="referral_closed_has_outcome"),
            models.CheckConstraint(
                condition=~Q(consent="held") | ~Q(consent_holder=""), name="referral_consent_holder_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.DECLINED)
