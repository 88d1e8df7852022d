"""The people an association looks after: the beneficiary, their key contacts and assessments."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitorPreference
from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager

from .. import deadline
from .associations import Association

# Beneficiary.silent_since as a query expression, for the selectors and the sweep.
SILENT_SINCE = Coalesce("last_contact_at", "followed_since")


class Beneficiary(ChoiceLabels, models.Model):
    """A person the association follows. The most sensitive data in the system."""

    class Status(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    class ReferralSource(models.TextChoices):
        CCAS = "ccas", _("CCAS")
        CLIC = "clic", _("CLIC")
        GP = "gp", _("GP")
        HOSPITAL = "hospital", _("Hospital")
        FAMILY = "family", _("Family")
        NEIGHBOUR = "neighbour", _("Neighbour")
        SELF = "self", _("The person themself")
        LINK_WORKER = "link_worker", _("Social prescribing link worker")
        OTHER = "other", _("Other")

    class ConsentBy(models.TextChoices):
        PERSON = "person", _("The person")
        REPRESENTATIVE = "representative", _("Legal representative")

    # Indexed by beneficiary_in_association (association, id) and beneficiary_assoc_status.
    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="beneficiaries", db_index=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=5)
    city = models.CharField(_("city"), max_length=100)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True)
    practical_tips = models.TextField(_("practical tips"), blank=True)

    referral_source = models.CharField(_("referred by"), max_length=16, choices=ReferralSource.choices)
    referrer_name = models.CharField(_("referrer"), max_length=150, blank=True)
    referrer_contact = models.CharField(_("referrer contact"), max_length=150, blank=True)
    referral_reason = models.TextField(_("reason for referral"), blank=True)
    consent_by = models.CharField(_("consent given by"), max_length=16, choices=ConsentBy.choices, blank=True)
    consent_on = models.DateField(_("consent date"), null=True, blank=True)
    assessed_on = models.DateField(_("assessment visit on"), null=True, blank=True)

    interests = models.JSONField(_("interests"), default=list, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    # When non-empty, a visitor must share at least one of these languages.
    required_languages = models.JSONField(_("visitor must speak one of"), default=list, blank=True)
    visitor_preference = models.CharField(
        _("preferred visitor"), max_length=8, choices=VisitorPreference.choices, default=VisitorPreference.ANY
    )
    best_times = models.CharField(_("best times"), max_length=200, blank=True)
    mobility_notes = models.CharField(_("mobility"), max_length=200, blank=True)
    hearing_notes = models.CharField(_("hearing"), max_length=200, blank=True)
    has_pets = models.BooleanField(_("has pets"), default=False)
    smoker = models.BooleanField(_("smokes at home"), default=False)
    apa_social_hours = models.BooleanField(_("APA plan with social-tie hours"), default=False)

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.INTAKE)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    contact_target_days = models.PositiveSmallIntegerField(_("contact target (days)"), default=7)
    contact_grace_days = models.PositiveSmallIntegerField(_("grace (days)"), default=2)
    # Kept in the same transaction as each Contact row written for this person.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    # The stored deadline the isolation sweep looks at: when this person next needs checking.
    # NULL means nothing is due (not active, paused, or already at the highest severity).
    alert_after = models.DateTimeField(null=True, blank=True)
    # When the association started following the person (activation): a person never
    # contacted has been silent since then, whatever pauses came after (missions.deadline).
    followed_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the person's identifying data was erased (on request, or by the retention job):
    # the row stays, emptied, so visit, contact and alert counts stay whole.
    erased_at = models.DateTimeField(null=True, blank=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        indexes = [
            # Serves the isolation sweep: WHERE alert_after IS NOT NULL AND alert_after <= now
            # ORDER BY alert_after LIMIT n. Rows with nothing due are not in the index at all,
            # so its size follows due-able rows, not the whole population.
            models.Index(fields=["alert_after"], condition=Q(alert_after__isnull=False), name="beneficiary_alert_due"),
            # Serves the association's lists: WHERE association_id = x AND status = y.
            models.Index(fields=["association", "status"], name="beneficiary_assoc_status"),
            # Serves the matching prefilter for volunteers' recommendations (lat/lon box).
            models.Index(fields=["latitude", "longitude"], name="beneficiary_home_box"),
            # Serves the retention job: WHERE status = 'ended' AND erased_at IS NULL AND
            # last_contact_at < cutoff. Only people ended and not yet erased are in it.
            models.Index(
                fields=["last_contact_at"],
                condition=Q(status="ended", erased_at__isnull=True),
                name="beneficiary_ended_to_erase",
            ),
        ]
        constraints = [
            # What rows of other tables copying the person's association point at, so the
            # database holds the copy equal to the person's own (see IsolationAlert).
            models.UniqueConstraint(fields=["association", "id"], name="beneficiary_in_association"),
            # A person followed has a start to their silence, so the sweep always has a deadline.
            models.CheckConstraint(
                condition=Q(status__in=["intake", "ended"]) | Q(followed_since__isnull=False),
                name="beneficiary_followed_has_start",
            ),
            # Without consent the record cannot become active.
            models.CheckConstraint(
                condition=Q(status__in=["intake", "ended"]) | (Q(consent_on__isnull=False) & ~Q(consent_by="")),
                name="beneficiary_active_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(contact_target_days__gte=deadline.TARGET_DAYS_MIN)
                & Q(contact_target_days__lte=deadline.TARGET_DAYS_MAX),
                name="beneficiary_target_range",
            ),
            models.CheckConstraint(
                condition=Q(contact_grace_days__lte=deadline.GRACE_DAYS_MAX), name="beneficiary_grace_range"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="beneficiary_latitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """What a volunteer sees before a match: first name and initial, never the surname."""
        if self.erased_at is not None:
            return f"#{self.pk}"
        return f"{self.first_name} {self.last_name[:1]}."

    @property
    def silent_since(self) -> datetime.datetime | None:
        """When the current silence started: the last contact, or when the person was first
        followed if never contacted (SILENT_SINCE is the same in SQL)."""
        return self.last_contact_at or self.followed_since

    def contact_deadline(self) -> datetime.datetime | None:
        """When silence becomes an alert: last contact (or first followed) + target + grace."""
        return deadline.contact_deadline(
            since=self.silent_since,
            target_days=self.contact_target_days,
            grace_days=self.contact_grace_days,
        )

    def age_band(self, today: datetime.date) -> str:
        if not self.birth_year:
            return ""
        decade = (today.year - self.birth_year) // 10 * 10
        return f"{decade}–{decade + 9}"


class KeyContact(models.Model):
    """Someone to call about a beneficiary: family, GP, trusted person."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("Family")
        GP = "gp", _("GP")
        TRUSTED = "trusted", _("Trusted person")
        CARER = "carer", _("Home carer")
        OTHER = "other", _("Other")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="key_contacts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    relation = models.CharField(_("relation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "beneficiary__association"
    objects = TenantManager()

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Assessment(models.Model):
    """A dated loneliness or social-network score, kept so a trend can be seen."""

    class Scale(models.TextChoices):
        UCLA3 = "ucla3", _("UCLA 3-item loneliness scale")
        LSNS6 = "lsns6", _("Lubben social network scale (LSNS-6)")
        DJG6 = "djg6", _("De Jong Gierveld 6-item scale")
        DIRECT = "direct", _("How often do you feel lonely?")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="assessments")
    scale = models.CharField(max_length=8, choices=Scale.choices)
    answers = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField()
    taken_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "beneficiary__association"
    objects = TenantManager()

    class Meta:
        ordering = ["-taken_on"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=30), name="assessment_score_range")]

    def __str__(self) -> str:
        return f"{self.get_scale_display()}: {self.score} ({self.taken_on})"
