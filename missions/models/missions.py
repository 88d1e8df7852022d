"""The missions an association publishes for volunteers."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind
from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager

from .associations import Association
from .beneficiaries import Beneficiary


class Mission(ChoiceLabels, models.Model):
    """A need posted by an association: who, what kind, when, how many volunteers."""

    class Recurrence(models.TextChoices):
        ONE_OFF = "one_off", _("One-off")
        WEEKLY = "weekly", _("Weekly")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")

    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="missions")
    beneficiary = models.ForeignKey(
        Beneficiary, null=True, blank=True, on_delete=models.PROTECT, related_name="missions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=VisitKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    recurrence = models.CharField(_("schedule"), max_length=8, choices=Recurrence.choices)
    # One-off: the moment it starts (UTC). Weekly: weekday and local time in the association's zone.
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True)
    local_time = models.TimeField(_("time"), null=True, blank=True)
    first_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    volunteers_needed = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    # For group events with no beneficiary: where it takes place.
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        indexes = [
            # Serves open-mission lists and batch proposals: WHERE status = 'open' [AND association_id = x].
            models.Index(fields=["association"], condition=Q(status="open"), name="mission_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="group_event") & Q(beneficiary__isnull=True))
                | (~Q(kind="group_event") & Q(beneficiary__isnull=False)),
                name="mission_beneficiary_unless_group",
            ),
            models.CheckConstraint(
                condition=(Q(recurrence="one_off") & Q(starts_at__isnull=False))
                | (Q(recurrence="weekly") & Q(weekday__isnull=False) & Q(local_time__isnull=False)),
                name="mission_schedule_complete",
            ),
            models.CheckConstraint(condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="mission_weekday_range"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=10) & Q(duration_minutes__lte=600), name="mission_duration_range"
            ),
            models.CheckConstraint(
                condition=Q(volunteers_needed__gte=1) & Q(volunteers_needed__lte=50), name="mission_needed_range"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(first_date__isnull=True) | Q(end_date__gte=F("first_date")),
                name="mission_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title
