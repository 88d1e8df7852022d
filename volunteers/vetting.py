"""Vetting: the steps staff record before a volunteer may visit people at home.

Staff record each step with its date. The background check is an attestation — "verified on
<date> by <staff>" — and no document is ever uploaded or stored. Once the three steps are done
and the volunteer has accepted the charter, the volunteer is approved.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.errors import DomainError
from liens.notify import notify

from .models import Volunteer

INTERVIEW, TRAINING, BACKGROUND_CHECK = "interview", "training", "background_check"
STEPS = (INTERVIEW, TRAINING, BACKGROUND_CHECK)
STEP_LABELS = {
    INTERVIEW: gettext_lazy("Interview with a coordinator"),
    TRAINING: gettext_lazy("Volunteer training"),
    BACKGROUND_CHECK: gettext_lazy("Background check"),
}
# The volunteer's road to approval as they see it: who does each step and how long it usually
# takes. The charter is theirs (in the wizard); the interview, training and background check
# are recorded by a coordinator; approval follows by itself (vetting_approve_if_complete).
YOU, COORDINATOR = gettext_lazy("You"), gettext_lazy("A coordinator")
TIMELINE_LABELS = {
    "charter": gettext_lazy("Charter and consent"),
    **STEP_LABELS,
    "approved": gettext_lazy("Approved: home visits and outings open"),
}
TIMELINE = {
    "charter": (YOU, gettext_lazy("one minute, in your profile")),
    INTERVIEW: (COORDINATOR, gettext_lazy("calls you to meet, usually within a week")),
    TRAINING: (COORDINATOR, gettext_lazy("invites you to the next session, usually within a month")),
    BACKGROUND_CHECK: (
        gettext_lazy("You, then a coordinator"),
        gettext_lazy(
            "you ask for your criminal record extract (bulletin n° 3, free online) and show it "
            "at the interview; it usually arrives within a few days"
        ),
    ),
    "approved": (gettext_lazy("Automatic"), gettext_lazy("as soon as the steps above are done")),
}
STEP_FIELDS = {INTERVIEW: "interview_on", TRAINING: "training_on", BACKGROUND_CHECK: "background_check_on"}


def vetting_steps_left(volunteer: Volunteer) -> list[str]:
    """Staff steps not yet recorded, in the order they usually happen."""
    return [step for step in STEPS if getattr(volunteer, STEP_FIELDS[step]) is None]


def vetting_refusal(user, *, volunteer: Volunteer, association=None) -> str | None:
    """Why `user` may not record a vetting step on `volunteer` (for `association`), or None.

    Who may vet is a rule of the demand side (only the staff of a validated association, never
    on their own profile), and this app must not import it: settings.LIENS_VETTING_RULE names
    the one function that holds it, as OUTBOX_GUARDS does for the outbox. No caller can pass a
    looser rule, and without the setting nobody may vet. Self-vetting is refused here as well,
    so that it holds whatever the setting says.
    """
    if user is None or not user.is_authenticated:
        return str(_("Only association staff can record vetting steps."))
    if volunteer.user_id == user.pk:
        return str(_("Nobody records a vetting step on their own volunteer profile."))
    path = getattr(settings, "LIENS_VETTING_RULE", "")
    if not path:
        return str(_("Only association staff can record vetting steps."))
    return import_string(path)(user, association, volunteer=volunteer)


def vetting_record(*, volunteer: Volunteer, step: str, on: datetime.date, by, association=None) -> Volunteer:
    """Record that `step` was done on `on` by staff member `by`; approve when nothing is left.

    Refused unless `by` may vet this volunteer (vetting_refusal), for `association` when given.
    Writes the step's date (and, for the background check, who verified it); when it completes
    the vetting, sets the volunteer approved and queues a notification to them. Recording a
    step again overwrites its date; approval happens once. The association that recorded the
    step is traced by the caller on the demand side (missions' vetting_step_record).
    """
    if step not in STEPS:
        raise DomainError(_("Unknown vetting step."), field="step")
    refusal = vetting_refusal(by, volunteer=volunteer, association=association)
    if refusal is not None:
        raise DomainError(refusal, field="step", code="forbidden")
    if on > timezone.localdate():
        raise DomainError(_("This date is in the future."), field="on")
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
        if volunteer.left_at is not None:
            raise DomainError(_("This volunteer has left the programme."), field="step")
        if volunteer.vetting_state == Volunteer.Vetting.REJECTED:
            raise DomainError(_("This volunteer's application was declined."), field="step")
        setattr(volunteer, STEP_FIELDS[step], on)
        fields = [STEP_FIELDS[step]]
        if step == BACKGROUND_CHECK:
            volunteer.background_check_by = by
            fields.append("background_check_by")
        volunteer.save(update_fields=fields)
        return vetting_approve_if_complete(volunteer=volunteer)


def vetting_approve_if_complete(*, volunteer: Volunteer) -> Volunteer:
    """Approve a pending volunteer whose steps and charter are all done, and tell them.

    Call inside the caller's transaction with the volunteer row locked. Idempotent: an
    approved volunteer is left as is, and the notification has a stable dedup key.
    """
    if (
        volunteer.vetting_state != Volunteer.Vetting.PENDING
        or vetting_steps_left(volunteer)
        or volunteer.charter_accepted_at is None
    ):
        return volunteer
    volunteer.vetting_state = Volunteer.Vetting.APPROVED
    volunteer.approved_at = timezone.now()
    volunteer.save(update_fields=["vetting_state", "approved_at"])
    notify(
        recipient=volunteer.user,
        kind="volunteer_approved",
        context={
            "volunteer": volunteer,
            # Lazy: notify() renders them in the volunteer's own language.
            "subject": gettext_lazy("You can now visit people at home"),
            "message": gettext_lazy(
                "Your vetting is complete: you can now take home visits and outings. "
                "Open Liens to see the missions near you."
            ),
        },
        dedup_key=f"volunteer:{volunteer.pk}:approved",
    )
    return volunteer
