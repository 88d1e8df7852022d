"""Writing to the outbox."""

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
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


def test_a_volunteer_who_turned_email_off_is_reached_by_sms_only():
    user = factories.UserFactory(phone="+33612345678", notify_channels={"matches": ["sms"]})
    factories.VolunteerFactory(user=user)
    rows = notify(recipient=user, kind="match_proposed", context={"message": "Bonjour"}, dedup_key="t:pref")
    assert [row.channel for row in rows] == ["sms"]


def test_with_no_choice_a_volunteer_with_a_phone_gets_email_and_sms_only_when_urgent():
    # The volunteer's profile holds no channel of its own: the choice per group is the one home.
    volunteer = factories.VolunteerFactory(user=factories.UserFactory(phone="+33612345678"))
    rows = notify(recipient=volunteer.user, kind="match_proposed", context={"message": "Bonjour"}, dedup_key="t:d")
    assert [row.channel for row in rows] == ["email"]
    rows = notify(recipient=volunteer.user, kind="test", context={"message": "!"}, dedup_key="t:u", urgent=True)
    assert [row.channel for row in rows] == ["email", "sms"]


def test_notify_renders_in_the_recipient_language():
    french = factories.UserFactory(language="fr", first_name="Léa")
    english = factories.UserFactory(language="en", first_name="Sam")
    notify(recipient=french, kind="test", context={"message": "x"}, dedup_key="t:fr", due_at=timezone.now())
    notify(recipient=english, kind="test", context={"message": "x"}, dedup_key="t:en")
    assert Notification.objects.get(recipient=french).body_text.startswith("Bonjour Léa")
    assert Notification.objects.get(recipient=english).body_text.startswith("Hello Sam")


# --- Plain text is text: only the HTML part is escaped ----------------------------------------

NOTIFICATION_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "notifications"
# Every kind with templates of its own; the kinds without any (match_proposed, staff_invitation,
# volunteer_approved...) all render the generic templates, which match_proposed stands for here.
KINDS = sorted({path.name.split(".")[0] for path in NOTIFICATION_TEMPLATES.glob("[!_]*.txt")}) + ["match_proposed"]
# A name and a link as people and query strings make them: an apostrophe, markup, ampersands.
NAME = "Zoé O'Neil <b>&</b> fils"
LINK = "https://liens.example/v/?a=1&b=2"
ESCAPES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")


class _Named:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


def _everything_a_message_may_show() -> dict:
    """One context holding every variable the notification templates read, all of them hostile."""
    now = timezone.now()
    beneficiary = SimpleNamespace(display_name=NAME)
    mission = SimpleNamespace(title=NAME, beneficiary=beneficiary)
    visit = SimpleNamespace(
        match=SimpleNamespace(
            mission=mission, volunteer=SimpleNamespace(user=SimpleNamespace(get_full_name=NAME, email=NAME))
        ),
        starts_at=now,
        cancel_reason=NAME,
    )
    item = {"name": NAME, "kind": NAME, "severity": "Critical", "url": LINK, "previous": "Late"}
    return {
        "who": NAME,
        "who_where": NAME,
        "volunteer_name": NAME,
        "reason": NAME,
        "by_volunteer": True,
        "starts_at": now,
        "attention_link": LINK,
        "report_link": LINK,
        "cant_come_link": LINK,
        "association": _Named(NAME),
        "kind": NAME,
        "item": item,
        "items": [item],
        "count": 1,
        "more": 0,
        "concerns": [NAME],
        "level": 2,
        "raised_at": now - datetime.timedelta(days=1),
        "queue_url": LINK,
        "day": now.date(),
        "attention": {
            "open_alerts": 1,
            "awaiting_report_count": 1,
            "awaiting_report": [visit],
            "unconfirmed": [visit],
            "cancelled": [visit],
            "unfilled_missions": [mission],
        },
        # Visits just marked unconfirmed, one notice listing them (missions.visits unconfirmed_notify).
        "visits": [visit],
        "subject": NAME,
        "message": NAME,
        "link": LINK,
        "writer": NAME,
        "url": LINK,
        # A home-care plan behind this month (missions.liensocial shortfall notice).
        "person": NAME,
        "planned": "6 h",
        "delivered": "2 h",
        "to_staff": True,
        # A referral's news to its referrer (missions.referrals.reportback.minimum_dataset).
        "referral": {
            "milestone": "closed",
            "reference": NAME,
            "referred_on": NAME,
            "initials": "O. N.",
            "association": NAME,
            "association_email": "contact@exemple.fr",
            "association_phone": "",
            "consented": True,
            "support": NAME,
            "outcome": NAME,
        },
    }


def test_the_kinds_checked_include_every_template_set():
    assert len(KINDS) >= 12
    for kind in KINDS[:-1]:
        for suffix in ("subject.txt", "txt", "html", "sms.txt"):
            assert (NOTIFICATION_TEMPLATES / f"{kind}.{suffix}").exists(), f"{kind}.{suffix}"
    assert not list(NOTIFICATION_TEMPLATES.glob("match_proposed.*"))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_subjects_texts_and_sms_show_names_and_links_verbatim_while_html_escapes_them(kind, language):
    user = factories.UserFactory(first_name=NAME, phone="+33612345678", language=language)
    rows = notify(
        recipient=user,
        kind=kind,
        context=_everything_a_message_may_show(),
        dedup_key=f"escape:{kind}",
        channels=[Notification.Channel.EMAIL, Notification.Channel.SMS],
        urgent=True,
    )
    email = next(row for row in rows if row.channel == Notification.Channel.EMAIL)
    sms = next(row for row in rows if row.channel == Notification.Channel.SMS)
    for part, text in [("subject", email.subject), ("text", email.body_text), ("sms", sms.body_text)]:
        assert NAME in text or LINK in text, f"{kind} {part} shows neither the name nor the link: {text!r}"
        assert not [escape for escape in ESCAPES if escape in text], f"{kind} {part} is HTML-escaped: {text!r}"
    assert "<b>" not in email.body_html
    assert "O&#x27;Neil &lt;b&gt;&amp;&lt;/b&gt; fils" in email.body_html
