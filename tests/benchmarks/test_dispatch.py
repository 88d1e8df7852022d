"""The dispatch benchmark at a tiny size, so it cannot rot."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from liens.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dispatch_benchmark_races_processes_and_counts_no_duplicate_and_nothing_missing(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs dispatcher processes against PostgreSQL (set DATABASE_URL)")
    call_command("benchmark", "dispatch", "--notifications", "300", "--dispatchers", "2", "--batch-size", "50")
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["benchmark"] == "dispatch"
    assert (figures["notifications"], figures["dispatchers"]) == (300, 2)
    assert figures["duplicates"] == 0 and figures["missing"] == 0 and figures["not_marked_sent"] == 0
    assert sum(figures["per_dispatcher"]) == 300
    assert figures["per_second"] > 0
    assert not Notification.objects.filter(kind="benchmark").exists()  # it cleans up after itself


def test_with_a_latency_the_benchmark_sends_sms_over_http_to_a_slow_fake_provider_that_counts(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs dispatcher processes against PostgreSQL (set DATABASE_URL)")
    options = ["--notifications", "200", "--dispatchers", "2", "--batch-size", "50", "--latency-ms", "20"]
    call_command("benchmark", "dispatch", *options)
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["latency_ms"] == 20
    # The provider's own log is the ground truth: each row reached it once, and was marked sent.
    assert figures["duplicates"] == 0 and figures["missing"] == 0 and figures["not_marked_sent"] == 0
    assert sum(figures["per_dispatcher"]) == 200
    assert not Notification.objects.filter(kind="benchmark").exists()
