"""The sweep benchmark runs end to end at a tiny size, so it cannot rot."""

import pytest

from benchmarks import runner
from liens.models import User
from missions.models import AlertEvent, Association, Beneficiary, IsolationAlert

pytestmark = pytest.mark.django_db


def test_the_sweep_benchmark_measures_and_cleans_up(association_a):
    figures = runner.run("sweep", beneficiaries=80, due_fraction=0.1, sample=3, repeat=2)
    assert figures["due"] == 8
    assert figures["alerts_raised"] == 8
    assert figures["second_sweep_alerts"] == 0
    assert figures["small_sweep_alerts"] == 8
    assert figures["small_batches_sweep_alerts"] == 8
    assert figures["floor_rows"] == 8
    assert figures["naive_sample"] == 3
    assert figures["sweep_seconds"] > 0 and figures["naive_seconds_scaled"] > 0
    assert set(figures) >= {"sweep_over_floor", "sweep_over_plain_floor", "target_met", "build_seconds"}
    # Nothing it built is left behind (it built it in a database of its own).
    assert list(Association.objects.all()) == [association_a]
    assert not Beneficiary.objects.exists()
    assert not IsolationAlert.objects.exists() and not AlertEvent.objects.exists()
    assert not User.objects.filter(email__startswith="benchmark-").exists()
