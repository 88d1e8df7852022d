"""Bulk import of beneficiaries: check every row first, import only on confirmation, never twice."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from liens.errors import DomainError
from missions.association import importing
from missions.association.imports import import_job_check, import_job_confirm, import_job_create, import_job_run
from missions.models import Beneficiary, ImportJob
from tests.worker import celery_worker, redis_or_skip, wait_for

pytestmark = pytest.mark.django_db

HEADER = (
    "Prénom;Nom;Année de naissance;Adresse;Code postal;Ville;Orienté par;Consentement donné par;"
    "Date du consentement;Centres d'intérêt;Langues;APA heures de lien social"
)
GOOD = [
    "Germaine;Vial;1936;12 rue d'Austerlitz;69004;Lyon;CCAS;la personne;03/02/2025;jardinage, lecture;français;oui",
    "Marcel;Roux;1931;5 rue Dumenge;69004;Lyon;médecin traitant;;;cartes;;non",
]
BAD = [
    "Albert;Morel;19x0;8 rue Belfort;6904;Lyon;boulangerie;;;;;peut-être",
    ";Sans-Prénom;1940;1 rue X;69004;Lyon;famille;;;;;",
]


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _job(association, user, content, name="personnes.csv"):
    job = import_job_create(association=association, by=user, filename=name, content=content)
    return import_job_check(job_id=job.pk)


def test_the_report_gives_line_column_and_message_in_french(association_a, coordinator_a):
    job = _job(association_a, coordinator_a, _csv(GOOD[0], *BAD))
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.valid_count, job.invalid_count) == (1, 2)
    problems = {(p["line"], p["field"]) for p in job.report}
    assert {
        (3, "Année de naissance"),
        (3, "Code postal"),
        (3, "Orienté par"),
        (3, "APA heures de lien social"),
    } <= problems
    assert (4, "Prénom") in problems
    messages = [p["message"] for p in job.report if p["line"] == 3 and p["field"] == "Code postal"]
    assert messages == ["Un code postal compte 5 chiffres."]
    assert not Beneficiary.objects.exists()


def test_nothing_is_imported_while_rows_have_errors_unless_asked(association_a, coordinator_a):
    job = _job(association_a, coordinator_a, _csv(GOOD[0], *BAD))
    with pytest.raises(DomainError):
        import_job_confirm(job=job, by=coordinator_a)
    assert not Beneficiary.objects.exists()
    import_job_confirm(job=job, by=coordinator_a, valid_only=True)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE and job.imported_count == 1
    germaine = Beneficiary.objects.get()
    assert (germaine.first_name, germaine.status, germaine.consent_by) == ("Germaine", "intake", "person")
    assert germaine.interests == ["gardening", "reading"] and germaine.apa_social_hours


def test_running_the_import_again_creates_nothing_more(association_a, coordinator_a):
    job = _job(association_a, coordinator_a, _csv(*GOOD))
    import_job_confirm(job=job, by=coordinator_a)
    import_job_run(job_id=job.pk)
    # A crashed worker retried, or a second delivery of the same task.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    import_job_run(job_id=job.pk)
    assert Beneficiary.objects.count() == 2
    assert ImportJob.objects.get(pk=job.pk).imported_count == 2


def test_the_same_file_twice_reports_people_already_followed(association_a, coordinator_a):
    first = _job(association_a, coordinator_a, _csv(*GOOD))
    import_job_confirm(job=first, by=coordinator_a)
    import_job_run(job_id=first.pk)
    second = _job(association_a, coordinator_a, _csv(*GOOD))
    assert second.valid_count == 0
    assert "déjà suivie" in second.report[0]["message"]


def test_duplicates_inside_a_file_are_reported(association_a, coordinator_a):
    job = _job(association_a, coordinator_a, _csv(GOOD[0], GOOD[0]))
    assert job.report == [{"line": 3, "field": "Nom", "message": "Même personne qu’à la ligne 2."}]


def test_an_xlsx_file_with_numbers_and_dates_is_read(association_a, coordinator_a):
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Prénom",
            "Nom",
            "Adresse",
            "Code postal",
            "Ville",
            "Orienté par",
            "Consentement donné par",
            "Date du consentement",
        ]
    )
    sheet.append(
        [
            "Yvette",
            "Garnier",
            "2 place Sathonay",
            1000,
            "Bourg-en-Bresse",
            "famille",
            "personne",
            datetime.datetime(2025, 1, 6),
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _job(association_a, coordinator_a, buffer.getvalue(), name="liste.xlsx")
    assert job.report == []
    assert job.rows[0]["data"]["postcode"] == "01000"
    assert job.rows[0]["data"]["consent_on"] == "2025-01-06"


def test_a_file_missing_required_columns_is_refused_at_upload(association_a, coordinator_a):
    with pytest.raises(DomainError, match="Colonnes manquantes"):
        import_job_create(association=association_a, by=coordinator_a, filename="x.csv", content=b"Nom;Ville\nA;B\n")
    with pytest.raises(DomainError):
        import_job_create(association=association_a, by=coordinator_a, filename="x.pdf", content=b"%PDF")


def test_the_template_has_the_french_headers_and_is_accepted_as_is(coordinator_a_client):
    response = coordinator_a_client.get(reverse("association:import-template"))
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert text.startswith("Prénom;Nom;")
    assert importing.header_problems(text.strip().split(";")) == []


def test_the_pages_show_the_report_then_import_on_confirmation(coordinator_a_client):
    upload = SimpleUploadedFile("personnes.csv", _csv(GOOD[0], BAD[0]), content_type="text/csv")
    response = coordinator_a_client.post(reverse("association:imports"), {"file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("association:import", args=[job.pk])
    page = coordinator_a_client.get(response["Location"]).content.decode()
    assert 'id="import-report"' in page and "Un code postal compte 5 chiffres." in page
    coordinator_a_client.post(reverse("association:import-confirm", args=[job.pk]))
    assert not Beneficiary.objects.exists()
    coordinator_a_client.post(reverse("association:import-confirm", args=[job.pk]), {"valid_only": "on"})
    assert Beneficiary.objects.count() == 1
    assert 'id="import-done"' in coordinator_a_client.get(response["Location"]).content.decode()


@override_settings(LIENS_IMPORT_SYNC_ROWS=2)
def test_a_large_file_is_checked_in_the_background_and_the_page_refreshes(coordinator_a_client, monkeypatch):
    queued = []
    monkeypatch.setattr("missions.association.tasks.import_check.delay", lambda job_id: queued.append(job_id))
    upload = SimpleUploadedFile("personnes.csv", _csv(*GOOD, GOOD[0].replace("Germaine", "Jeanne")))
    with pytest.MonkeyPatch.context():
        response = coordinator_a_client.post(reverse("association:imports"), {"file": upload})
    job = ImportJob.objects.get()
    page = coordinator_a_client.get(response["Location"]).content.decode()
    assert job.status == ImportJob.Status.VALIDATING
    assert 'http-equiv="refresh"' in page and "<progress" in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_large_file(association_a, coordinator_a):
    redis_or_skip()
    rows = [f"Personne{i};Import;1940;{i} rue Dumenge;69004;Lyon;CCAS;;;;;" for i in range(60)]
    job = import_job_create(association=association_a, by=coordinator_a, filename="big.csv", content=_csv(*rows))
    from missions.association import tasks

    with celery_worker() as (queue, proc):
        tasks.import_check.apply_async(args=[job.pk], queue=queue)
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATED, timeout=60)
        job = import_job_confirm(job=ImportJob.objects.get(pk=job.pk), by=coordinator_a)
        # Delivered twice: the second run finds every line already written.
        tasks.import_run.apply_async(args=[job.pk], queue=queue)
        tasks.import_run.apply_async(args=[job.pk], queue=queue)
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, timeout=60)
    assert Beneficiary.objects.filter(last_name="Import").count() == 60
