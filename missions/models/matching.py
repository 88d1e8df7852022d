"""A volunteer matched to a mission, and the vetting steps that clear a volunteer to be matched."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager
from volunteers.models import Volunteer

from .associations import Association
from .missions import Mission


class Match(ChoiceLabels, models.Model):
    """A volunteer on a mission, from proposal to end."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    LIVE = (Status.PROPOSED, Status.ACCEPTED, Status.ACTIVE, Status.PAUSED)
    # A paused match suspends what it grants: its scheduled visits keep their rows, so resuming
    # brings them back, but meanwhile no "I can't come" link, calendar entry or reminder stands.
    SUSPENDED = (Status.PAUSED,)

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="matches")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="matches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Named score parts at proposal time, e.g. {"distance": 0.8, "interests": 0.5}.
    score = models.FloatField(default=0)
    score_parts = models.JSONField(default=dict, blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    introduced_on = models.DateField(_("introduction visit on"), null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Matching lifecycle. Declined and expired proposals also fill ended_at,
    # ended_by and end_reason: who closed it, when, and why.
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    last_review_on = models.DateField(_("last review on"), null=True, blank=True)
    # A stand-in while the regular visitor is away: the match it covers, and until when.
    covers = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="cover_matches")
    cover_until = models.DateField(_("covering until"), null=True, blank=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "mission__association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        indexes = [
            # Serves "what does this volunteer have going on": WHERE volunteer_id = x AND status IN live.
            models.Index(fields=["volunteer", "status"], name="match_volunteer_status"),
            # Serves the reviews-due list: WHERE status = 'active' AND next_review_on <= day.
            models.Index(fields=["next_review_on"], condition=Q(status="active"), name="match_review_due"),
            # Serves the expiry job: WHERE status = 'proposed' AND proposed_at < cutoff.
            models.Index(fields=["proposed_at"], condition=Q(status="proposed"), name="match_proposed_age"),
        ]
        constraints = [
            # One live match per volunteer and mission; ended and declined ones are history.
            models.UniqueConstraint(
                fields=["volunteer", "mission"],
                condition=Q(status__in=["proposed", "accepted", "active", "paused"]),
                name="match_one_live_per_volunteer_mission",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(ended_at__isnull=False), name="match_ended_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "expired"]) | Q(ended_at__isnull=False),
                name="match_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(covers__isnull=True) | Q(cover_until__isnull=False), name="match_cover_has_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.mission} ({self.status})"

    @property
    def is_suspended(self) -> bool:
        """Paused: its visits stay on the books but grant nothing (see SUSPENDED)."""
        return self.status in self.SUSPENDED


class VettingRecord(models.Model):
    """Which association recorded a vetting step, by whom and when: the trace behind a date on
    the volunteer's profile (Volunteer.interview_on, training_on, background_check_on).

    A step stays valid platform-wide, whoever recorded it; this row says who vouched for it.
    Append-only: recording a step again adds a row, and the latest one names who vouches now.
    """

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="vetting_records")
    step = models.CharField(max_length=20)
    done_on = models.DateField()
    association = models.ForeignKey(Association, null=True, on_delete=models.SET_NULL, related_name="vetting_records")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vetting record")
        verbose_name_plural = _("vetting records")
        indexes = [
            # Serves the desk's "latest record per step" of the volunteers shown.
            models.Index(fields=["volunteer", "step", "-recorded_at"], name="vetting_record_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.step} of volunteer {self.volunteer_id} on {self.done_on}"
