"""The conversation of a match: messages between the volunteer and the association's staff
following it, and how far each participant has read.

A conversation is not a row of its own: it is the match's messages (one per match by
construction, an offer included, since an offer is a proposed match). Messages live and die
with the match (on delete cascade) and are erased with the person's or the volunteer's data
(missions.privacy, missions.conversations.services)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from liens.scopes import TenantManager

from .matching import Match

# The longest message, in characters: a few paragraphs on a phone, never a document.
MESSAGE_MAX_LENGTH = 2000


class Message(models.Model):
    """One message of a match's conversation, written by the volunteer or by a staff member."""

    class Side(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        STAFF = "staff", _("Association")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    # The side stays when the author's account goes: "the association wrote" is still true.
    side = models.CharField(max_length=10, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField()

    # Tenant scope (liens.scopes): the path from a row to its association.
    tenant_path = "match__mission__association"
    objects = TenantManager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # Serves the conversation (WHERE match_id = x ORDER BY id) and the unread counts
            # (WHERE match_id IN (...) AND side = s AND id > marker).
            models.Index(fields=["match", "side", "id"], name="message_match_side"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(LessThanOrEqual(Length("body"), MESSAGE_MAX_LENGTH)) & ~Q(body=""),
                name="message_body_length",
            ),
            models.CheckConstraint(condition=Q(side__in=["volunteer", "staff"]), name="message_side_valid"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} on match {self.match_id} ({self.side})"


class ConversationRead(models.Model):
    """How far one participant has read a match's conversation: the last message they have seen.

    One row per match and reader, moved forward only. Unread = the other side's messages after
    it; the outbox guard of "new messages" drops a notification once this has moved."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="conversation_reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A message id, not a foreign key: erasing messages must not move anyone's marker back.
    last_read_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField()

    tenant_path = "match__mission__association"
    objects = TenantManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["match", "user"], name="conversation_read_unique")]

    def __str__(self) -> str:
        return f"user {self.user_id} read match {self.match_id} up to {self.last_read_id}"
