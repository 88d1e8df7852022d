"""Imports within bounds: every value checked against its column before anything is written, a
sheet read only up to its row limit, an unreadable file ends failed, and an import is all or
nothing."""

import io

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from liens.errors import DomainError
from missions.association import beneficiaries, importing
from missions.association.beneficiaries import beneficiary_create
from missions.association.imports import import_job_check, import_job_confirm, import_job_create, import_job_run
from missions.models import Beneficiary, ImportedRow, ImportJob

pytestmark = pytest.mark.django_db

HEADER = "Prénom;Nom;Adresse;Code postal;Ville;Orienté par;Proche à prévenir"
ROWS = [
    "Germaine;Vial;12 rue d'Austerlitz;69004;Lyon;CCAS;",
    "Marcel;Roux;5 rue Dumenge;69004;Lyon;famille;",
    "Yvette;Garnier;2 place Sathonay;69001;Lyon;voisin;",
]
LONG_NAME = "N" * 150


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _checked(association, user, content, name="personnes.csv") -> ImportJob:
    job = import_job_create(association=association, by=user, filename=name, content=content)
    return import_job_check(job_id=job.pk)


def _xlsx(rows: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Prénom", "Nom", "Adresse", "Code postal", "Ville", "Orienté par"])
    for n in range(rows):
        sheet.append([f"Personne{n}", "Import", f"{n} rue Dumenge", "69004", "Lyon", "CCAS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _counting(monkeypatch, reader_name: str) -> list[int]:
    """Counts the lines the reader hands over (header included)."""
    counted = [0]
    original = getattr(importing, reader_name)

    def counting(content):
        for item in original(content):
            counted[0] += 1
            yield item

    monkeypatch.setattr(importing, reader_name, counting)
    return counted


# --- lengths and types, at the check --------------------------------------------------------


def test_a_last_name_longer_than_its_column_is_a_row_error_at_the_check(association_a, coordinator_a):
    job = _checked(association_a, coordinator_a, _csv(ROWS[0], f"Jeanne;{LONG_NAME};1 rue X;69004;Lyon;CCAS;"))
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.valid_count, job.invalid_count) == (1, 1)
    assert job.report == [{"line": 3, "field": "Nom", "message": "Au plus 100 caractères."}]


def test_a_contact_name_longer_than_its_column_is_a_row_error_at_the_check(association_a, coordinator_a):
    job = _checked(association_a, coordinator_a, _csv(f"Jeanne;Vial;1 rue X;69004;Lyon;CCAS;{'P' * 151}"))
    assert job.report == [{"line": 2, "field": "Proche à prévenir", "message": "Au plus 150 caractères."}]


def test_the_services_refuse_text_longer_than_its_column(association_a, coordinator_a):
    with pytest.raises(DomainError) as refused:
        beneficiary_create(
            association=association_a,
            by=coordinator_a,
            first_name="Jeanne",
            last_name=LONG_NAME,
            address="1 rue X",
            postcode="69004",
            city="Lyon",
            referral_source="ccas",
        )
    assert refused.value.field == "last_name"
    assert not Beneficiary.objects.exists()


# --- row limit, while reading ---------------------------------------------------------------


@override_settings(LIENS_IMPORT_MAX_ROWS=50)
def test_an_xlsx_past_the_row_limit_is_refused_after_reading_just_past_it(association_a, coordinator_a, monkeypatch):
    content = _xlsx(50 + 1000)
    counted = _counting(monkeypatch, "_xlsx_lines")
    with pytest.raises(DomainError, match="plus de 50 lignes"):
        import_job_create(association=association_a, by=coordinator_a, filename="liste.xlsx", content=content)
    assert counted[0] == 1 + 51
    assert not ImportJob.objects.exists()


@override_settings(LIENS_IMPORT_MAX_ROWS=50)
def test_a_csv_past_the_row_limit_is_refused_after_reading_just_past_it(association_a, coordinator_a, monkeypatch):
    rows = [f"P{n};Import;{n} rue X;69004;Lyon;CCAS;" for n in range(1050)]
    counted = _counting(monkeypatch, "_csv_lines")
    with pytest.raises(DomainError, match="plus de 50 lignes"):
        import_job_create(association=association_a, by=coordinator_a, filename="l.csv", content=_csv(*rows))
    assert counted[0] == 1 + 51


@override_settings(LIENS_IMPORT_MAX_ROWS=50)
def test_a_sheet_of_blank_rows_stops_being_read_too(association_a, coordinator_a, monkeypatch):
    content = _csv(ROWS[0], *[";;;;;;"] * 1000)
    counted = _counting(monkeypatch, "_csv_lines")
    with pytest.raises(DomainError):
        import_job_create(association=association_a, by=coordinator_a, filename="l.csv", content=content)
    assert counted[0] == 1 + 101  # stopped past twice the limit


@override_settings(LIENS_IMPORT_MAX_ROWS=50)
def test_a_sheet_at_the_row_limit_is_accepted(association_a, coordinator_a):
    job = import_job_create(association=association_a, by=coordinator_a, filename="liste.xlsx", content=_xlsx(50))
    assert job.total_rows == 50


# --- unreadable files -----------------------------------------------------------------------


def test_a_nul_byte_in_a_csv_is_refused_at_upload(association_a, coordinator_a):
    content = _csv(ROWS[0]).replace(b"Vial", b"Vi\x00al")
    with pytest.raises(DomainError, match="pas du texte"):
        import_job_create(association=association_a, by=coordinator_a, filename="x.csv", content=content)


def test_a_stored_file_with_a_nul_byte_ends_failed_not_checking(association_a, coordinator_a):
    job = ImportJob.objects.create(
        association=association_a,
        created_by=coordinator_a,
        filename="x.csv",
        content=_csv(ROWS[0]).replace(b"Vial", b"Vi\x00al"),
        total_rows=1,
    )
    job = import_job_check(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert "pas du texte" in job.error


def test_a_nul_inside_an_xlsx_cell_never_reaches_the_database(association_a, coordinator_a):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Prénom", "Nom", "Adresse", "Code postal", "Ville", "Orienté par"])
    workbook.active.append(["Jeanne", "Vial", "1 rue X", "69004", "Lyon", "CCAS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _checked(association_a, coordinator_a, buffer.getvalue(), name="l.xlsx")
    # openpyxl will not write a NUL; what a reader may hand over is cleaned the same way.
    assert importing._text("Vi\x00al") == "Vi al"
    assert job.status == ImportJob.Status.VALIDATED


def test_an_unexpected_error_while_checking_ends_the_job_failed(association_a, coordinator_a, monkeypatch):
    job = import_job_create(association=association_a, by=coordinator_a, filename="x.csv", content=_csv(*ROWS))

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(importing, "check_rows", broken)
    job = import_job_check(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.error == "Ce fichier n’a pas pu être vérifié. Rien n’a été importé."


# --- all or nothing -------------------------------------------------------------------------


def test_a_row_refused_while_importing_leaves_nothing_imported(association_a, coordinator_a):
    job = _checked(association_a, coordinator_a, _csv(*ROWS))
    import_job_confirm(job=job, by=coordinator_a)
    # The data changed since the check (here: the stored row itself), as a tightened rule would.
    rows = ImportJob.objects.get(pk=job.pk).rows
    rows[1]["data"]["last_name"] = LONG_NAME
    ImportJob.objects.filter(pk=job.pk).update(rows=rows)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert "Rien n’a été importé" in job.error
    assert {"line": 3, "field": "last_name", "message": "Au plus 100 caractères."} in job.report
    assert not Beneficiary.objects.exists() and not ImportedRow.objects.exists()


def test_an_unexpected_error_while_importing_leaves_nothing_imported(association_a, coordinator_a, monkeypatch):
    job = _checked(association_a, coordinator_a, _csv(*ROWS))
    import_job_confirm(job=job, by=coordinator_a)
    calls = []

    def locate_then_break(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("geocoder down")
        return None

    monkeypatch.setattr(beneficiaries, "address_locate", locate_then_break)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.error == "Ce fichier n’a pas pu être importé. Rien n’a été importé."
    assert len(calls) == 3 and not Beneficiary.objects.exists()


def test_a_150_character_last_name_through_the_api_is_reported_and_confirm_never_half_imports(
    coordinator_a_client,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [*ROWS, f"Jeanne;{LONG_NAME};1 rue X;69004;Lyon;CCAS;"]
    upload = SimpleUploadedFile("personnes.csv", _csv(*rows), content_type="text/csv")
    created = coordinator_a_client.post("/api/association/imports/", {"file": upload})
    assert created.status_code == 201
    job = created.json()
    assert (job["status"], job["valid_count"], job["invalid_count"]) == ("validated", 3, 1)
    refused = coordinator_a_client.post(f"/api/association/imports/{job['id']}/confirm/", {}, "application/json")
    assert refused.status_code == 400 and not Beneficiary.objects.exists()
    done = coordinator_a_client.post(
        f"/api/association/imports/{job['id']}/confirm/", {"valid_only": True}, "application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert Beneficiary.objects.count() == 3


def test_the_import_page_shows_a_failed_job_with_its_reason(coordinator_a_client, association_a, coordinator_a):
    job = ImportJob.objects.create(
        association=association_a, created_by=coordinator_a, filename="x.csv", content=b"\x00\x01", total_rows=1
    )
    import_job_check(job_id=job.pk)
    page = coordinator_a_client.get(reverse("association:import", args=[job.pk])).content.decode()
    assert "pas du texte" in page
