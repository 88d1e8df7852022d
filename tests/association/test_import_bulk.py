"""Large imports: the file read as a stream, rows checked and written in chunks through the same
service as one person, the progress bar moving chunk by chunk, and still all or nothing."""

import pytest
from django.db import connection

from liens.errors import DomainError
from missions.association import importing, imports
from missions.association.beneficiaries import beneficiaries_create_many
from missions.association.imports import import_job_check, import_job_confirm, import_job_create, import_job_run
from missions.models import Beneficiary, ImportedRow, ImportJob, KeyContact

pytestmark = pytest.mark.django_db

HEADER = "Prénom;Nom;Adresse;Code postal;Ville;Orienté par;Proche à prévenir;Téléphone du proche"
ROWS = [
    "Germaine;Vial;12 rue d'Austerlitz;69004;Lyon;CCAS;Anne Vial;06 11 22 33 44",
    "Marcel;Roux;5 rue Dumenge;69004;Lyon;famille;;",
    "Yvette;Garnier;2 place Sathonay;69001;Lyon;voisin;;",
    "Odette;Marchand;8 rue Belfort;69004;Lyon;CCAS;;",
    "Lucien;Robin;3 rue Dumenge;69004;Lyon;hôpital;;",
]


def _csv(*rows, encoding="utf-8") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


def _checked(association, user, content) -> ImportJob:
    job = import_job_create(association=association, by=user, filename="personnes.csv", content=content)
    return import_job_check(job_id=job.pk)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)


def test_rows_checked_in_chunks_are_stored_in_line_order_with_their_counts(association_a, coordinator_a, small_chunks):
    job = _checked(association_a, coordinator_a, _csv(*ROWS, ROWS[1], "Jeanne;Morel;1 rue X;6904;Lyon;CCAS;;"))
    job = ImportJob.objects.get(pk=job.pk)
    assert [row["line"] for row in job.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert job.rows[0]["data"]["contact_name"] == "Anne Vial"
    assert (job.valid_count, job.invalid_count, job.total_rows, job.processed_rows) == (5, 2, 7, 7)
    assert [(p["line"], p["field"]) for p in job.report] == [(7, "Nom"), (8, "Code postal")]


def test_rows_written_in_chunks_go_through_the_service_with_their_key_contacts(
    association_a, coordinator_a, small_chunks
):
    job = _checked(association_a, coordinator_a, _csv(*ROWS))
    import_job_confirm(job=job, by=coordinator_a)
    job = import_job_run(job_id=job.pk)
    assert (job.status, job.imported_count, job.processed_rows) == (ImportJob.Status.DONE, 5, 5)
    people = Beneficiary.objects.filter(association=association_a)
    assert sorted(people.values_list("last_name", flat=True)) == ["Garnier", "Marchand", "Robin", "Roux", "Vial"]
    assert set(people.values_list("status", flat=True)) == {Beneficiary.Status.INTAKE}
    # Located from the offline table, as one person recorded by hand is.
    assert not people.filter(latitude__isnull=True).exists()
    contact = KeyContact.objects.get()
    assert (contact.beneficiary.last_name, contact.name, contact.phone) == ("Vial", "Anne Vial", "06 11 22 33 44")
    assert sorted(ImportedRow.objects.values_list("line", flat=True)) == [2, 3, 4, 5, 6]


def test_a_row_refused_in_a_later_chunk_rolls_back_the_chunks_written_before(
    association_a, coordinator_a, small_chunks
):
    job = _checked(association_a, coordinator_a, _csv(*ROWS))
    import_job_confirm(job=job, by=coordinator_a)
    rows = ImportJob.objects.get(pk=job.pk).rows
    rows[4]["data"]["postcode"] = "6904"  # line 6, in the third chunk
    ImportJob.objects.filter(pk=job.pk).update(rows=rows)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert {"line": 6, "field": "postcode", "message": "Un code postal compte 5 chiffres."} in job.report
    assert not Beneficiary.objects.exists() and not ImportedRow.objects.exists() and not KeyContact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_moves_after_each_chunk_while_the_import_runs(association_a, coordinator_a, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the bar moves once the import ends")
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    job = _checked(association_a, coordinator_a, _csv(*ROWS))
    import_job_confirm(job=job, by=coordinator_a)
    seen = []

    def watching(**kwargs):
        # What a page polling the job reads now, while the import's transaction is still open.
        seen.append(ImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk))
        return beneficiaries_create_many(**kwargs)

    monkeypatch.setattr(imports, "beneficiaries_create_many", watching)
    job = import_job_run(job_id=job.pk)
    assert seen == [0, 2, 4]
    assert (job.status, job.processed_rows, job.total_rows) == (ImportJob.Status.DONE, 5, 5)


def test_a_windows_1252_file_is_recognised_even_when_its_first_accent_comes_late(
    association_a, coordinator_a, monkeypatch
):
    # The encoding is checked over the whole file, a slice at a time: a file whose first bytes
    # happen to be valid UTF-8 is still read as Windows-1252 when a later byte is not.
    monkeypatch.setattr(importing, "_DECODE_SLICE", 16)
    job = _checked(
        association_a, coordinator_a, _csv(*ROWS[1:], "Hélène;Lœuvre;1 rue X;69004;Lyon;CCAS;;", encoding="cp1252")
    )
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.rows[-1]["data"]["first_name"], job.rows[-1]["data"]["last_name"]) == ("Hélène", "Lœuvre")


def test_the_service_writes_many_people_and_answers_the_refused_ones_in_order(association_a, coordinator_a):
    person = {"address": "1 rue X", "postcode": "69004", "city": "Lyon", "referral_source": "ccas"}
    results = beneficiaries_create_many(
        association=association_a,
        by=coordinator_a,
        people=[
            ({**person, "first_name": "Jeanne", "last_name": "Vial"}, [{"kind": "family", "name": "Anne Vial"}]),
            ({**person, "first_name": "Paul", "last_name": "Roux", "postcode": "690"}, []),
            ({**person, "first_name": "Rose", "last_name": "Blanc"}, [{"kind": "family", "name": ""}]),
        ],
    )
    assert isinstance(results[0], Beneficiary) and results[0].pk
    assert isinstance(results[1], DomainError) and results[1].field == "postcode"
    assert isinstance(results[2], DomainError) and results[2].field == "key_contacts"
    assert list(Beneficiary.objects.values_list("last_name", flat=True)) == ["Vial"]
    assert results[0].contact_target_days == association_a.default_contact_target_days
    assert KeyContact.objects.get().beneficiary_id == results[0].pk


def test_only_staff_of_the_association_write_many_people(association_a, coordinator_b):
    with pytest.raises(DomainError):
        beneficiaries_create_many(association=association_a, by=coordinator_b, people=[])
