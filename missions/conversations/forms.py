"""The message form of a conversation; the service (services.message_clean) holds the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models.conversations import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        # Refused by the service with its own message (what to do), not the generic "required".
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH}),
    )
