"""The demand side: associations and staff, beneficiaries, missions, matches, visits, the
contact ledger and isolation alerts."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind, VisitorPreference
from volunteers.models import Volunteer

from . import deadline


class Association(models.Model):
    """A local association. It may prepare data at once but publishes only once validated."""

    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=80, default="Association loi 1901")
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    rna = models.CharField(_("RNA number"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=5)
    city = models.CharField(_("city"), max_length=100)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    territory = models.CharField(_("territory"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Paris")
    default_contact_target_days = models.PositiveSmallIntegerField(
        _("default contact target (days)"), default=settings.LIENS_DEFAULT_CONTACT_TARGET_DAYS
    )
    default_contact_grace_days = models.PositiveSmallIntegerField(
        _("default grace (days)"), default=settings.LIENS_DEFAULT_CONTACT_GRACE_DAYS
    )
    # Per-association tuning (matching weights, reminder hours); code holds the defaults.
    preferences = models.JSONField(default=dict, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        constraints = [
            models.CheckConstraint(condition=~Q(siret="") | ~Q(rna=""), name="association_has_siret_or_rna"),
            models.CheckConstraint(
                condition=Q(default_contact_target_days__gte=deadline.TARGET_DAYS_MIN)
                & Q(default_contact_target_days__lte=deadline.TARGET_DAYS_MAX),
                name="association_target_range",
            ),
            models.CheckConstraint(
                condition=Q(default_contact_grace_days__lte=deadline.GRACE_DAYS_MAX), name="association_grace_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None


class Membership(models.Model):
    """A staff member's role in an association."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MANAGER = "manager", _("Manager")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.COORDINATOR)

    class DigestMode(models.TextChoices):
        DAILY = "daily", _("One summary each morning")
        REALTIME = "realtime", _("Each event at once, and the morning summary")

    # How this staff member hears about visits needing attention (missions.visits.digest).
    digest_mode = models.CharField(
        _("what needs attention"), max_length=10, choices=DigestMode.choices, default=DigestMode.DAILY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "association"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.association} ({self.role})"


class Beneficiary(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the person's identifying data was erased (on request, or by the retention job):
    # the row stays, emptied, so visit, contact and alert counts stay whole.
    erased_at = models.DateTimeField(null=True, blank=True)

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

    def contact_deadline(self) -> datetime.datetime | None:
        """When silence becomes an alert: last contact (or intake) + target + grace."""
        return deadline.contact_deadline(
            since=self.last_contact_at or self.created_at,
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

    class Meta:
        ordering = ["-taken_on"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=30), name="assessment_score_range")]

    def __str__(self) -> str:
        return f"{self.get_scale_display()}: {self.score} ({self.taken_on})"


class Mission(models.Model):
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


class Match(models.Model):
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


class Visit(models.Model):
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


class VisitReport(models.Model):
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


class Contact(models.Model):
    """The contact ledger: every contact with a beneficiary is one row."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Phone call")
        OUTING = "outing", _("Outing")
        GROUP_EVENT = "group_event", _("Group event")
        STAFF_CALL = "staff_call", _("Call from staff")
        FAMILY = "family", _("Reported by family")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    # A visit is written to the ledger once, when reported or confirmed.
    visit = models.OneToOneField(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact")
    # Kept when a volunteer leaves: their user is erased, the anonymised history stays.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # Serves a person's timeline and their last contact: WHERE beneficiary_id = x ORDER BY occurred_at DESC.
            models.Index(fields=["beneficiary", "-occurred_at"], name="contact_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.beneficiary_id} at {self.occurred_at:%Y-%m-%d}"


class IsolationAlert(models.Model):
    """A beneficiary who needs a coordinator's attention."""

    class Kind(models.TextChoices):
        NO_CONTACT = "no_contact", _("No contact")
        URGENT_CONCERN = "urgent_concern", _("Urgent concern")
        MISSED_VISITS = "missed_visits", _("Missed visits")

    class Severity(models.IntegerChoices):
        LATE = deadline.LATE, _("Late")
        OVERDUE = deadline.OVERDUE, _("Overdue")
        CRITICAL = deadline.CRITICAL, _("Critical")
        URGENT = 4, _("Urgent")

    # Copied from the beneficiary so the review queue filters on one table. Who may see an alert
    # follows this copy, so on PostgreSQL one foreign key on the pair (association, beneficiary)
    # to the person's (association, id) holds it equal to the person's association; it stands
    # for the two single-column keys Django would make (see migration 0006), which also halves
    # the key checks each of the sweep's inserted alerts costs.
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="alerts", db_constraint=False)
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="alerts", db_constraint=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.LATE)
    # When the condition began (for no-contact: last contact + target + grace), and when raised.
    started_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    # The optional links below are indexed only where set (see Meta): the sweep inserts thousands
    # of alerts at once with all of them empty, and a full index on each would be written for nothing.
    report = models.ForeignKey(
        VisitReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", db_index=False
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_alerts",
        db_index=False,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Stored deadline for the escalation job; NULL once acknowledged or resolved.
    escalate_after = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("isolation alert")
        verbose_name_plural = _("isolation alerts")
        indexes = [
            # Serves the review queue: WHERE association_id = x AND resolved_at IS NULL
            # ORDER BY severity DESC, raised_at.
            models.Index(
                fields=["association", "-severity", "raised_at"],
                condition=Q(resolved_at__isnull=True),
                name="alert_open_queue",
            ),
            # Serves the escalation job: WHERE escalate_after <= now (unacknowledged, unresolved only).
            models.Index(
                fields=["escalate_after"], condition=Q(escalate_after__isnull=False), name="alert_escalation_due"
            ),
            # Serve "my assigned alerts" and the SET NULL lookups when a report or a user is deleted.
            models.Index(fields=["assigned_to"], condition=Q(assigned_to__isnull=False), name="alert_assigned_to"),
            models.Index(fields=["report"], condition=Q(report__isnull=False), name="alert_report"),
            models.Index(
                fields=["acknowledged_by"], condition=Q(acknowledged_by__isnull=False), name="alert_acknowledged_by"
            ),
            models.Index(fields=["resolved_by"], condition=Q(resolved_by__isnull=False), name="alert_resolved_by"),
        ]
        constraints = [
            # One open alert per beneficiary and kind: a rising severity is an event, not a new alert.
            models.UniqueConstraint(
                fields=["beneficiary", "kind"], condition=Q(resolved_at__isnull=True), name="alert_one_open_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(escalate_after__isnull=True),
                name="alert_resolved_not_escalating",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.beneficiary} ({self.get_severity_display()})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AlertEvent(models.Model):
    """One step on an alert's timeline, with author and time.

    The raising itself is not stored: the alert row records it (raised_at, kind, its report and
    so its author, and the severity at raise, which a later rise keeps as its "from"), and the
    timeline's first line is made from it (selectors.alert_raised_line). The sweep raises
    alerts by the thousand; a second row per alert would double what it writes for nothing."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")  # the line made from the alert row, never stored
        SEVERITY = "severity", _("Severity rose")
        ESCALATED = "escalated", _("Escalated")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        CALL = "call", _("Call logged")
        REFERRED = "referred", _("Referred to an outside service")
        RESOLVED = "resolved", _("Resolved")

    # Looked up through alert_event_timeline, whose first column is the alert: no index of its own.
    alert = models.ForeignKey(IsolationAlert, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    at = models.DateTimeField()
    # Empty on the sweep's events; indexed only where set (the SET NULL lookup when a user goes).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["alert", "at"], name="alert_event_timeline"),
            models.Index(fields=["author"], condition=Q(author__isnull=False), name="alert_event_author"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on alert {self.alert_id}"


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


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A manager's invitation for someone to join the association's staff, accepted once."""

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=12, choices=Membership.Role.choices, default=Membership.Role.COORDINATOR
    )
    # Random and unique; the link sent by email carries it signed, so a tampered link fails
    # before any database lookup.
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # Inviting the same address twice refreshes the pending invitation instead of adding one.
            models.UniqueConstraint(
                fields=["association", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.association} ({self.role})"


class ImportJob(models.Model):
    """A spreadsheet of beneficiaries being checked, then imported, row by row."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=200)
    # The uploaded file itself, kept in the database so that a worker on another machine reads
    # it without shared storage; its size is capped by LIENS_IMPORT_MAX_BYTES.
    content = models.BinaryField()
    # When the uploaded file and its parsed rows were deleted (retention, or a person's erasure).
    file_purged_at = models.DateTimeField(null=True, blank=True)
    # The uploader's language: the row-by-row report is written in it, even by a worker.
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    # Rows handled so far in the current phase (checking, then importing): the progress bar.
    processed_rows = models.PositiveIntegerField(default=0)
    # Normalised rows once checked: [{"line": 2, "data": {...}, "valid": true}, ...].
    rows = models.JSONField(default=list, blank=True)
    # [{"line": 3, "field": "postcode", "message": "..."}], in `language`.
    report = models.JSONField(default=list, blank=True)
    valid_only = models.BooleanField(default=False)
    imported_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(condition=Q(processed_rows__lte=F("total_rows")), name="import_progress_range"),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.filename} ({self.status})"

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.rows if row.get("valid"))

    @property
    def invalid_count(self) -> int:
        return sum(1 for row in self.rows if not row.get("valid"))

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else round(100 * self.processed_rows / self.total_rows)


class ImportedRow(models.Model):
    """One line of an import written as a beneficiary: the dedup key that makes a re-run a no-op."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="imported_rows")
    line = models.PositiveIntegerField()
    beneficiary = models.ForeignKey(
        Beneficiary, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_rows"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="imported_row_once")]

    def __str__(self) -> str:
        return f"line {self.line} of import {self.job_id}"
