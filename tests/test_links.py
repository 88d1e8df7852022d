"""`{% url %}` (liens.templatetags.links) and cached_reverse write the addresses reverse() writes."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from liens.lib.urls import cached_reverse


@pytest.mark.parametrize(
    "name", ["association:mission", "association:beneficiary", "volunteers:visit_report", "alerts:detail"]
)
@pytest.mark.parametrize("pk", [0, 7, 123456789012])
def test_same_address_as_reverse(name, pk):
    assert cached_reverse(name, [pk]) == reverse(name, args=[pk])


@pytest.mark.parametrize("name", ["home", "volunteers:missions", "association:home", "account_logout"])
def test_same_address_without_arguments(name):
    assert cached_reverse(name) == reverse(name)


def test_anything_else_is_reversed_as_reverse_does():
    assert cached_reverse("association:mission", ["12"]) == reverse("association:mission", args=["12"])
    for wrong in (-1, "abc", True):  # a bool is an int to Python, not an id
        with pytest.raises(NoReverseMatch):
            cached_reverse("association:mission", [wrong])
    with pytest.raises(NoReverseMatch):
        cached_reverse("association:mission")
    with pytest.raises(NoReverseMatch):
        cached_reverse("no-such-page")


def test_the_script_prefix_and_language_are_followed():
    try:
        set_script_prefix("/liens/")
        assert cached_reverse("association:mission", [5]) == "/liens/association/missions/5/"
        assert cached_reverse("home") == "/liens/"
    finally:
        set_script_prefix("/")
    assert cached_reverse("association:mission", [5]) == "/association/missions/5/"
    with translation.override("en"):
        assert cached_reverse("association:mission", [5]) == "/association/missions/5/"


@pytest.fixture
def request_signals_without_the_database():
    # As the test client does: the signals' database clean-up is not this test's.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("request_signals_without_the_database")
def test_a_request_keeps_its_shapes_by_language_and_the_next_request_reads_its_own_prefix():
    try:
        for prefix in ("/liens/", "/"):  # two requests, each with the prefix the server gives it
            set_script_prefix(prefix)
            request_started.send(sender=None, environ={})
            try:
                for _ in range(2):  # the second time from the request's shapes
                    assert cached_reverse("association:mission", [5]) == f"{prefix}association/missions/5/"
                    assert cached_reverse("home") == reverse("home") == prefix
                    with translation.override("en"):
                        assert cached_reverse("association:mission", [6]) == reverse("association:mission", args=[6])
            finally:
                request_finished.send(sender=None)
    finally:
        set_script_prefix("/")


def test_every_template_url_tag_is_the_cached_one_and_writes_what_django_writes():
    engine = engines["django"]
    assert "liens.templatetags.links" in engine.engine.builtins
    context = {"ids": [1, 22, 333], "name": "association:mission", "token": "a b&c"}
    source = (
        "{% for i in ids %}{% url 'association:mission' i %};{% url name i as u %}{{ u }};{% endfor %}"
        "{% url 'home' %};{% url 'nothing-here' as empty %}[{{ empty }}];"
        "{% url 'association:mission' mission_id=4 %};{% url 'association:mission' '9' %}"
    )
    expected = "".join(f"/association/missions/{i}/;/association/missions/{i}/;" for i in (1, 22, 333))
    expected += "/;[];/association/missions/4/;/association/missions/9/"
    assert engine.from_string(source).render(context) == expected
    with pytest.raises(NoReverseMatch):
        engine.from_string("{% url 'association:mission' -3 %}").render({})


def test_a_pattern_whose_converter_writes_numbers_otherwise_is_reversed_each_time(settings):
    from django.urls import clear_url_caches, path, register_converter

    class Padded:
        regex = "[0-9]{4,}"

        def to_python(self, value):
            return int(value)

        def to_url(self, value):
            return f"{value:04d}"

    register_converter(Padded, "padded_for_test")
    urls = type("urls", (), {"urlpatterns": [path("n/<padded_for_test:n>/", lambda request, n: None, name="padded")]})
    settings.ROOT_URLCONF = urls
    clear_url_caches()
    try:
        assert cached_reverse("padded", [7]) == reverse("padded", args=[7]) == "/n/0007/"
        assert cached_reverse("padded", [12345]) == "/n/12345/"
    finally:
        clear_url_caches()
