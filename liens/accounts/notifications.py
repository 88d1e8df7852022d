"""How a person is told things: the channels per group of messages and the devices that receive
web push, as a page every role reaches from its menu and as API endpoints. Both call the same
services (liens.services); a device is only ever found among the caller's own (404 otherwise)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.models import Notification, PushSubscription
from liens.notify import CHANNEL_ORDER
from liens.push import push_available
from liens.selectors import channel_choices, notification_groups_offered, push_devices
from liens.services import notify_channels_set, push_subscription_remove, push_subscription_save

GROUP_LABELS = {
    "reminders": gettext_lazy("Visit reminders and changes"),
    "matches": gettext_lazy("Missions and matches"),
    "alerts": gettext_lazy("Isolation alerts and the morning digest"),
    "messages": gettext_lazy("Messages from conversations"),
}
CHANNEL_LABELS = {
    Notification.Channel.EMAIL: gettext_lazy("Email"),
    Notification.Channel.SMS: gettext_lazy("Text message"),
    Notification.Channel.PUSH: gettext_lazy("Notification on my devices"),
}


def channels_offered() -> list[str]:
    """The channels a person may choose: push only where the site has VAPID keys."""
    return [channel for channel in CHANNEL_ORDER if channel != Notification.Channel.PUSH or push_available()]


class ChannelsForm(forms.Form):
    """One group of checkboxes per group of messages the person receives.

    Prefixed ("channels-matches"): an input named "matches" would hide the form element's own
    `matches()` method from every script on the page (accessibility checkers, htmx)."""

    prefix = "channels"

    def __init__(self, *args, groups: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(channel, CHANNEL_LABELS[channel]) for channel in channels_offered()]
        for group in groups:
            self.fields[group] = forms.MultipleChoiceField(
                label=GROUP_LABELS[group], choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )


def _devices_context(request) -> dict:
    return {
        "devices": push_devices(request.user),
        "push_available": push_available(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY if push_available() else "",
    }


@require_http_methods(["GET", "POST"])
@login_required
def notifications(request):
    """The person's channels per group of messages and their devices receiving notifications."""
    groups = notification_groups_offered(request.user)
    form = ChannelsForm(request.POST or None, groups=groups, initial=channel_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            notify_channels_set(user=request.user, choices=form.cleaned_data)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("Saved: your messages will come this way."))
            return redirect("account_notifications")
    return render(request, "account/notifications.html", {"form": form, **_devices_context(request)})


@require_POST
@login_required
def device_remove(request, subscription_id: int):
    """Forget one of the person's devices: nothing more is pushed to it."""
    subscription = get_object_or_404(PushSubscription, pk=subscription_id, user=request.user)
    push_subscription_remove(subscription=subscription, by=request.user)
    messages.success(request, _("This device will no longer receive notifications."))
    return redirect("account_notifications")


# --- API ------------------------------------------------------------------------------------


class PushKeysIn(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100)
    auth = serializers.CharField(max_length=50)


class PushSubscriptionIn(serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives (expirationTime is ignored)."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysIn()


class PushSubscriptionOut(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "device", "created_at", "last_used_at"]


class PushSubscriptionListView(APIView):
    """The caller's devices receiving web push; POST adds (or refreshes) this browser's."""

    @extend_schema(operation_id="push_subscriptions_list", responses=PushSubscriptionOut(many=True), tags=["account"])
    def get(self, request):
        return Response(PushSubscriptionOut(push_devices(request.user), many=True).data)

    @extend_schema(
        operation_id="push_subscriptions_create",
        request=PushSubscriptionIn,
        responses={201: PushSubscriptionOut},
        tags=["account"],
    )
    def post(self, request):
        serializer = PushSubscriptionIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = push_subscription_save(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(PushSubscriptionOut(subscription).data, status=201)


class PushSubscriptionDetailView(APIView):
    """One of the caller's devices; another person's answers 404."""

    @extend_schema(operation_id="push_subscriptions_delete", responses={204: None}, tags=["account"])
    def delete(self, request, subscription_id: int):
        subscription = get_object_or_404(PushSubscription, pk=subscription_id, user=request.user)
        push_subscription_remove(subscription=subscription, by=request.user)
        return Response(status=204)


def _channels_field(group: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHANNEL_ORDER)),
        max_length=len(CHANNEL_ORDER),
        required=False,
        help_text=f"Channels for {group}: email, sms, push.",
    )


class ChannelChoices(serializers.Serializer):
    """The channels chosen per group of messages (a group left out of a PUT is unchanged)."""

    reminders = _channels_field("visit reminders and changes")
    matches = _channels_field("missions and matches")
    alerts = _channels_field("isolation alerts and the digest (staff)")
    messages = _channels_field("conversation messages")


class NotificationChannelsView(APIView):
    """The caller's channels per group of messages (those their role receives)."""

    @extend_schema(operation_id="notification_channels_read", responses=ChannelChoices, tags=["account"])
    def get(self, request):
        return Response(channel_choices(request.user))

    @extend_schema(
        operation_id="notification_channels_update", request=ChannelChoices, responses=ChannelChoices, tags=["account"]
    )
    def put(self, request):
        serializer = ChannelChoices(data=request.data)
        serializer.is_valid(raise_exception=True)
        offered = set(notification_groups_offered(request.user))
        choices = {group: channels for group, channels in serializer.validated_data.items() if group in offered}
        notify_channels_set(user=request.user, choices=choices)
        return Response(channel_choices(request.user))
