"""Isolation alerts raised when a beneficiary is left without contact, and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager

from .. import deadline
from .associations import Association
from .beneficiaries import Beneficiary
from .visits import VisitReport


class IsolationAlert(ChoiceLabels, models.Model):
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
    # The lien-social session whose urgent concern raised the alert (missions.liensocial).
    lien_social_session = models.ForeignKey(
        "missions.LienSocialSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        db_index=False,
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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

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
                fields=["lien_social_session"],
                condition=Q(lien_social_session__isnull=False),
                name="alert_lien_social_session",
            ),
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


class ReferralService(models.TextChoices):
    """Outside services an alert can be referred to (a REFERRED event's `data["service"]`)."""

    CCAS = "ccas", _("CCAS (municipal social services)")
    CLIC = "clic", _("CLIC (local information centre for older people)")
    GP = "gp", _("GP")
    EMERGENCY = "emergency", _("Emergency services (15 / 112)")
    FAMILY = "family", _("Family or trusted person")
    OTHER = "other", _("Other service")


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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "alert__association"
    objects = TenantManager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["alert", "at"], name="alert_event_timeline"),
            models.Index(fields=["author"], condition=Q(author__isnull=False), name="alert_event_author"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on alert {self.alert_id}"
