"""The paid "heures de lien social" of APA plans (décret 2023-1431): a person's plan with a
home-care service, and the sessions its professionals deliver. Kept apart from volunteer time:
their own tables, their own contact kind in the ledger."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.scopes import TenantManager

from .associations import Association
from .beneficiaries import Beneficiary
from .ledger import Contact
from .visits import VisitReport

# The decree's ceiling: up to 9 hours a month added to the APA plan.
MAX_HOURS_PER_MONTH = 9


class ApaPlan(models.Model):
    """A person's hours of lien social per month, delivered by one home-care service.

    Created by the person's association (their coordinator). No two plans of one person overlap
    in time: enforced by missions.liensocial.services.plan_create under a lock on the person's
    row, not by an exclusion constraint, because that needs PostgreSQL's btree_gist and the demo
    runs on SQLite too (see the service)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="apa_plans")
    service = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="apa_plans",
        limit_choices_to={"kind": Association.Kind.HOME_CARE},
        verbose_name=_("home-care service"),
    )
    hours_per_month = models.PositiveSmallIntegerField(_("hours of lien social per month"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Tenant scope (liens.scopes): the person's association owns the plan. The service's staff
    # read plans through missions.liensocial.selectors, filtered by service explicitly.
    tenant_path = "beneficiary__association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("APA plan")
        verbose_name_plural = _("APA plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_month__gte=0) & Q(hours_per_month__lte=MAX_HOURS_PER_MONTH),
                name="apa_plan_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="apa_plan_dates_order"
            ),
        ]
        indexes = [
            # Serves a service's pages and the shortfall job: WHERE service_id = x (plans in force).
            models.Index(fields=["service", "starts_on"], name="apa_plan_service"),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk}: {self.hours_per_month} h/month for {self.beneficiary_id}"

    @staticmethod
    def in_force_on(day) -> Q:
        """The plans in force on `day` (a local date): started, and not ended before it."""
        return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class LienSocialSession(models.Model):
    """One session of lien social delivered by a professional: a contact in the ledger."""

    class Activity(models.TextChoices):
        # The decree's five kinds of activity.
        CREATIVE = "creative", _("Creative leisure")
        GAMES = "games", _("Games")
        CONVERSATION = "conversation", _("Sharing and conversation")
        WELLBEING = "wellbeing", _("Well-being")
        OUTING = "outing", _("Outing and culture")

    plan = models.ForeignKey(ApaPlan, on_delete=models.CASCADE, related_name="sessions")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="lien_social_sessions"
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    activity = models.CharField(_("activity"), max_length=14, choices=Activity.choices)
    # The visit report's scale and concern list: one vocabulary for every worry about a person.
    mood = models.CharField(_("how the person seemed"), max_length=10, choices=VisitReport.Mood.choices)
    concerns = models.JSONField(default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Why the month's plan (or 9 h) was exceeded, when it was; required then (month rules).
    over_plan_reason = models.CharField(_("reason for exceeding the plan"), max_length=300, blank=True)
    contact = models.OneToOneField(Contact, null=True, on_delete=models.SET_NULL, related_name="lien_social_session")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "plan__beneficiary__association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("lien social session")
        verbose_name_plural = _("lien social sessions")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=600), name="lien_social_duration_range"
            ),
        ]
        indexes = [
            # Serves the month figures: WHERE plan_id = x AND starts_at in [month start, next month).
            models.Index(fields=["plan", "starts_at"], name="lien_social_plan_month"),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of plan {self.plan_id} at {self.starts_at:%Y-%m-%d}"

    @property
    def urgent_concerns(self) -> list[str]:
        return [c for c in self.concerns if c in VisitReport.URGENT_CONCERNS]
