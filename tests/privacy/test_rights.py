"""Rights of the people in the files: export, erasure, retention jobs, a volunteer leaving."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from liens.models import Notification, SensitiveAccess
from liens.services import notifications_purge_sent, sensitive_access_purge
from missions.models import Beneficiary, Contact, ImportedRow, ImportJob, KeyContact, Membership
from missions.privacy.erasure import beneficiary_erase as erase_service
from missions.privacy.retention import beneficiaries_anonymise_ended, import_files_purge
from tests import factories
from volunteers.services import volunteer_leave

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_a(association_a):
    person = factories.BeneficiaryFactory(
        association=association_a, first_name="Odette", last_name="Marchand", status=Beneficiary.Status.ENDED
    )
    KeyContact.objects.create(beneficiary=person, kind="family", name="Paul Marchand", phone="0600000000")
    Contact.objects.create(beneficiary=person, kind="call", occurred_at=timezone.now(), notes="Sa fille Anne passe.")
    return person


def _notification(recipient, text: str, *, status=Notification.Status.SENT, key: str, created=None) -> Notification:
    row = Notification.objects.create(
        recipient=recipient,
        channel="email",
        kind="visit_cancelled",
        subject=text,
        body_text=text,
        body_html=f"<p>{text}</p>",
        payload={"note": text},
        status=status,
        sent_at=timezone.now() if status == Notification.Status.SENT else None,
        dedup_key=key,
    )
    if created:
        Notification.objects.filter(pk=row.pk).update(created_at=created)
    return row


# --- export -----------------------------------------------------------------------------------


def test_staff_export_the_file_as_json_and_it_is_logged(ended_a, coordinator_a_client):
    response = coordinator_a_client.get(reverse("privacy:beneficiary-export-json", args=[ended_a.pk]))

    assert response.status_code == 200
    data = response.json()
    assert data["person"]["last_name"] == "Marchand"
    assert data["key_contacts"][0]["name"] == "Paul Marchand"
    assert data["contacts"][0]["notes"] == "Sa fille Anne passe."
    assert SensitiveAccess.objects.filter(subject=f"beneficiary:{ended_a.pk}", what="export").count() == 1


def test_the_pdf_export_is_a_pdf_with_french_accents(association_a, coordinator_a_client):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Hélène", last_name="Lœuvre")

    response = coordinator_a_client.get(reverse("privacy:beneficiary-export-pdf", args=[person.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert SensitiveAccess.objects.filter(subject=f"beneficiary:{person.pk}").count() == 1


def test_another_association_cannot_export_or_erase(ended_a, coordinator_b_client):
    for name in ("privacy:beneficiary-export-json", "privacy:beneficiary-export-pdf", "privacy:beneficiary-erase"):
        assert coordinator_b_client.get(reverse(name, args=[ended_a.pk])).status_code == 404
    assert (
        coordinator_b_client.post(
            reverse("privacy:beneficiary-erase", args=[ended_a.pk]), {"confirm": "on"}
        ).status_code
        == 404
    )
    assert SensitiveAccess.objects.count() == 0


def test_a_volunteer_downloads_their_own_data(volunteer, volunteer_client):
    response = volunteer_client.get(reverse("privacy:volunteer-export"))

    assert response.status_code == 200
    assert b'"email": "volunteer@exemple.fr"' in response.content
    api = APIClient()
    api.force_authenticate(volunteer.user)
    assert api.get("/api/volunteer/me/data/").json()["account"]["email"] == "volunteer@exemple.fr"


# --- erasure ----------------------------------------------------------------------------------


def test_erasure_needs_the_confirmation_box(ended_a, coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("privacy:beneficiary-erase", args=[ended_a.pk]), {}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "Tick the box to confirm the erasure." in response.content.decode()
    ended_a.refresh_from_db()
    assert ended_a.erased_at is None and ended_a.last_name == "Marchand"


def test_erasure_removes_identity_contacts_free_text_and_messages_but_keeps_counts(
    ended_a, coordinator_a, coordinator_a_client
):
    mention = _notification(coordinator_a, "Visite chez Odette M. annulée (Odette Marchand).", key="k1")
    other = _notification(coordinator_a, "Visite chez Jules R. annulée.", key="k2")
    job = ImportJob.objects.create(
        association=ended_a.association, filename="liste.csv", content=b"Odette;Marchand", status="done"
    )
    ImportedRow.objects.create(job=job, line=2, beneficiary=ended_a)
    unconfirmed = ImportJob.objects.create(
        association=ended_a.association,
        filename="nouvelle-liste.csv",
        content=b"Odette;Marchand",
        status="validated",
        rows=[{"line": 2, "data": {"first_name": "Odette", "last_name": "Marchand"}, "valid": True}],
    )
    unrelated = ImportJob.objects.create(
        association=ended_a.association,
        filename="autre.csv",
        content=b"Jules;Robin",
        status="validated",
        rows=[{"line": 2, "data": {"first_name": "Jules", "last_name": "Robin"}, "valid": True}],
    )

    response = coordinator_a_client.post(reverse("privacy:beneficiary-erase", args=[ended_a.pk]), {"confirm": "on"})

    assert response.status_code == 302
    ended_a.refresh_from_db()
    assert ended_a.erased_at is not None
    assert (ended_a.first_name, ended_a.last_name, ended_a.phone, ended_a.address) == ("", "", "", "")
    assert not KeyContact.objects.filter(beneficiary=ended_a).exists()
    assert Contact.objects.get(beneficiary=ended_a).notes == ""
    assert Contact.objects.filter(beneficiary=ended_a).count() == 1  # the count stays
    mention.refresh_from_db()
    assert "Odette" not in mention.body_text + mention.subject + mention.body_html + str(mention.payload)
    other.refresh_from_db()
    assert other.body_text == "Visite chez Jules R. annulée."
    job.refresh_from_db()
    assert bytes(job.content) == b"" and job.file_purged_at is not None
    unconfirmed.refresh_from_db(), unrelated.refresh_from_db()
    assert unconfirmed.rows == [] and bytes(unconfirmed.content) == b""
    assert bytes(unrelated.content) == b"Jules;Robin" and unrelated.rows
    assert SensitiveAccess.objects.filter(subject=f"beneficiary:{ended_a.pk}", what="erased").count() == 1


def test_erasure_finds_an_unconfirmed_import_naming_the_person_with_accents(association_a, coordinator_a):
    person = factories.BeneficiaryFactory(
        association=association_a, first_name="Hélène", last_name="Lœuvre", status=Beneficiary.Status.ENDED
    )
    job = ImportJob.objects.create(
        association=association_a,
        filename="liste.csv",
        content="Hélène;Lœuvre".encode(),
        status="validated",
        rows=[{"line": 2, "data": {"first_name": "Hélène", "last_name": "Lœuvre"}, "valid": True}],
    )

    erase_service(beneficiary=person, by=coordinator_a)

    job.refresh_from_db()
    assert job.rows == [] and job.file_purged_at is not None


def test_an_erased_file_says_so_and_offers_no_second_erasure(ended_a, coordinator_a, coordinator_a_client):
    erase_service(beneficiary=ended_a, by=coordinator_a)

    page = coordinator_a_client.get(reverse("association:beneficiary", args=[ended_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    erase = coordinator_a_client.get(reverse("privacy:beneficiary-erase", args=[ended_a.pk]), HTTP_ACCEPT_LANGUAGE="en")

    assert "only anonymous counts remain" in page.content.decode()
    assert reverse("privacy:beneficiary-erase", args=[ended_a.pk]) not in page.content.decode()
    assert "This file is already erased." in erase.content.decode()
    assert "Odette" not in page.content.decode()


def test_a_person_still_followed_cannot_be_erased(association_a, coordinator_a):
    person = factories.BeneficiaryFactory(association=association_a)
    api = APIClient()
    api.force_authenticate(coordinator_a)

    response = api.post(f"/api/association/beneficiaries/{person.pk}/erase/", {"confirm": True}, format="json")

    assert response.status_code == 400
    person.refresh_from_db()
    assert person.erased_at is None


def test_a_platform_admin_outside_the_association_cannot_erase(ended_a, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)

    response = api.post(f"/api/association/beneficiaries/{ended_a.pk}/erase/", {"confirm": True}, format="json")

    assert response.status_code == 403  # who may erase is a permission: forbidden
    assert Membership.objects.filter(user=admin_user).count() == 0


def test_erasure_through_the_api_is_idempotent(ended_a, coordinator_a):
    api = APIClient()
    api.force_authenticate(coordinator_a)
    url = f"/api/association/beneficiaries/{ended_a.pk}/erase/"

    assert api.post(url, {"confirm": True}, format="json").status_code == 204
    assert api.post(url, {"confirm": True}, format="json").status_code == 204
    assert SensitiveAccess.objects.filter(what="erased").count() == 1


# --- a volunteer leaving ----------------------------------------------------------------------


def test_a_volunteer_who_leaves_is_scrubbed_from_sent_and_unsent_messages(volunteer, coordinator_a):
    volunteer.user.first_name, volunteer.user.last_name = "Marie", "Durand"
    volunteer.user.save()
    sent = _notification(coordinator_a, "Marie Durand ne peut pas venir.", key="s1")
    pending = _notification(
        coordinator_a, "La visite de Marie Durand est déplacée.", status=Notification.Status.PENDING, key="p1"
    )

    volunteer_leave(volunteer=volunteer)

    for row in (sent, pending):
        row.refresh_from_db()
        assert "Durand" not in row.subject + row.body_text + row.body_html + str(row.payload)


# --- retention jobs ---------------------------------------------------------------------------


def test_the_access_log_purge_deletes_rows_older_than_12_months_and_keeps_newer(admin_user):
    now = timezone.now()
    old = SensitiveAccess.objects.create(
        user=admin_user, subject="beneficiary:1", what="a", at=now - datetime.timedelta(days=366)
    )
    recent = SensitiveAccess.objects.create(
        user=admin_user, subject="beneficiary:1", what="a", at=now - datetime.timedelta(days=364)
    )

    assert sensitive_access_purge() == 1
    assert sensitive_access_purge() == 0  # idempotent
    assert not SensitiveAccess.objects.filter(pk=old.pk).exists()
    assert SensitiveAccess.objects.filter(pk=recent.pk).exists()


def test_sent_messages_are_emptied_after_90_days_and_pending_ones_kept(coordinator_a):
    long_ago = timezone.now() - settings.LIENS_RETENTION_SENT_NOTIFICATIONS - datetime.timedelta(days=1)
    old_sent = _notification(coordinator_a, "Odette M.", key="o1", created=long_ago)
    old_pending = _notification(
        coordinator_a, "Odette M.", key="o2", status=Notification.Status.PENDING, created=long_ago
    )
    fresh_sent = _notification(coordinator_a, "Odette M.", key="o3")

    assert notifications_purge_sent() == 1
    assert notifications_purge_sent() == 0
    old_sent.refresh_from_db(), old_pending.refresh_from_db(), fresh_sent.refresh_from_db()
    assert (old_sent.body_text, old_sent.subject, old_sent.payload) == ("", "", {})
    assert old_pending.body_text == "Odette M." and fresh_sent.body_text == "Odette M."


def test_import_files_are_purged_after_30_days(association_a):
    old = ImportJob.objects.create(association=association_a, filename="a.csv", content=b"x", rows=[{"line": 2}])
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    fresh = ImportJob.objects.create(association=association_a, filename="b.csv", content=b"y")

    assert import_files_purge() == 1
    assert import_files_purge() == 0
    old.refresh_from_db(), fresh.refresh_from_db()
    assert bytes(old.content) == b"" and old.rows == []
    assert bytes(fresh.content) == b"y"


def test_people_ended_two_years_after_their_last_contact_are_anonymised(association_a):
    now = timezone.now()
    gone = factories.BeneficiaryFactory(
        association=association_a, status="ended", last_contact_at=now - datetime.timedelta(days=731)
    )
    recent = factories.BeneficiaryFactory(
        association=association_a, status="ended", last_contact_at=now - datetime.timedelta(days=700)
    )
    followed = factories.BeneficiaryFactory(
        association=association_a, last_contact_at=now - datetime.timedelta(days=800)
    )

    assert beneficiaries_anonymise_ended() == 1
    assert beneficiaries_anonymise_ended() == 0
    gone.refresh_from_db(), recent.refresh_from_db(), followed.refresh_from_db()
    assert gone.erased_at is not None and gone.last_name == "" and gone.phone == ""
    assert recent.erased_at is None and recent.last_name
    assert followed.erased_at is None


def test_each_retention_job_has_a_beat_entry_and_a_command():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "liens.tasks.purge_access_log",
        "liens.tasks.purge_sent_notifications",
        "missions.privacy.purge_import_files",
        "missions.privacy.anonymise_ended",
    } <= tasks
    import importlib

    from liens.celery import app

    for module in settings.CELERY_IMPORTS:
        importlib.import_module(module)
    importlib.import_module("liens.tasks")
    assert {
        "liens.tasks.purge_access_log",
        "liens.tasks.purge_sent_notifications",
        "missions.privacy.purge_import_files",
        "missions.privacy.anonymise_ended",
    } <= set(app.tasks)
    for command in (
        "purge_access_log",
        "purge_sent_notifications",
        "purge_import_files",
        "anonymise_ended_beneficiaries",
    ):
        call_command(command)


# --- the processing register ------------------------------------------------------------------


def test_managers_read_the_register_with_the_retention_periods(association_a, coordinator_a, coordinator_a_client):
    Membership.objects.filter(user=coordinator_a).update(role=Membership.Role.MANAGER)
    factories.totp_enroll(coordinator_a)  # managers must use two-factor authentication

    response = coordinator_a_client.get(reverse("privacy:register"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "12 months" in response.content.decode()
    assert "90 days" in response.content.decode()
    assert "2 years" in response.content.decode()


def test_coordinators_are_refused_the_register_and_do_not_see_its_link(coordinator_a_client):
    assert coordinator_a_client.get(reverse("privacy:register")).status_code == 403
    home = coordinator_a_client.get(reverse("association:beneficiaries")).content.decode()
    assert reverse("privacy:register") not in home


def test_managers_see_the_link_to_the_register(coordinator_a, coordinator_a_client):
    Membership.objects.filter(user=coordinator_a).update(role=Membership.Role.MANAGER)
    factories.totp_enroll(coordinator_a)  # managers must use two-factor authentication

    page = coordinator_a_client.get(reverse("association:beneficiaries")).content.decode()

    assert reverse("privacy:register") in page
