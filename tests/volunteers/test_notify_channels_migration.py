"""The volunteers' old "by email" / "by SMS" booleans carried into their channels per group
(volunteers migration 0005), before 0006 drops them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("volunteers", "0004_matching_scale_indexes")]
AFTER = [("volunteers", "0006_remove_volunteer_notify_booleans")]


def _migrate(targets):
    """Take the volunteers app to `targets`; the models as they were then, liens' at its last."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    liens = executor.loader.graph.leaf_nodes("liens")
    return executor.loader.project_state([*targets, *liens]).apps


@pytest.mark.django_db(transaction=True)
def test_each_volunteers_expressed_choice_reaches_every_group_they_had_not_set():
    old = _migrate(BEFORE)
    try:
        User, Volunteer = old.get_model("liens", "User"), old.get_model("volunteers", "Volunteer")

        def volunteer(name, *, email, sms, channels=None, left=False):
            user = User.objects.create(email=f"{name}@exemple.fr", phone="+33612345678", notify_channels=channels or {})
            Volunteer.objects.create(
                user=user,
                postcode="69004",
                calendar_token=name,
                notify_email=email,
                notify_sms=sms,
                notify_push=True,
                left_at="2026-01-01T00:00Z" if left else None,
            )
            return user.pk

        plain = volunteer("plain", email=True, sms=False)
        sms_too = volunteer("sms-too", email=True, sms=True)
        sms_only = volunteer("sms-only", email=False, sms=True, channels={"reminders": ["push"]})
        gone = volunteer("gone", email=False, sms=False, left=True)
    finally:
        _migrate(AFTER)

    from liens.models import User as Current

    channels = dict(Current.objects.values_list("pk", "notify_channels"))
    both = ["email", "sms"]
    # Email alone is the defaults: nothing written, and no SMS but urgent ones, as before.
    assert channels[plain] == {}
    assert channels[sms_too] == {"reminders": both, "matches": both, "alerts": both, "messages": both}
    # A group chosen on the notifications page had won over the booleans: it keeps its choice.
    assert channels[sms_only] == {"reminders": ["push"], "matches": ["sms"], "alerts": ["sms"], "messages": ["sms"]}
    assert channels[gone] == {}
