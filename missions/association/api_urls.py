"""API of the association side, under /api/association/."""

from django.urls import path

from . import api

urlpatterns = [
    path("home/", api.HomeAPI.as_view(), name="api-association-home"),
    path("signup/", api.SignupAPI.as_view(), name="api-association-signup"),
    path("pending/", api.PendingAssociationsAPI.as_view(), name="api-association-pending"),
    path("<int:association_id>/validate/", api.ValidateAssociationAPI.as_view(), name="api-association-validate"),
    path("staff/", api.StaffAPI.as_view(), name="api-association-staff"),
    path("staff/<int:membership_id>/", api.MembershipAPI.as_view(), name="api-association-membership"),
    path("invitations/", api.InvitationsAPI.as_view(), name="api-association-invitations"),
    path("beneficiaries/", api.BeneficiariesAPI.as_view(), name="api-association-beneficiaries"),
    path("beneficiaries/<int:beneficiary_id>/", api.BeneficiaryAPI.as_view(), name="api-association-beneficiary"),
    path(
        "beneficiaries/<int:beneficiary_id>/activate/",
        api.BeneficiaryActivateAPI.as_view(),
        name="api-association-beneficiary-activate",
    ),
    path(
        "beneficiaries/<int:beneficiary_id>/pause/",
        api.BeneficiaryPauseAPI.as_view(),
        name="api-association-beneficiary-pause",
    ),
    path(
        "beneficiaries/<int:beneficiary_id>/resume/",
        api.BeneficiaryResumeAPI.as_view(),
        name="api-association-beneficiary-resume",
    ),
    path(
        "beneficiaries/<int:beneficiary_id>/end/",
        api.BeneficiaryEndAPI.as_view(),
        name="api-association-beneficiary-end",
    ),
    path(
        "beneficiaries/<int:beneficiary_id>/assessments/",
        api.AssessmentsAPI.as_view(),
        name="api-association-assessments",
    ),
    path("missions/", api.MissionsAPI.as_view(), name="api-association-missions"),
    path("missions/<int:mission_id>/", api.MissionAPI.as_view(), name="api-association-mission"),
    path("missions/<int:mission_id>/publish/", api.MissionPublishAPI.as_view(), name="api-association-mission-publish"),
    path("missions/<int:mission_id>/fill/", api.MissionFillAPI.as_view(), name="api-association-mission-fill"),
    path("missions/<int:mission_id>/reopen/", api.MissionReopenAPI.as_view(), name="api-association-mission-reopen"),
    path("missions/<int:mission_id>/close/", api.MissionCloseAPI.as_view(), name="api-association-mission-close"),
    path("vetting/", api.VettingAPI.as_view(), name="api-association-vetting"),
    path("vetting/<int:volunteer_id>/", api.VettingRecordAPI.as_view(), name="api-association-vetting-record"),
    path("imports/", api.ImportsAPI.as_view(), name="api-association-imports"),
    path("imports/<int:job_id>/", api.ImportJobAPI.as_view(), name="api-association-import"),
    path("imports/<int:job_id>/confirm/", api.ImportConfirmAPI.as_view(), name="api-association-import-confirm"),
]
