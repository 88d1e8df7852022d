"""The contact ledger: every contact a beneficiary had, whoever recorded it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liens.lib.labels import ChoiceLabels
from liens.scopes import TenantManager
from volunteers.models import Volunteer

from .beneficiaries import Beneficiary
from .visits import Visit


class Contact(ChoiceLabels, models.Model):
    """The contact ledger: every contact with a beneficiary is one row."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Phone call")
        OUTING = "outing", _("Outing")
        GROUP_EVENT = "group_event", _("Group event")
        STAFF_CALL = "staff_call", _("Call from staff")
        FAMILY = "family", _("Reported by family")
        # A paid session of an APA plan's "heures de lien social" (missions.liensocial): a
        # contact like any other for the silence clock, kept apart from volunteer time.
        LIEN_SOCIAL = "lien_social", _("Lien social session (home care)")

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

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "beneficiary__association"
    objects = TenantManager()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # Serves a person's timeline and their last contact: WHERE beneficiary_id = x ORDER BY occurred_at DESC.
            models.Index(fields=["beneficiary", "-occurred_at"], name="contact_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.beneficiary_id} at {self.occurred_at:%Y-%m-%d}"
