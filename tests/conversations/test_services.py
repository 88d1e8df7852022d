"""Posting, reading and being told: who takes part, read markers, grouped notices."""

import datetime

import pytest
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification
from liens.outbox.dispatch import dispatch_due
from missions.conversations import selectors, services
from missions.matching.life import match_end
from missions.models import ConversationRead, Match, Message
from tests import factories
from tests.outbox.fakes import Recorder, channels

pytestmark = pytest.mark.django_db


def _notices(user):
    return Notification.objects.filter(recipient=user, kind=services.NOTICE_KIND)


def _dispatch(at: datetime.datetime) -> Recorder:
    recorder = Recorder()
    dispatch_due(now=at, channels=channels(recorder))
    return recorder


# --- who takes part -----------------------------------------------------------------------------


def test_the_volunteer_and_the_associations_staff_write_on_their_sides(match, volunteer, coordinator_a, manager_a):
    first = services.message_post(match=match, by=volunteer.user, body="Bonjour, je peux venir mardi ?")
    second = services.message_post(match=match, by=coordinator_a, body="  Oui, parfait.  ")
    third = services.message_post(match=match, by=manager_a, body="Merci à vous.")
    assert [m.side for m in (first, second, third)] == ["volunteer", "staff", "staff"]
    assert second.body == "Oui, parfait."


@pytest.mark.parametrize("who", ["coordinator_b", "admin_user", "stranger"])
def test_nobody_else_writes_or_reads(match, who, request):
    user = factories.VolunteerFactory().user if who == "stranger" else request.getfixturevalue(who)
    with pytest.raises(DomainError) as refused:
        services.message_post(match=match, by=user, body="Bonjour")
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError):
        services.conversation_read(match=match, by=user)
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001])
def test_an_empty_or_too_long_message_is_refused_on_its_field(match, volunteer, body):
    with pytest.raises(DomainError) as refused:
        services.message_post(match=match, by=volunteer.user, body=body)
    assert refused.value.field == "body"
    assert not Message.objects.exists()


def test_a_message_of_2000_characters_is_taken(match, volunteer):
    assert len(services.message_post(match=match, by=volunteer.user, body="é" * 2000).body) == 2000


@pytest.mark.parametrize("status", [Match.Status.ENDED, Match.Status.DECLINED, Match.Status.EXPIRED])
def test_a_closed_match_keeps_its_conversation_readable_but_takes_no_new_message(match, volunteer, status):
    services.message_post(match=match, by=volunteer.user, body="Avant la fin")
    Match.objects.filter(pk=match.pk).update(status=status, ended_at=timezone.now())
    match.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.message_post(match=match, by=volunteer.user, body="Après la fin")
    assert refused.value.field == "body"
    conversation = selectors.conversation_for(match=match, user=volunteer.user, side="volunteer")
    assert [m.body for m in conversation.messages] == ["Avant la fin"] and not conversation.is_open


def test_an_offer_has_its_conversation_before_the_match_starts(match, volunteer, coordinator_a):
    Match.objects.filter(pk=match.pk).update(status=Match.Status.PROPOSED)
    match.refresh_from_db()
    services.message_post(match=match, by=volunteer.user, body="Quelle heure vous arrange ?")
    assert Message.objects.filter(match=match).count() == 1


# --- read state -----------------------------------------------------------------------------------


def test_unread_counts_the_other_sides_messages_after_the_readers_marker(match, volunteer, coordinator_a):
    services.message_post(match=match, by=volunteer.user, body="question")
    assert selectors.unread_counts(user=coordinator_a, side="staff", match_ids=[match.pk]) == {match.pk: 1}
    for text in ("un", "deux", "trois"):
        services.message_post(match=match, by=coordinator_a, body=text)
    assert selectors.volunteer_unread(volunteer) == {match.pk: 3}
    # Answering is reading: the coordinator saw the question they answered.
    assert selectors.unread_counts(user=coordinator_a, side="staff", match_ids=[match.pk]) == {}

    services.conversation_read(match=match, by=volunteer.user)
    assert selectors.volunteer_unread(volunteer) == {}
    services.message_post(match=match, by=coordinator_a, body="quatre")
    assert selectors.volunteer_unread(volunteer) == {match.pk: 1}


def test_the_read_marker_never_moves_back(match, volunteer, coordinator_a):
    messages = [services.message_post(match=match, by=coordinator_a, body=str(i)) for i in range(3)]
    assert services.conversation_read(match=match, by=volunteer.user) == messages[-1].pk
    services.conversation_read(match=match, by=volunteer.user, up_to=messages[0].pk)
    assert ConversationRead.objects.get(match=match, user=volunteer.user).last_read_id == messages[-1].pk


# --- notices ----------------------------------------------------------------------------------------


def test_ten_messages_make_one_notice_per_recipient_sent_a_few_minutes_after_the_first(
    match, volunteer, coordinator_a, manager_a, association_a
):
    second = factories.MembershipFactory(association=association_a).user
    now = timezone.now()
    for minute in range(10):
        services.message_post(
            match=match, by=volunteer.user, body=f"message {minute}", now=now + datetime.timedelta(seconds=20 * minute)
        )
    # The association's coordinators hear of it, once each; its manager reads it on the page.
    assert _notices(coordinator_a).count() == _notices(second).count() == 1
    assert not _notices(manager_a).exists()
    notice = _notices(coordinator_a).get()
    assert notice.due_at == now + services.NOTIFY_AFTER
    assert "message 3" not in notice.body_text  # no message text leaves the site
    assert f"/matching/matches/{match.pk}/" in notice.body_text

    assert _dispatch(now + datetime.timedelta(minutes=4)).sent == []
    assert len(_dispatch(now + datetime.timedelta(minutes=6)).sent) == 2


def test_a_notice_is_dropped_when_its_reader_opens_the_conversation_before_it_leaves(match, volunteer, coordinator_a):
    now = timezone.now()
    services.message_post(match=match, by=coordinator_a, body="Pouvez-vous décaler ?", now=now)
    services.conversation_read(match=match, by=volunteer.user, now=now + datetime.timedelta(minutes=2))

    assert _dispatch(now + datetime.timedelta(minutes=6)).sent == []
    assert _notices(volunteer.user).get().status == Notification.Status.CANCELLED


def test_a_message_after_reading_opens_a_new_notice(match, volunteer, coordinator_a):
    now = timezone.now()
    services.message_post(match=match, by=coordinator_a, body="Premier", now=now)
    assert len(_dispatch(now + datetime.timedelta(minutes=6)).sent) == 1
    services.message_post(
        match=match, by=coordinator_a, body="Deuxième, même lot", now=now + datetime.timedelta(minutes=7)
    )
    assert _notices(volunteer.user).count() == 1
    services.conversation_read(match=match, by=volunteer.user)
    services.message_post(match=match, by=coordinator_a, body="Après lecture", now=now + datetime.timedelta(minutes=9))
    assert _notices(volunteer.user).count() == 2


def test_the_volunteers_notice_is_in_their_language_and_waits_for_the_end_of_quiet_hours(
    match, volunteer, coordinator_a
):
    volunteer.user.language, volunteer.user.phone = "en", "+33612345678"
    volunteer.user.notify_channels = {"messages": ["email", "sms"]}
    volunteer.user.save()
    late = timezone.now().replace(hour=21, minute=30)  # 22:30 in Paris in winter
    services.message_post(match=match, by=coordinator_a, body="Bonsoir", now=late)
    sms = _notices(volunteer.user).get(channel="sms")
    assert "new message from" in sms.body_text and "Bonsoir" not in sms.body_text
    assert sms.pk not in _dispatch(late + datetime.timedelta(minutes=10)).sent  # the email may go
    sms.refresh_from_db()
    assert sms.status == Notification.Status.PENDING and sms.due_at > late + datetime.timedelta(hours=8)


# --- privacy ------------------------------------------------------------------------------------------


def test_a_volunteer_who_leaves_takes_their_conversations_with_them(match, volunteer, coordinator_a):
    from volunteers.services import volunteer_leave

    services.message_post(match=match, by=volunteer.user, body="Je dois arrêter")
    services.message_post(match=match, by=coordinator_a, body="Merci pour tout")
    other = factories.MatchFactory(mission=match.mission)
    services.message_post(match=other, by=coordinator_a, body="Un autre bénévole")
    volunteer_leave(volunteer=volunteer)
    assert list(Message.objects.values_list("body", flat=True)) == ["Un autre bénévole"]
    assert not _notices(coordinator_a).filter(status=Notification.Status.SENT).exists()


def test_erasing_a_persons_file_erases_the_conversations_of_their_matches(match, volunteer, coordinator_a):
    from missions.privacy.erasure import beneficiaries_anonymise

    services.message_post(match=match, by=volunteer.user, body="Mme Morel allait mal")
    other = factories.MatchFactory()
    services.message_post(match=other, by=other.volunteer.user, body="Ailleurs")
    beneficiaries_anonymise(ids=[match.mission.beneficiary_id])
    assert list(Message.objects.values_list("body", flat=True)) == ["Ailleurs"]


def test_a_notice_whose_messages_were_erased_is_dropped(match, volunteer, coordinator_a):
    now = timezone.now()
    services.message_post(match=match, by=volunteer.user, body="À effacer", now=now)
    services.beneficiaries_messages_erase(ids=[match.mission.beneficiary_id])
    assert _dispatch(now + datetime.timedelta(minutes=6)).sent == []


def test_the_match_ending_keeps_its_messages(match, volunteer, coordinator_a):
    services.message_post(match=match, by=volunteer.user, body="Au revoir")
    match_end(match=match, by=coordinator_a, reason="Fin du suivi")
    assert Message.objects.filter(match=match).count() == 1
