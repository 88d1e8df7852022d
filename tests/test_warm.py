"""The web worker's garbage collector, told what lasts (liens.lib.warm)."""

import gc
import weakref

import pytest

from liens.lib.warm import FreezeWhenWarm


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # what the test froze goes back to the collector, for the rest of the suite


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_what_is_alive_after_the_first_requests_is_frozen_once(unfrozen):
    application = FreezeWhenWarm(_app, after=3)
    answers = []
    for n in range(1, 6):
        answers.append(application({"PATH_INFO": f"/{n}"}, lambda *args: None))
        frozen = gc.get_freeze_count()
        if n < 3:
            assert frozen == 0, "frozen before the worker is warm"
        elif n == 3:
            assert frozen > 0
            at_freeze = frozen
        else:
            assert frozen == at_freeze, "frozen again after the first time"
    assert answers == [[b"/1"], [b"/2"], [b"/3"], [b"/4"], [b"/5"]]
    assert application.served == 3


def test_a_cycle_left_before_the_freeze_is_collected_not_frozen(unfrozen):
    class Node:
        pass

    left = []

    def leave_a_cycle(environ, start_response):
        node = Node()
        node.itself = node  # unreachable once the request is over: only the collector frees it
        left.append(weakref.ref(node))
        return _app(environ, start_response)

    gc.disable()  # no collection but the freeze's own
    try:
        application = FreezeWhenWarm(leave_a_cycle, after=2)
        application({"PATH_INFO": "/"}, lambda *args: None)
        assert left[0]() is not None
        application({"PATH_INFO": "/"}, lambda *args: None)
    finally:
        gc.enable()
    assert [ref() for ref in left] == [None, None]


def test_a_failing_request_counts_too(unfrozen):
    def failing(environ, start_response):
        raise RuntimeError("boom")

    application = FreezeWhenWarm(failing, after=1)
    with pytest.raises(RuntimeError):
        application({"PATH_INFO": "/"}, lambda *args: None)
    assert application.served == 1
    assert gc.get_freeze_count() > 0


def test_the_site_is_served_through_it():
    from liens import wsgi

    assert isinstance(wsgi.application, FreezeWhenWarm)
