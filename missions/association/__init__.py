"""The association side: onboarding and staff, beneficiaries, assessments, missions, vetting
desk, bulk imports and the association home — pages under /association/, API under
/api/association/, both calling the services in services.py."""
