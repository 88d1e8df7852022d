"""Pages of the association side, under /association/ (namespace "association")."""

from django.urls import path

from . import views

app_name = "association"

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch, name="switch"),
    path("signup/", views.signup, name="signup"),
    path("settings/", views.settings_page, name="settings"),
    path("admin/pending/", views.admin_pending, name="admin-pending"),
    path("admin/<int:association_id>/validate/", views.admin_validate, name="admin-validate"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:membership_id>/remove/", views.staff_remove, name="staff-remove"),
    path("staff/<int:membership_id>/role/", views.staff_role, name="staff-role"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
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
