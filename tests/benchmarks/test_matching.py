"""The matching benchmark at a small size, so that it cannot rot (the full run is by hand)."""

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_benchmark_command_prints_its_figures_and_the_solver_never_trails_greedy():
    out = io.StringIO()
    call_command(
        "benchmark", "matching", "--volunteers", "600", "--missions", "80", "--batch-volunteers", "400",
        "--sample", "10", "--seed", "3", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["benchmark"] == "matching"
    for key in [
        "suggestion_ms_p50",
        "suggestion_ms_p95",
        "batch_seconds",
        "solver_total_score",
        "solver_missions_covered",
        "greedy_total_score",
        "greedy_missions_covered",
    ]:
        assert key in result
    assert result["candidate_pairs"] > 0
    assert result["solver_total_score"] >= result["greedy_total_score"]
    assert result["solver_places"] >= result["greedy_places"]
    assert result["solver_missions_covered"] > 0
    assert result["proposals_written"] == result["solver_places"]
