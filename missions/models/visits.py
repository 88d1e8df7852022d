"""Visits a match schedules, and the report a volunteer writes after each one."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager

from .matching import Match


class Visit(ChoiceLabels, models.Model):
    """One occurrence of a match's schedule, materialised a few weeks ahead."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        MISSED = "missed", _("Missed")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="visits")
    # The local date of the schedule slot this visit fills. It stays put when the visit is
    # moved, so materialising the series again never recreates a moved or cancelled visit.
    occurrence = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "match__mission__association"
    objects = TenantManager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            # Serves the report chaser: WHERE status = 'scheduled' AND ends_at < now.
            models.Index(fields=["ends_at"], condition=Q(status="scheduled"), name="visit_awaiting_report"),
            models.Index(fields=["match", "starts_at"], name="visit_match_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["match", "occurrence"], name="visit_one_per_occurrence"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="visit_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} of match {self.match_id} at {self.starts_at:%Y-%m-%d %H:%M}"


class VisitReport(ChoiceLabels, models.Model):
    """What the volunteer says after a visit, in three taps or fewer."""

    class Mood(models.TextChoices):
        GOOD = "good", _("In good spirits")
        OK = "ok", _("As usual")
        LOW = "low", _("Low")
        WORRYING = "worrying", _("Worrying")

    class Concern(models.TextChoices):
        LONELY = "lonely", _("Feels very lonely")
        MEMORY = "memory", _("Memory troubles")
        HOUSING = "housing", _("Housing problem")
        ADMIN = "admin", _("Paperwork help needed")
        FALL = "fall", _("A fall")
        NO_FOOD = "no_food", _("No food or heating")
        HEALTH = "health", _("Health emergency")
        SUICIDE = "suicide", _("Talk of suicide")
        ABUSE = "abuse", _("Abuse or mistreatment")

    # These raise an urgent alert at once, not at the next sweep.
    URGENT_CONCERNS = frozenset({Concern.FALL, Concern.NO_FOOD, Concern.HEALTH, Concern.SUICIDE, Concern.ABUSE})

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="report")
    happened = models.BooleanField(_("the visit happened"))
    mood = models.CharField(_("how the person seemed"), max_length=10, choices=Mood.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    activities = models.JSONField(default=list, blank=True)
    concerns = models.JSONField(default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "visit__match__mission__association"
    objects = TenantManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=600), name="report_duration_range"
            ),
        ]

    def __str__(self) -> str:
        return f"report on visit {self.visit_id}"

    @property
    def urgent_concerns(self) -> list[str]:
        return [c for c in self.concerns if c in self.URGENT_CONCERNS]
