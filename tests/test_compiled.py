"""liens.lib.compiled: a queryset compiled once answers each call as the queryset itself would,
and refuses the shapes whose reuse could answer wrongly (a frozen moment or id, another
association's scope, a value the SQL does not take as given)."""

import copy
import datetime
import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liens.lib.compiled import CompiledQueryError, Reading, compiled, together
from liens.scopes import ScopeError, scope_active, scopes_disabled
from missions.models import Beneficiary, Visit
from tests import factories

pytestmark = pytest.mark.django_db


def _coming_queryset(volunteer, now):
    return (
        Visit.objects.filter(match__volunteer=volunteer, starts_at__gt=now)
        .select_related("match__mission__beneficiary")
        .only("starts_at", "status", "match__status", "match__mission__title", "match__mission__beneficiary__city")
        .order_by("starts_at")
    )


@compiled(volunteer=int, now=datetime.datetime)
def _coming(limit, *, volunteer, now):
    return _coming_queryset(volunteer, now)[:limit]


def _seen(visits):
    return [
        (v.pk, v.starts_at, v.status, v.match.status, v.match.mission.title, v.match.mission.beneficiary.city)
        for v in visits
    ]


def test_each_call_answers_as_the_queryset_with_its_own_values():
    now = timezone.now()
    first, second = factories.VolunteerFactory(), factories.VolunteerFactory()
    for volunteer, days in ((first, (1, 2, 5)), (second, (-1, 3))):
        match = factories.MatchFactory(volunteer=volunteer)
        for day in days:
            factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=day))
    for volunteer in (first, second):
        for moment in (now, now + datetime.timedelta(days=2, hours=1), now - datetime.timedelta(days=3)):
            for limit in (1, 10):
                expected = _seen(_coming_queryset(volunteer.pk, moment)[:limit])
                assert _seen(_coming(limit, volunteer=volunteer.pk, now=moment)) == expected
    # The rows differ from call to call: the values are not frozen with the first call's.
    assert len(_coming(10, volunteer=first.pk, now=now)) == 3
    assert len(_coming(10, volunteer=second.pk, now=now)) == 1
    assert len(_coming(10, volunteer=first.pk, now=now + datetime.timedelta(days=2, hours=1))) == 1


def test_a_reused_shape_runs_one_query_and_reads_the_related_rows_with_it():
    match = factories.MatchFactory()
    factories.VisitFactory(match=match)
    _coming(5, volunteer=match.volunteer_id, now=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        (visit,) = _coming(5, volunteer=match.volunteer_id, now=timezone.now())
        assert visit.match.mission.beneficiary.city == "Lyon"
    assert len(queries) == 1


def test_a_row_read_with_only_holds_the_columns_the_orm_gives_it_at_every_level():
    """The rows are made by Model.from_db from the columns read, as Django's iterables make
    them: the same values, and the same fields deferred (read on access), on the visit, its
    match, mission and person."""
    now = timezone.now()
    match = factories.MatchFactory()
    factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=1))
    (expected,) = _coming_queryset(match.volunteer_id, now)
    for _call in range(2):  # compiling, then reusing
        (visit,) = _coming(5, volunteer=match.volunteer_id, now=now)
        pairs = [
            (visit, expected),
            (visit.match, expected.match),
            (visit.match.mission, expected.match.mission),
            (visit.match.mission.beneficiary, expected.match.mission.beneficiary),
        ]
        for made, read in pairs:
            assert type(made) is type(read)
            assert made.get_deferred_fields() == read.get_deferred_fields() != set()
            assert vars(made).keys() - {"_state"} == vars(read).keys() - {"_state"}
            assert {name: getattr(made, name) for name in vars(read) if name != "_state"} == {
                name: getattr(read, name) for name in vars(read) if name != "_state"
            }
            assert made._state.adding is False and made._state.db == "default"


def test_a_model_with_an_init_receiver_is_made_by_django_and_the_receiver_hears_each_row():
    """The rows are made without Model.__init__ only while nothing listens to it: a post_init
    receiver (connected after the shape was compiled) hears every row, at every level, and the
    rows are the same."""
    now = timezone.now()
    match = factories.MatchFactory()
    factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=1))
    (before,) = _coming(5, volunteer=match.volunteer_id, now=now)  # compiled, nobody listening
    heard = []

    def hear(sender, instance, **kwargs):
        heard.append(sender.__name__)

    post_init.connect(hear)
    try:
        (visit,) = _coming(5, volunteer=match.volunteer_id, now=now)
    finally:
        post_init.disconnect(hear)
    assert sorted(heard) == ["Beneficiary", "Match", "Mission", "Visit"]
    assert _seen([visit]) == _seen([before])
    assert visit.match.mission.get_deferred_fields() == before.match.mission.get_deferred_fields()


@compiled(ids=list)
def _counted(*, ids):
    return Beneficiary.objects.filter(pk__in=ids).values("city").annotate(people=Count("id")).order_by("city")


def test_values_rows_annotations_and_lists_of_ids():
    lyon = [factories.BeneficiaryFactory(), factories.BeneficiaryFactory()]
    paris = factories.BeneficiaryFactory(city="Paris")
    everyone = [person.pk for person in (*lyon, paris)]
    assert _counted(ids=everyone) == [{"city": "Lyon", "people": 2}, {"city": "Paris", "people": 1}]
    assert _counted(ids=[paris.pk, lyon[0].pk, lyon[1].pk]) == [
        {"city": "Lyon", "people": 2},
        {"city": "Paris", "people": 1},
    ]
    assert _counted(ids=[paris.pk]) == [{"city": "Paris", "people": 1}]
    assert _counted(ids=[]) == []  # no row can match: nothing is asked of the database


def test_a_moment_read_inside_the_function_is_refused():
    @compiled(volunteer=int)
    def coming_now(*, volunteer):
        return Visit.objects.filter(match__volunteer=volunteer, starts_at__gt=timezone.now())

    with pytest.raises(CompiledQueryError, match="frozen"):
        coming_now(volunteer=1)


def test_an_id_read_from_elsewhere_is_refused():
    outside = factories.VolunteerFactory()

    @compiled(now=datetime.datetime)
    def theirs(*, now):
        return Visit.objects.filter(match__volunteer=outside.pk, starts_at__gt=now)

    with pytest.raises(CompiledQueryError, match="frozen"):
        theirs(now=timezone.now())


def test_a_value_the_sql_does_not_take_as_given_is_refused():
    @compiled(now=datetime.datetime)
    def on_the_day(*, now):
        return Visit.objects.filter(starts_at__date=now.date())  # the day, not the moment given

    with pytest.raises(CompiledQueryError, match="do not reach"):
        on_the_day(now=timezone.now())

    @compiled(year=int, volunteer=int)
    def born_before(*, year, volunteer):
        return Beneficiary.objects.filter(birth_year__lt=year)  # the volunteer is not used

    with pytest.raises(CompiledQueryError, match="do not reach"):
        born_before(year=1950, volunteer=3)


def test_the_tenant_scope_is_part_of_the_shape():
    @compiled(year=int)
    def born_before(*, year):
        return Beneficiary.objects.filter(birth_year__lt=year).order_by("pk")

    mine = factories.BeneficiaryFactory(birth_year=1930)
    theirs = factories.BeneficiaryFactory(birth_year=1930)
    with scope_active([mine.association_id]):
        assert [p.pk for p in born_before(year=1950)] == [mine.pk]
    with scope_active([theirs.association_id]):
        assert [p.pk for p in born_before(year=1950)] == [theirs.pk]
    with scopes_disabled("the test reads both associations"):
        assert [p.pk for p in born_before(year=1950)] == [mine.pk, theirs.pk]


def test_a_request_with_no_scope_still_raises(rf):
    from liens.scopes import ScopeMiddleware

    @compiled(year=int)
    def born_before(*, year):
        return Beneficiary.objects.filter(birth_year__lt=year)

    def view(request):
        born_before(year=1950)

    with pytest.raises(ScopeError):
        ScopeMiddleware(view)(rf.get("/"))


def test_the_check_refuses_a_function_whose_sql_changed(settings):
    settings.LIENS_CHECK_COMPILED_QUERIES = True
    wide = {"yes": False}

    @compiled(year=int)
    def born_before(*, year):
        people = Beneficiary.objects.filter(birth_year__lt=year)
        return people.filter(city="Lyon") if wide["yes"] else people

    born_before(year=1950)
    wide["yes"] = True
    with pytest.raises(CompiledQueryError, match="no longer matches"):
        born_before(year=1950)


def test_the_shapes_kept_are_bounded(monkeypatch):
    monkeypatch.setattr("liens.lib.compiled.MAX_SHAPES", 3)
    people = [factories.BeneficiaryFactory() for _ in range(5)]
    for n in range(1, 6):  # five lengths of the list: five shapes, the oldest dropped
        assert _counted(ids=[p.pk for p in people[:n]]) == [{"city": "Lyon", "people": n}]
    assert len(_counted._shapes) == 3
    assert _counted(ids=[people[0].pk]) == [{"city": "Lyon", "people": 1}]  # compiled again


def test_declared_values_only():
    with pytest.raises(TypeError):
        compiled(name=str)

    @compiled(year=int)
    def born_before(*, year):
        return Beneficiary.objects.filter(birth_year__lt=year)

    with pytest.raises(TypeError):
        born_before(year=1950, city="Lyon")


@compiled(visit=int)
def _visit(*, visit):
    return Visit.objects.filter(pk=visit)


def test_a_number_no_column_holds_is_answered_as_the_orm_answers_it():
    visit = factories.VisitFactory()
    assert _visit(visit=visit.pk) == [visit]
    assert _visit(visit=10**30) == []  # the ORM's answer: no row can match


def test_a_visit_id_out_of_range_is_not_found(volunteer_client):
    response = volunteer_client.get(f"/volunteer/visits/{10**30}/report/")
    assert response.status_code == 404


@compiled(association=int)
def _people_of(*, association):
    with scopes_disabled("a test reads one association's people by id"):
        return Beneficiary.objects.filter(association=association).values("pk").order_by("pk")


def test_readings_together_answer_as_each_alone_in_one_round_trip_on_postgresql():
    now = timezone.now()
    volunteer = factories.VolunteerFactory()
    match = factories.MatchFactory(volunteer=volunteer)
    for day in (1, 2, 5):
        factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=day))
    association = match.mission.association
    readings = (
        _coming.later(2, volunteer=volunteer.pk, now=now),
        _people_of.later(association=association.pk).then(lambda rows: [row["pk"] for row in rows]),
        _coming.later(5, volunteer=volunteer.pk, now=now + datetime.timedelta(days=30)),  # no row
        Reading.known("already read"),
    )
    sent = []

    def watch(execute, sql, params, many, context):
        # psycopg's pipeline mode: each statement is sent without waiting for the one before.
        pipeline = getattr(context["connection"].connection, "_pipeline", None)
        sent.append(pipeline is not None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        coming, people, later, known = together(*readings)
    assert _seen(coming) == _seen(_coming_queryset(volunteer.pk, now)[:2]) and len(coming) == 2
    assert people == [association.beneficiaries.get().pk] == [match.mission.beneficiary_id]
    assert later == [] and known == "already read"
    assert sent == [connection.vendor == "postgresql"] * 3
    # Each reading also answers alone, called.
    assert [row.pk for row in readings[0]()] == [row.pk for row in coming]


def test_a_plain_sql_reading_goes_with_the_others_and_answers_the_driver_s_rows():
    volunteer = factories.VolunteerFactory()
    match = factories.MatchFactory(volunteer=volunteer)
    factories.MatchFactory()  # another volunteer's
    sql = f"SELECT id, status FROM {match._meta.db_table} WHERE volunteer_id = %s ORDER BY id"  # noqa: S608 - the model's table name; the value is a parameter
    sent = []

    def watch(execute, sql, params, many, context):
        sent.append(getattr(context["connection"].connection, "_pipeline", None) is not None)
        return execute(sql, params, many, context)

    raw = Reading.raw(sql, [volunteer.pk]).then(lambda rows: [tuple(row) for row in rows])
    with connection.execute_wrapper(watch):
        rows, people = together(raw, _people_of.later(association=match.mission.association_id))
    assert rows == [(match.pk, match.status)]
    assert [row["pk"] for row in people] == [match.mission.beneficiary_id]
    assert sent == [connection.vendor == "postgresql"] * 2
    assert raw() == rows  # and alone, called


def test_a_failing_statement_among_readings_raises_and_leaves_the_connection_usable():
    # In a savepoint, as a request's atomic block would be: the error undoes it, nothing else.
    with pytest.raises(DatabaseError), transaction.atomic():
        together(_coming.later(1, volunteer=1, now=timezone.now()), Reading((_broken_call(),), lambda rows: rows))
    assert Beneficiary.objects.count() == 0  # the connection left its pipeline and still answers


def _broken_call():
    call = _people_of.later(association=1).calls[0]
    call.shape = copy.copy(call.shape)
    call.shape.sql = "SELECT id FROM no_such_table"
    call.params = []
    return call


@pytest.mark.django_db(transaction=True)
def test_each_thread_reads_a_shapes_rows_through_its_own_connection():
    # How a shape's rows are read (converters, related rows) is kept per connection: a thread,
    # with its own connection, makes the same models (aware moments, related rows) as the first.
    now = timezone.now()
    volunteer = factories.VolunteerFactory()
    match = factories.MatchFactory(volunteer=volunteer)
    for day in (1, 2):
        factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=day))
    here = _seen(_coming(5, volunteer=volunteer.pk, now=now))
    answers = []

    def elsewhere():
        try:
            answers.append(_seen(_coming(5, volunteer=volunteer.pk, now=now)))
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert answers == [here] and len(here) == 2
    assert all(timezone.is_aware(starts_at) for _pk, starts_at, *_ in here)
