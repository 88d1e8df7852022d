"""Writing to the outbox."""

import pytest
from django.utils import timezone

from liens.models import Notification
from liens.notify import notify
from tests import factories

pytestmark = pytest.mark.django_db


def test_notify_writes_one_row_per_channel_once():
    user = factories.UserFactory(phone="+33612345678")
    first = notify(recipient=user, kind="test", context={"message": "Bonjour"}, dedup_key="t:1", urgent=True)
    again = notify(recipient=user, kind="test", context={"message": "Bonjour"}, dedup_key="t:1", urgent=True)
    assert {row.channel for row in first} == {"email", "sms"}
    assert again == []
    assert Notification.objects.filter(recipient=user).count() == 2


def test_notify_renders_in_the_recipient_language():
    french = factories.UserFactory(language="fr", first_name="Léa")
    english = factories.UserFactory(language="en", first_name="Sam")
    notify(recipient=french, kind="test", context={"message": "x"}, dedup_key="t:fr", due_at=timezone.now())
    notify(recipient=english, kind="test", context={"message": "x"}, dedup_key="t:en")
    assert Notification.objects.get(recipient=french).body_text.startswith("Bonjour Léa")
    assert Notification.objects.get(recipient=english).body_text.startswith("Hello Sam")
