"""Pages of the association side, under /association/ (namespace "association")."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from liens.scopes import view_scopes_disabled

from ..scoping import staff_required
from . import views

# The pages outside any association's staff scope say here why the rows they read are safe
# (liens.scopes); the platform admin's pages take the admin's scope, every association.
# Registering an association: its signer has no scope over it until it exists.
SIGNUP_SCOPE = view_scopes_disabled("registering a new association, outside any staff scope")
# The invitation link: the signed token is the only key, and the page shows and accepts only
# the invitation it names (its association's name, the invitee's email).
INVITATION_SCOPE = view_scopes_disabled("the invitation link's token names the one invitation it opens")


def ADMIN_SCOPE(view):  # noqa: N802 - reads like the two constants above
    """The platform admins' pages: staff_required gives an admin every association (the view
    then answers 404 to anyone who is not a platform admin)."""
    return login_required(staff_required(view))


app_name = "association"

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch, name="switch"),
    path("signup/", SIGNUP_SCOPE(views.signup), name="signup"),
    path("settings/", views.settings_page, name="settings"),
    path("admin/pending/", ADMIN_SCOPE(views.admin_pending), name="admin-pending"),
    path("admin/<int:association_id>/validate/", ADMIN_SCOPE(views.admin_validate), name="admin-validate"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:membership_id>/remove/", views.staff_remove, name="staff-remove"),
    path("staff/<int:membership_id>/role/", views.staff_role, name="staff-role"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", INVITATION_SCOPE(views.invitation_accept), name="invitation-accept"),
    path("beneficiaries/", views.beneficiary_list, name="beneficiaries"),
    path("beneficiaries/new/", views.beneficiary_new, name="beneficiary-new"),
    path("beneficiaries/<int:beneficiary_id>/", views.beneficiary_detail, name="beneficiary"),
    path("beneficiaries/<int:beneficiary_id>/edit/", views.beneficiary_edit, name="beneficiary-edit"),
    path("beneficiaries/<int:beneficiary_id>/activate/", views.beneficiary_activate, name="beneficiary-activate"),
    path("beneficiaries/<int:beneficiary_id>/pause/", views.beneficiary_pause, name="beneficiary-pause"),
    path("beneficiaries/<int:beneficiary_id>/resume/", views.beneficiary_resume, name="beneficiary-resume"),
    path("beneficiaries/<int:beneficiary_id>/end/", views.beneficiary_end, name="beneficiary-end"),
    path("beneficiaries/<int:beneficiary_id>/assessments/new/", views.assessment_new, name="assessment-new"),
    path("missions/", views.mission_list, name="missions"),
    path("missions/new/", views.mission_new, name="mission-new"),
    path("missions/<int:mission_id>/", views.mission_detail, name="mission"),
    path("missions/<int:mission_id>/edit/", views.mission_edit, name="mission-edit"),
    path("missions/<int:mission_id>/publish/", views.mission_publish, name="mission-publish"),
    path("missions/<int:mission_id>/fill/", views.mission_fill, name="mission-fill"),
    path("missions/<int:mission_id>/reopen/", views.mission_reopen, name="mission-reopen"),
    path("missions/<int:mission_id>/close/", views.mission_close, name="mission-close"),
    path("vetting/", views.vetting, name="vetting"),
    path("vetting/<int:volunteer_id>/record/", views.vetting_record, name="vetting-record"),
    path("imports/", views.imports, name="imports"),
    path("imports/template.csv", views.import_template, name="import-template"),
    path("imports/<int:job_id>/", views.import_detail, name="import"),
    path("imports/<int:job_id>/confirm/", views.import_confirm, name="import-confirm"),
]
