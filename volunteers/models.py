"""The supply side: volunteer profiles, their weekly availability and their vetting."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.choices import IN_PERSON_KINDS, Gender


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Volunteer(models.Model):
    """A volunteer's profile, one per user. The home point is private: never shown to anyone."""

    class Vetting(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer")
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.OTHER)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5)
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    travel_radius_km = models.DecimalField(_("travel radius (km)"), max_digits=4, decimal_places=1, default=3)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    visit_kinds = models.JSONField(_("visit kinds accepted"), default=list, blank=True)
    max_commitments = models.PositiveSmallIntegerField(_("commitments at most"), default=2)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)

    vetting_state = models.CharField(max_length=10, choices=Vetting.choices, default=Vetting.PENDING)
    interview_on = models.DateField(_("interview on"), null=True, blank=True)
    training_on = models.DateField(_("training on"), null=True, blank=True)
    # The background check is an attestation recorded by staff; no document is ever stored.
    background_check_on = models.DateField(_("background check verified on"), null=True, blank=True)
    background_check_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    charter_accepted_at = models.DateTimeField(_("charter accepted at"), null=True, blank=True)
    data_consent_at = models.DateTimeField(_("data-protection consent at"), null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    # How the volunteer is reached is the person's choice of channels per group of messages,
    # User.notify_channels (liens/notify.py); the quiet hours are the volunteer's own.
    quiet_from = models.TimeField(_("quiet hours from"), default=datetime.time(21, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=datetime.time(8, 0))

    # Profile wizard steps the volunteer has saved, so they can stop and come back later.
    profile_steps_done = models.JSONField(default=list, blank=True)

    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    left_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            # Serves the matching prefilter (missions.matching): latitude BETWEEN a AND b AND
            # longitude BETWEEN c AND d among volunteers who have not left. On PostgreSQL it
            # holds every column the suggestion prefilter reads, so among a million volunteers
            # a city's box is judged from the index alone, without a visit to each row.
            models.Index(
                fields=["latitude", "longitude"],
                include=["travel_radius_km", "vetting_state", "paused_until", "gender", "id"],
                condition=Q(left_at__isnull=True),
                name="volunteer_home_reach",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(travel_radius_km__gt=0) & Q(travel_radius_km__lte=100), name="volunteer_radius_range"
            ),
            models.CheckConstraint(
                condition=Q(max_commitments__gte=1) & Q(max_commitments__lte=10), name="volunteer_commitments_range"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="volunteer_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="volunteer_longitude_range",
            ),
            models.CheckConstraint(
                condition=~Q(vetting_state="approved") | Q(approved_at__isnull=False),
                name="volunteer_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def is_paused(self, on: datetime.date) -> bool:
        return self.paused_until is not None and self.paused_until >= on

    def may_take(self, kind: str) -> bool:
        """Whether vetting allows this kind: in-person kinds need an approved volunteer."""
        if self.vetting_state == self.Vetting.REJECTED:
            return False
        return kind not in IN_PERSON_KINDS or self.vetting_state == self.Vetting.APPROVED


class AvailabilitySlot(models.Model):
    """A weekly time range when the volunteer is free, in the association's local time."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday, as datetime.weekday()
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        indexes = [
            # Serves the matching prefilter (missions.matching): WHERE weekday = w AND start <= t
            # AND end >= t + duration, answered from the index alone (volunteer ids included).
            models.Index(fields=["weekday", "start", "end", "volunteer"], name="slot_free_at"),
            # Serves the suggestion prefilter's probe, one per volunteer near the mission: does
            # this volunteer have a slot holding the visit? Answered from the index alone.
            models.Index(fields=["volunteer", "weekday", "start", "end"], name="slot_of_volunteer_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="slot_weekday_range"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="slot_start_before_end"),
            models.UniqueConstraint(fields=["volunteer", "weekday", "start"], name="slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"
