"""Pages of the association side, under /association/ (namespace "association")."""

from django.urls import include, path

from . import beneficiary_views, signup, staff_views, views

app_name = "association"

# The person's file and its status changes (beneficiary_views.py), under beneficiaries/.
beneficiary_urls = [
    path("", beneficiary_views.beneficiary_list, name="beneficiaries"),
    path("new/", beneficiary_views.beneficiary_new, name="beneficiary-new"),
    path("<int:beneficiary_id>/", beneficiary_views.beneficiary_detail, name="beneficiary"),
    path("<int:beneficiary_id>/edit/", beneficiary_views.beneficiary_edit, name="beneficiary-edit"),
    path("<int:beneficiary_id>/edit/<slug:section>/", beneficiary_views.beneficiary_edit, name="beneficiary-section"),
    path("<int:beneficiary_id>/activate/", beneficiary_views.beneficiary_activate, name="beneficiary-activate"),
    path("<int:beneficiary_id>/pause/", beneficiary_views.beneficiary_pause, name="beneficiary-pause"),
    path("<int:beneficiary_id>/resume/", beneficiary_views.beneficiary_resume, name="beneficiary-resume"),
    path("<int:beneficiary_id>/end/", beneficiary_views.beneficiary_end, name="beneficiary-end"),
    path("<int:beneficiary_id>/assessments/new/", beneficiary_views.assessment_new, name="assessment-new"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch, name="switch"),
    path("signup/", views.signup, name="signup"),
    path("join/", signup.register, name="join"),
    path("join/pending/", signup.pending, name="join-pending"),
    path("settings/", views.settings_page, name="settings"),
    path("admin/pending/", views.admin_pending, name="admin-pending"),
    path("admin/<int:association_id>/validate/", views.admin_validate, name="admin-validate"),
    path("staff/", staff_views.staff, name="staff"),
    path("staff/<int:membership_id>/remove/", staff_views.staff_remove, name="staff-remove"),
    path("staff/<int:membership_id>/role/", staff_views.staff_role, name="staff-role"),
    path("invitations/<int:invitation_id>/revoke/", staff_views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", staff_views.invitation_accept, name="invitation-accept"),
    path("beneficiaries/", include(beneficiary_urls)),
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
