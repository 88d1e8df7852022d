"""The import benchmark at a tiny size, so it cannot rot."""

import csv
import io

import pytest

from benchmarks import importing, runner
from liens.models import User
from missions.association.importing import header_problems
from missions.models import Association, Beneficiary, ImportJob

pytestmark = pytest.mark.django_db


def test_the_benchmark_file_is_french_excel_csv_of_distinct_people_the_import_accepts():
    content, invalid = importing.csv_content(rows=300)
    assert invalid == 0
    text = content.decode("utf-8")
    assert text.startswith("\ufeffPrénom;Nom;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert header_problems(rows[0]) == []
    people = {(row[0], row[1], row[5]) for row in rows[1:]}
    assert len(rows) == 301 and len(people) == 300


def test_the_import_benchmark_checks_imports_measures_and_cleans_up(association_a):
    figures = runner.run("import", rows=120, invalid_percent=10, trace=True)
    assert figures["rows"] == 120 and figures["status"] == "done"
    assert figures["invalid_rows_made"] > 0
    # The rows made wrong are reported, and every other one is written.
    assert figures["errors"] == figures["invalid_rows_made"]
    assert figures["rows_written"] == 120 - figures["invalid_rows_made"]
    assert figures["validate_seconds"] > 0 and figures["import_seconds"] > 0 and figures["rows_per_second"] > 0
    assert set(figures["tracemalloc_peak_mb"]) == {"upload", "validate", "import"}
    assert figures["peak_rss_growth_mb"] >= 0
    # Nothing it built is left behind (it built it in a database of its own).
    assert list(Association.objects.all()) == [association_a]
    assert not Beneficiary.objects.exists() and not ImportJob.objects.exists()
    assert not User.objects.filter(email__startswith="benchmark-").exists()
