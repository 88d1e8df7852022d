"""Cross-cutting models: the user, the notification outbox, job heartbeats, access log."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address.

    Roles come from relations: a Volunteer profile, Memberships in associations, and
    is_staff for platform admins and territory referents.
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    is_staff = models.BooleanField(_("platform admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # API tokens issued before this instant are refused (liens.accounts.tokens); sessions need
    # no such field, Django's session hash already changes with the password.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)
    # The channels the person chose for each group of messages ({"reminders": ["push", "email"]});
    # a group left out follows the defaults. Read only by liens.notify.default_channels.
    notify_channels = models.JSONField(_("channels by kind of message"), default=dict, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def set_password(self, raw_password) -> None:
        # Every path that changes a password (allauth's change and reset, the admin, the
        # changepassword command) goes through here, so the stamp cannot be forgotten.
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Notification(models.Model):
    """One message in the outbox. Nothing is sent except through a row of this table."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        PUSH = "push", _("Web push")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # A user of the site, or, for someone without an account (a partner who referred a person),
    # an email address only: one of the two is set (notification_has_recipient).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    to_address = models.EmailField(blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=48)
    due_at = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A stable key per logical message (e.g. "visit:42:reminder-eve:sms"): the unique
    # constraint makes writing the same reminder twice a no-op instead of a second message.
    dedup_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Serves the dispatcher: WHERE status = 'pending' AND due_at <= now ORDER BY due_at.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="notification_due"),
            # Serves the stuck-row sweeper: WHERE status = 'sending' AND claimed_at < cutoff.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="notification_in_flight"),
            # Serves the retention job: WHERE status IN (sent, failed, cancelled) AND body_text <> ''
            # AND created_at < cutoff. Purged rows leave the index.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["sent", "failed", "cancelled"]) & ~Q(body_text=""),
                name="notification_to_purge",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(to_address=""), name="notification_has_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.to_address} ({self.channel}, {self.status})"


class PushSubscription(models.Model):
    """One browser, on one device, where its user receives web push messages.

    The endpoint is the push service's address for that browser (unique: a browser has one
    whoever signs in on it, so it belongs to whoever subscribed last); p256dh and auth are the
    keys each message is encrypted for. The push service answering 404 or 410 means the
    browser dropped it, and the row goes (liens.outbox.channels.PushChannel)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    # What the person sees in their list of devices ("Chrome on Android"), from the user agent.
    device = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("added on"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        indexes = [
            # Serves the devices list and the dispatcher's batch read: WHERE user_id IN (...).
            models.Index(fields=["user", "created_at"], name="push_subscription_user"),
        ]

    def __str__(self) -> str:
        return f"{self.device or 'device'} of {self.user_id}"


class JobHeartbeat(models.Model):
    """Last time a periodic job ran to completion; /healthz reports it."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class SensitiveAccess(models.Model):
    """Who was shown a person's private details, and when: the one access log.

    Written only by liens.services.sensitive_access_log, never edited; the admin shows it
    read-only, and the retention job deletes rows older than LIENS_RETENTION_ACCESS_LOG."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=64)  # e.g. "beneficiary:17"
    what = models.CharField(max_length=64)  # e.g. "address+phone"
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "-at"], name="sensitive_access_subject"),
            # Serves the retention job: WHERE at < cutoff.
            models.Index(fields=["at"], name="sensitive_access_at"),
        ]
        verbose_name_plural = "sensitive accesses"

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.subject} {self.what}"


class NotificationAttempt(models.Model):
    """One try at handing a notification to its channel: the outbox's delivery log. Written, never edited."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Will retry")
        FAILED = "failed", _("Failed")
        DEFERRED = "deferred", _("Deferred (quiet hours)")
        DROPPED = "dropped", _("Dropped (no longer relevant)")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # The provider's id for the message (SMS ticket, email Message-ID) when it gave one.
    provider_ref = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["notification", "at"], name="notification_attempt_log")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.notification_id}: {self.outcome}"
