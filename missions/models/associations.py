"""Associations and their staff: the association itself, memberships, invitations to join, and
the CSV imports it runs to bring its beneficiaries in."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from liens.scopes import TenantManager

from .. import deadline


class Association(models.Model):
    """A local association. It may prepare data at once but publishes only once validated.

    A home-care service (SAAD) is an organisation of its own kind in the same table: it joins,
    is validated, has staff and is scoped exactly like an association, so all that machinery is
    shared. What differs is what it does: it delivers the paid "heures de lien social" of APA
    plans (missions.liensocial) and never vets volunteers nor posts volunteer missions
    (missions.scoping.home_care_refusal).
    """

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association (volunteers)")
        HOME_CARE = "home_care", _("Home-care service (SAAD)")

    kind = models.CharField(_("kind of organisation"), max_length=12, choices=Kind.choices, default=Kind.ASSOCIATION)
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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "id"
    objects = TenantManager()

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

    @property
    def is_home_care(self) -> bool:
        return self.kind == self.Kind.HOME_CARE

    @property
    def staff_roles(self) -> list[tuple[str, str]]:
        """The roles its staff may hold, as choices: an association has coordinators and
        managers; a home-care service, professionals (who deliver sessions) and managers."""
        Role = Membership.Role
        wanted = (Role.PROFESSIONAL, Role.MANAGER) if self.is_home_care else (Role.COORDINATOR, Role.MANAGER)
        return [(role.value, role.label) for role in wanted]


class Membership(models.Model):
    """A staff member's role in an association."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MANAGER = "manager", _("Manager")
        # A home-care service's intervenant: delivers lien-social sessions, sees only the
        # persons of the service's plans (missions.liensocial).
        PROFESSIONAL = "professional", _("Home-care professional")

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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "association"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.association} ({self.role})"


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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

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
    # How many of `rows` are valid and invalid, counted once at the check: pages polling the
    # job's progress read these and never load `rows`, up to LIENS_IMPORT_MAX_ROWS of them.
    valid_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    valid_only = models.BooleanField(default=False)
    imported_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(condition=Q(processed_rows__lte=F("total_rows")), name="import_progress_range"),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else round(100 * self.processed_rows / self.total_rows)


class ImportedRow(models.Model):
    """One line of an import written as a beneficiary: the dedup key that makes a re-run a no-op."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="imported_rows")
    line = models.PositiveIntegerField()
    beneficiary = models.ForeignKey(
        "missions.Beneficiary", null=True, blank=True, on_delete=models.SET_NULL, related_name="import_rows"
    )

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "job__association"
    objects = TenantManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="imported_row_once")]

    def __str__(self) -> str:
        return f"line {self.line} of import {self.job_id}"
