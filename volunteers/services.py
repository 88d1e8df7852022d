"""Writes on the volunteer's side: sign-up, the profile wizard, pause, leave, calendar token.

Pausing and leaving have consequences on the demand side (stand-ins for the visits missed,
matches ended), which this app must not import: `missions` depends on `volunteers`, never the
reverse. Settings name the one function that carries each (LIENS_VOLUNTEER_PAUSED,
LIENS_VOLUNTEER_LEAVING), as LIENS_VETTING_RULE does for vetting; it runs inside the same
transaction, so a pause or a departure is never half done.
"""

import datetime
import secrets
from decimal import Decimal, InvalidOperation

import phonenumbers
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from liens.choices import Interest, Language, VisitKind
from liens.errors import DomainError
from liens.geocoding import GeoPoint, geocode, is_french_postcode
from liens.models import Notification, PushSubscription, User
from liens.notify import chosen_channels
from liens.push import push_available
from liens.selectors import notification_groups_offered
from liens.services import notifications_scrub, notify_channels_set

from .models import AvailabilitySlot, Volunteer, new_calendar_token
from .vetting import vetting_approve_if_complete

# Every profile step. Each saves on its own; the names are stored in profile_steps_done.
PROFILE_STEPS = ("availability", "place", "interests", "kinds", "charter", "notifications")
# The sign-up wizard asks only what nobody can default: when the volunteer is free, and their
# acceptance of the charter. The other steps start from the defaults volunteer_signup sets
# (reach, languages, every kind of visit, how we reach them) and stay on the profile to refine.
WIZARD_STEPS = ("availability", "charter")
OPTIONAL_STEPS = tuple(step for step in PROFILE_STEPS if step not in WIZARD_STEPS)

# The availability grid's periods, in local time. Adjacent ticked periods are merged into one
# slot, so a 17:00-18:30 mission fits a volunteer free in the afternoon and the evening.
PERIODS = {
    "morning": (datetime.time(8, 0), datetime.time(12, 0)),
    "afternoon": (datetime.time(12, 0), datetime.time(18, 0)),
    "evening": (datetime.time(18, 0), datetime.time(22, 0)),
}
PERIOD_LABELS = {
    "morning": gettext_lazy("Morning"),
    "afternoon": gettext_lazy("Afternoon"),
    "evening": gettext_lazy("Evening"),
}

MAX_PAUSE_DAYS = 366
LEFT_EMAIL_DOMAIN = "anonyme.invalid"


# --- small validators shared with forms and serializers ---------------------------------------


def phone_normalise(raw: str) -> str:
    """A French or international phone number in E.164 form; DomainError when not a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(_("This is not a valid phone number, e.g. 06 12 34 56 78."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def location_resolve(*, postcode: str, address: str = "") -> GeoPoint:
    """Geocode an address (or just a postcode); DomainError on the field that failed."""
    postcode = (postcode or "").strip()
    address = " ".join((address or "").split())
    if not is_french_postcode(postcode):
        raise DomainError(_("Enter a French postcode of five digits, e.g. 69004."), field="postcode")
    if address:
        point = geocode(f"{address}, {postcode}")
        if point is None:
            raise DomainError(
                _("We could not find this address. Check the number and street, or leave it empty."),
                field="address",
            )
        return point
    point = geocode(postcode)
    if point is None:
        raise DomainError(_("We do not know this postcode. Check it, or try a nearby one."), field="postcode")
    return point


def _step_done(volunteer: Volunteer, step: str) -> list[str]:
    done = [s for s in PROFILE_STEPS if s in volunteer.profile_steps_done or s == step]
    volunteer.profile_steps_done = done
    return ["profile_steps_done"]


def _locked(volunteer: Volunteer) -> Volunteer:
    """The volunteer row, locked for this transaction; refuses someone who has left."""
    locked = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    if locked.left_at is not None:
        raise DomainError(_("This volunteer has left the programme."))
    return locked


# --- sign-up and the profile wizard -----------------------------------------------------------


def volunteer_signup(*, user: User, postcode: str, phone: str = "", point: GeoPoint | None = None) -> Volunteer:
    """Create the volunteer profile (vetting pending) for a user who just signed up, with the
    defaults that spare the optional wizard steps: every kind of visit, the language they signed
    up in, reminders by email (and by SMS when they gave a mobile number), the model's travel
    radius and quiet hours.

    Call inside the sign-up transaction, so the user and their profile exist together or not
    at all. `point` saves a second geocoder call when the form already resolved the postcode.
    Not idempotent: a user has one profile (the one-to-one refuses a second).
    """
    point = point or location_resolve(postcode=postcode)
    if phone:
        user.phone = phone_normalise(phone)
        user.save(update_fields=["phone"])
    language = user.language if user.language in Language.values else Language.FRENCH
    if user.phone:
        # A phone given at sign-up: messages come by text message as well as by email.
        _ways_set(user=user, by_email=True, by_sms=True)
    return Volunteer.objects.create(
        user=user,
        postcode=postcode.strip(),
        city=point.city,
        latitude=point.latitude,
        longitude=point.longitude,
        vetting_state=Volunteer.Vetting.PENDING,
        visit_kinds=list(VisitKind.values),
        languages=[language],
    )


def availability_set(*, volunteer: Volunteer, ranges: list[tuple[int, datetime.time, datetime.time]]) -> list:
    """Replace the volunteer's weekly slots with `ranges` (weekday, start, end), merged.

    Overlapping or touching ranges on a day become one slot. Idempotent: the same ranges give
    the same rows. Marks the wizard's availability step done.
    """
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for weekday, start, end in ranges:
        if not 0 <= int(weekday) <= 6:
            raise DomainError(_("A weekday goes from Monday (0) to Sunday (6)."), field="slots")
        if start >= end:
            raise DomainError(_("Each time range must end after it starts."), field="slots")
        by_day.setdefault(int(weekday), []).append((start, end))
    if not by_day:
        raise DomainError(_("Tick at least one moment when you are free."), field="slots")
    merged = []
    for weekday, spans in sorted(by_day.items()):
        spans.sort()
        current_start, current_end = spans[0]
        for start, end in spans[1:]:
            if start <= current_end:
                current_end = max(current_end, end)
            else:
                merged.append(
                    AvailabilitySlot(volunteer_id=volunteer.pk, weekday=weekday, start=current_start, end=current_end)
                )
                current_start, current_end = start, end
        merged.append(
            AvailabilitySlot(volunteer_id=volunteer.pk, weekday=weekday, start=current_start, end=current_end)
        )
    with transaction.atomic():
        locked = _locked(volunteer)
        AvailabilitySlot.objects.filter(volunteer=locked).delete()
        rows = AvailabilitySlot.objects.bulk_create(merged)
        locked.save(update_fields=_step_done(locked, "availability"))
    return rows


def volunteer_place_set(*, volunteer: Volunteer, postcode: str, address: str = "", travel_radius_km) -> Volunteer:
    """Store where the volunteer starts from (geocoded, never shown) and how far they go."""
    try:
        radius = Decimal(str(travel_radius_km)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        radius = Decimal(0)
    if not Decimal("0.5") <= radius <= Decimal(100):
        raise DomainError(_("Choose a distance between 0.5 and 100 km."), field="travel_radius_km")
    # Geocode before the transaction: a slow address service must not hold the row lock.
    point = location_resolve(postcode=postcode, address=address)
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.postcode = postcode.strip()
        locked.address = " ".join((address or "").split())
        locked.city = point.city
        locked.latitude, locked.longitude = point.latitude, point.longitude
        locked.travel_radius_km = radius
        fields = ["postcode", "address", "city", "latitude", "longitude", "travel_radius_km"]
        locked.save(update_fields=fields + _step_done(locked, "place"))
    return locked


def _checked(values, choices, field: str) -> list[str]:
    allowed = set(choices.values)
    values = list(dict.fromkeys(values or []))
    if any(value not in allowed for value in values):
        raise DomainError(_("Choose from the list."), field=field)
    return values


def volunteer_interests_set(*, volunteer: Volunteer, interests: list[str], languages: list[str]) -> Volunteer:
    """Store the volunteer's interests and the languages they speak (at least one)."""
    interests = _checked(interests, Interest, "interests")
    languages = _checked(languages, Language, "languages")
    if not languages:
        raise DomainError(_("Choose at least one language you speak."), field="languages")
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.interests, locked.languages = interests, languages
        locked.save(update_fields=["interests", "languages", *_step_done(locked, "interests")])
    return locked


def volunteer_kinds_set(*, volunteer: Volunteer, visit_kinds: list[str], max_commitments: int) -> Volunteer:
    """Store which kinds of visit the volunteer accepts and how many commitments at most."""
    visit_kinds = _checked(visit_kinds, VisitKind, "visit_kinds")
    if not visit_kinds:
        raise DomainError(_("Choose at least one kind of visit."), field="visit_kinds")
    if not isinstance(max_commitments, int) or not 1 <= max_commitments <= 10:
        raise DomainError(_("Choose between 1 and 10."), field="max_commitments")
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.visit_kinds, locked.max_commitments = visit_kinds, max_commitments
        locked.save(update_fields=["visit_kinds", "max_commitments", *_step_done(locked, "kinds")])
    return locked


def volunteer_charter_accept(*, volunteer: Volunteer, charter: bool, data_consent: bool) -> Volunteer:
    """Record the charter and data-protection consent (first acceptance time is kept).

    May complete the vetting and approve the volunteer (see vetting_approve_if_complete).
    """
    if not charter:
        raise DomainError(_("Please accept the volunteer charter to continue."), field="charter")
    if not data_consent:
        raise DomainError(_("Please agree to how we use your data to continue."), field="data_consent")
    with transaction.atomic():
        locked = _locked(volunteer)
        now = timezone.now()
        locked.charter_accepted_at = locked.charter_accepted_at or now
        locked.data_consent_at = locked.data_consent_at or now
        locked.save(update_fields=["charter_accepted_at", "data_consent_at", *_step_done(locked, "charter")])
        return vetting_approve_if_complete(volunteer=locked)


def volunteer_notifications_set(
    *,
    volunteer: Volunteer,
    notify_email: bool,
    notify_sms: bool,
    phone: str,
    quiet_from: datetime.time,
    quiet_until: datetime.time,
) -> Volunteer:
    """Store how the volunteer wants to be told things (by email, by SMS: in every group of messages
    they receive, see _ways_set), their phone, and their quiet hours. Idempotent."""
    phone = phone_normalise(phone)
    if notify_sms and not phone:
        raise DomainError(_("Give a mobile number to receive text messages."), field="phone")
    if not (notify_email or notify_sms):
        raise DomainError(_("Choose at least one way to reach you."), field="notify_email")
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.quiet_from, locked.quiet_until = quiet_from, quiet_until
        locked.save(update_fields=["quiet_from", "quiet_until", *_step_done(locked, "notifications")])
        locked.user.phone = phone
        locked.user.save(update_fields=["phone"])
        _ways_set(user=locked.user, by_email=notify_email, by_sms=notify_sms)
    return locked


def _ways_set(*, user: User, by_email: bool, by_sms: bool) -> None:
    """The profile's shortcut over the channels per group (liens.notify): email and SMS as asked in
    every group of messages the person receives; push stays where they chose it for a group."""
    ways = [Notification.Channel.EMAIL] * by_email + [Notification.Channel.SMS] * by_sms
    push = [Notification.Channel.PUSH] if push_available() else []
    choices = {
        group: ways + [channel for channel in push if channel in (chosen_channels(user, group) or [])]
        for group in notification_groups_offered(user)
    }
    notify_channels_set(user=user, choices=choices)


# --- pause, leave, calendar ---------------------------------------------------------------------


def _hook(name: str):
    """The demand side's function a setting names, or a no-op when the setting is empty (a
    site without missions has nothing to cover or end)."""
    path = getattr(settings, name, "")
    return import_string(path) if path else (lambda **kwargs: None)


def volunteer_pause(*, volunteer: Volunteer, until: datetime.date, reason: str = "") -> Volunteer:
    """Pause the volunteer until `until` (inclusive) and ask for stand-ins for their visits.

    The stand-ins come from the function settings.LIENS_VOLUNTEER_PAUSED names, in the same
    transaction. Pausing again moves the end date; that function is idempotent.
    """
    today = timezone.localdate()
    if until <= today:
        raise DomainError(_("Choose a date after today."), field="until")
    if until > today + datetime.timedelta(days=MAX_PAUSE_DAYS):
        raise DomainError(_("A pause lasts a year at most."), field="until")
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.paused_until, locked.pause_reason = until, (reason or "")[:200]
        locked.save(update_fields=["paused_until", "pause_reason"])
        _hook("LIENS_VOLUNTEER_PAUSED")(volunteer=locked, until=until)
    return locked


def volunteer_resume(*, volunteer: Volunteer) -> Volunteer:
    """End a pause today. Idempotent."""
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.paused_until, locked.pause_reason = None, ""
        locked.save(update_fields=["paused_until", "pause_reason"])
    return locked


def volunteer_leave(*, volunteer: Volunteer) -> Volunteer:
    """Leave the programme: end live matches, then erase the volunteer's personal data.

    The user row stays (deactivated, email replaced by a placeholder, names and phone blank,
    password unusable) and so does the profile, emptied: the Contact rows of the people they
    visited keep pointing at an anonymous volunteer, so the ledger history stays whole.
    Pending messages to them are cancelled, and their name is scrubbed from every outbox
    message, sent or not. Idempotent: leaving twice changes nothing.
    """
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
        if locked.left_at is not None:
            return locked
        user = locked.user
        # Messages to others name the volunteer ("Marie Durand cannot come..."), sent or not:
        # the name goes from all of them, before it goes from the user row it was read from.
        notifications_scrub(names=[user.get_full_name(), user.email])
        notifications_scrub(names=[user.first_name], recipients=[user.pk])  # "Hello Marie," to them
        _hook("LIENS_VOLUNTEER_LEAVING")(volunteer=locked, by=user, reason=_("The volunteer left the programme."))

        AvailabilitySlot.objects.filter(volunteer=locked).delete()
        for name in ["postcode", "address", "city", "pause_reason"]:
            setattr(locked, name, "")
        locked.latitude = locked.longitude = locked.birth_year = locked.paused_until = None
        locked.interests, locked.languages, locked.visit_kinds = [], [], []
        locked.calendar_token = new_calendar_token()  # the old feed URL stops answering
        locked.left_at = timezone.now()
        locked.save()

        Notification.objects.filter(recipient=user, status=Notification.Status.PENDING).update(
            status=Notification.Status.CANCELLED, last_error="recipient left the programme"
        )
        EmailAddress.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        # The phones' push addresses are theirs too: nothing more reaches those devices.
        PushSubscription.objects.filter(user=user).delete()
        user.notify_channels = {}
        user.email = f"left-{user.pk}-{secrets.token_hex(4)}@{LEFT_EMAIL_DOMAIN}"
        user.first_name = user.last_name = user.phone = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return locked


def calendar_token_reset(*, volunteer: Volunteer) -> Volunteer:
    """Give the volunteer a new secret calendar URL; the old one answers 404 from now on."""
    with transaction.atomic():
        locked = _locked(volunteer)
        locked.calendar_token = new_calendar_token()
        locked.save(update_fields=["calendar_token"])
    return locked
