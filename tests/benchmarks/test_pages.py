"""The pages benchmark at a tiny size, so it cannot rot."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from benchmarks import pages as benchmark
from liens.models import User
from tests.clock import child_clock_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pages_benchmark_times_each_page_in_process_and_loads_a_real_server(capsys, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark serves the site with gunicorn against PostgreSQL (set DATABASE_URL)")
    # The server runs at the suite's instant, as the sessions it is handed were opened then.
    for name, value in child_clock_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        benchmark, "SERVER_MAIN", "from tests.clock import travel_from_env; travel_from_env(); " + benchmark.SERVER_MAIN
    )
    options = ["--requests", "3", "--warmup", "1", "--seconds", "0.3", "--connections", "2", "--workers", "1"]
    call_command("benchmark", "pages", *options)
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["benchmark"] == "pages"
    pages = {"volunteer_home", "volunteer_visits", "visit_report", "association_home", "vetting", "alert_dashboard"}
    assert set(figures["server"]) >= pages
    for page in figures["server"].values():
        assert page["median_ms"] > 0 and page["p95_ms"] >= page["median_ms"]
        # At least the user's row (with its roles, liens.accounts.backends) and the page's own;
        # the session comes from the cache.
        assert page["queries"] >= 2
    assert figures["throughput"]["anonymous_home"]["per_second"] > 0
    for name in pages:
        load = figures["throughput"][name]
        assert load["errors"] == 0 and load["per_second"] > 0 and load["ratio"] > 0
        # Against the home page's in the slices alternating with this page's.
        assert load["ratio"] == pytest.approx(load["per_second"] / load["anonymous_per_second"], abs=0.01)
    # It built the demo territory in a database of its own: nothing of it is left here.
    assert not User.objects.filter(email="benevole@exemple.fr").exists()
