"""Reassessments due: the association's board, its home card, its list page, the digest and the
person's page, against hand-counted people (tests/outcomes/conftest.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liens.models import Notification
from missions.outcomes import schedule, selectors
from missions.visits.digest import digest_send
from tests import factories

from .conftest import D, assessed

pytestmark = pytest.mark.django_db


def _names(rows) -> list[str]:
    return [row.name.split()[-1] for row in rows]


def test_the_board_counts_overdue_due_and_no_baseline_people_of_the_association(association_a, followed_people):
    board = selectors.reassessment_board(association=association_a)
    assert board.today == D(2026, 11, 18)
    assert _names(board.overdue) == ["Overdue"]
    assert _names(board.due) == ["Duetoday", "Duesoon"]  # nearest due date first
    assert sorted(_names(board.no_baseline)) == ["Intake", "Nobaseline"]
    assert (board.due_count, board.total) == (3, 5)
    overdue = board.overdue[0].reassessment
    assert (overdue.state, overdue.next_due, overdue.baseline) == (schedule.OVERDUE, D(2026, 8, 1), D(2026, 5, 1))


def test_the_board_reads_the_day_in_the_association_s_time_zone(association_a, followed_people, time_machine):
    # 23:30 UTC on 24 November is already the 25th in Paris: "Duesoon" is due that day, not overdue.
    time_machine.move_to(datetime.datetime(2026, 11, 25, 23, 30, tzinfo=datetime.UTC))
    board = selectors.reassessment_board(association=association_a)
    assert board.today == D(2026, 11, 26)
    assert "Duesoon" in _names(board.overdue)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_home_shows_the_card_and_the_list_page_each_group(coordinator_a_client, followed_people):
    home = coordinator_a_client.get(reverse("association:home")).content.decode()
    assert 'id="count-reassessments">3<' in home
    assert reverse("outcomes:reassessments") in home
    page = coordinator_a_client.get(reverse("outcomes:reassessments")).content.decode()
    for key in ("overdue", "due_soon", "due_today", "no_baseline", "intake"):
        assert f'id="reassess-{followed_people[key].pk}"' in page, key
    for key in ("answered", "later", "paused", "ended", "elsewhere"):
        assert f'id="reassess-{followed_people[key].pk}"' not in page, key
    assert 'id="count-overdue">1<' in page and 'id="count-due">2<' in page and 'id="count-no-baseline">2<' in page


@pytest.mark.parametrize("url_name", ["association:home", "outcomes:reassessments"])
def test_the_pages_cost_the_same_queries_for_5_or_25_people(association_a, coordinator_a_client, url_name):
    url = reverse(url_name)
    for index in range(5):
        assessed(factories.BeneficiaryFactory(association=association_a), D(2026, 1, 1 + index))
    few = _queries(coordinator_a_client, url)
    for index in range(20):
        person = factories.BeneficiaryFactory(association=association_a)
        if index % 2:
            assessed(person, D(2026, 2, 1 + index), D(2026, 5, 1 + index))
    assert _queries(coordinator_a_client, url) == few


def test_another_association_s_coordinator_sees_only_their_own(coordinator_b_client, followed_people):
    page = coordinator_b_client.get(reverse("outcomes:reassessments")).content.decode()
    assert f'id="reassess-{followed_people["elsewhere"].pk}"' in page
    assert f'id="reassess-{followed_people["overdue"].pk}"' not in page


def test_the_digest_has_a_line_for_reassessments(association_a, coordinator_a, followed_people, time_machine):
    # The digest is written only when something else needs attention: a mission left unfilled.
    time_machine.move_to(datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC))
    factories.MissionFactory(beneficiary=followed_people["later"], title="Appels du jeudi")
    time_machine.move_to(datetime.datetime(2026, 11, 18, 6, 30, tzinfo=datetime.UTC))
    assert digest_send(association=association_a) == 1
    text = Notification.objects.get(kind="coordinator_digest", recipient=coordinator_a).body_text
    assert "Appels du jeudi" in text
    assert "3 réévaluations à faire, 2 personnes sans évaluation encore" in text, text
    assert reverse("outcomes:reassessments") in text


def test_the_api_lists_the_groups_in_order_and_filters_one(coordinator_a_client, followed_people):
    response = coordinator_a_client.get(reverse("api-association-reassessments"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["state"] for row in rows] == ["overdue", "due", "due", "no_baseline", "no_baseline"]
    assert rows[0] == {
        "beneficiary": followed_people["overdue"].pk,
        "name": followed_people["overdue"].first_name + " Overdue",
        "status": "active",
        "state": "overdue",
        "next_due": "2026-08-01",
        "baseline": "2026-05-01",
        "last_taken": "2026-05-01",
    }
    due = coordinator_a_client.get(reverse("api-association-reassessments"), {"state": "due"}).json()
    assert due["count"] == 2
    assert coordinator_a_client.get(reverse("api-association-reassessments"), {"state": "later"}).status_code == 400


def test_the_api_answers_for_the_caller_s_association_only(coordinator_b_client, volunteer_client, followed_people):
    rows = coordinator_b_client.get(reverse("api-association-reassessments")).json()["results"]
    assert [row["beneficiary"] for row in rows] == [followed_people["elsewhere"].pk]
    assert volunteer_client.get(reverse("api-association-reassessments")).status_code == 404
