"""The public catalogue: open missions as anyone may see them, before signing up.

The one place that reads missions across associations for someone with no account. It reads
only open missions of validated associations, whose person is still followed, and turns each
into a PublicCard holding what is safe to show a stranger: the kind, the neighbourhood and
town, the rhythm in broad strokes ("every Tuesday afternoon"), the person's first-name initial,
the association's name, and a coarse distance. Never the title or description (free text a
coordinator may have filled with a name), the address, phone, exact time, position or notes.

A distance is computed here, on the server, from the person's stored point (the place of a
group event) to the centroid of the postcode a visitor typed, and shown rounded to whole
kilometres and never below 1 km: asked from many postcodes, a precise figure would let
someone triangulate a home.

Each page costs the same few queries whatever it shows: the towns offered as filters, the
count and the page of missions (see tests/catalogue).
"""

import math
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, ExpressionWrapper, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, NullIf
from django.http import Http404
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.choices import VisitKind
from liens.lib.geo import KM_PER_DEGREE_LAT, bounding_box, haversine_km
from liens.scopes import scopes_disabled
from missions.models import Beneficiary, Mission
from missions.volunteer.selectors import duration_text

PAGE_SIZE = 10
RADII_KM = (5, 10, 20, 50)

# Parts of the day, by the hour a mission starts (local time).
PERIODS = {"morning": (0, 12), "afternoon": (12, 18), "evening": (18, 24)}
PERIOD_LABELS = {
    "morning": gettext_lazy("morning"),
    "afternoon": gettext_lazy("afternoon"),
    "evening": gettext_lazy("evening"),
}

# The catalogue's one unscoped read says why it is safe (liens.scopes).
CATALOGUE_READ = "the public catalogue: open missions of validated associations, shown as safe cards only"

# The columns a card is made from; nothing else of a mission or its person is loaded.
CARD_COLUMNS = (
    "kind",
    "recurrence",
    "weekday",
    "local_time",
    "starts_at",
    "duration_minutes",
    "volunteers_needed",
    "latitude",
    "longitude",
    "association__name",
    "association__city",
    "association__timezone",
    "beneficiary__first_name",
    "beneficiary__neighbourhood",
    "beneficiary__city",
    "beneficiary__latitude",
    "beneficiary__longitude",
)


@dataclass(frozen=True)
class PublicCard:
    """What a stranger may know of an open mission. Nothing else."""

    mission_id: int
    kind: str
    kind_label: str
    person: str  # the first name's initial, e.g. "S.", or "" for a group event
    place: str  # neighbourhood and town
    rhythm: str  # e.g. "Every Tuesday afternoon"
    duration: str
    association: str
    volunteers_needed: int
    distance: str  # e.g. "About 2 km", or ""


@dataclass(frozen=True)
class CatalogueFilters:
    kind: str = ""
    weekday: int | None = None
    period: str = ""
    town: str = ""
    origin: tuple[float, float] | None = None  # the centroid of the visitor's postcode
    radius_km: int | None = None


def _zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def open_missions() -> QuerySet:
    """Every mission the public catalogue shows: open, of a validated association, for a person
    still followed (or a group event), and not yet over."""
    now = timezone.now()
    today = timezone.localdate()
    with scopes_disabled(CATALOGUE_READ):
        missions = Mission.objects.filter(status=Mission.Status.OPEN, association__validated_at__isnull=False)
    return missions.filter(
        Q(beneficiary__isnull=True) | Q(beneficiary__status=Beneficiary.Status.ACTIVE),
        Q(recurrence=Mission.Recurrence.WEEKLY, end_date__isnull=True)
        | Q(recurrence=Mission.Recurrence.WEEKLY, end_date__gte=today)
        | Q(recurrence=Mission.Recurrence.ONE_OFF, starts_at__gt=now),
    ).annotate(
        # Where the mission happens: the person's neighbourhood and town, the association's for
        # a group event (whose own "place" may be a street address).
        town=Coalesce(NullIf("beneficiary__city", Value("")), "association__city"),
        spot_lat=Coalesce("beneficiary__latitude", "latitude"),
        spot_lon=Coalesce("beneficiary__longitude", "longitude"),
        # The local weekday (0 = Monday) and hour it starts, for the weekday and period filters.
        slot_weekday=Case(
            When(recurrence=Mission.Recurrence.WEEKLY, then=F("weekday")),
            default=ExtractIsoWeekDay("starts_at", tzinfo=_zone()) - 1,
            output_field=IntegerField(),
        ),
        slot_hour=Case(
            When(recurrence=Mission.Recurrence.WEEKLY, then=ExtractHour("local_time")),
            default=ExtractHour("starts_at", tzinfo=_zone()),
            output_field=IntegerField(),
        ),
    )


def catalogue_towns() -> list[str]:
    """The towns where missions are open, for the town filter (one query)."""
    towns = open_missions().order_by("town").values_list("town", flat=True).distinct()
    return [town for town in towns if town]


def _filtered(filters: CatalogueFilters) -> QuerySet:
    missions = open_missions()
    if filters.kind:
        missions = missions.filter(kind=filters.kind)
    if filters.weekday is not None:
        missions = missions.filter(slot_weekday=filters.weekday)
    if filters.period in PERIODS:
        start, end = PERIODS[filters.period]
        missions = missions.filter(slot_hour__gte=start, slot_hour__lt=end)
    if filters.town:
        missions = missions.filter(town__iexact=filters.town)
    if filters.origin is None:
        return missions.order_by("-pk")
    lat, lon = filters.origin
    missions = missions.filter(spot_lat__isnull=False, spot_lon__isnull=False)
    if filters.radius_km:
        box = bounding_box(lat, lon, filters.radius_km)
        missions = missions.filter(
            spot_lat__range=(box.min_lat, box.max_lat), spot_lon__range=(box.min_lon, box.max_lon)
        )
    # Nearest first, by a flat-earth distance in degrees: exact enough to order a few tens of
    # kilometres, and plain arithmetic the database indexes nothing for but computes cheaply.
    shrink = math.cos(math.radians(lat))
    flat = (F("spot_lat") - lat) * (F("spot_lat") - lat) + (F("spot_lon") - lon) * (F("spot_lon") - lon) * (
        shrink * shrink
    )
    missions = missions.annotate(flat_distance=ExpressionWrapper(flat, output_field=FloatField()))
    if filters.radius_km:
        missions = missions.filter(flat_distance__lte=(filters.radius_km / KM_PER_DEGREE_LAT) ** 2)
    return missions.order_by("flat_distance", "-pk")


def catalogue_page(filters: CatalogueFilters, *, page: int | str = 1) -> tuple[Page, list[PublicCard]]:
    """One page of the catalogue with these filters, as safe cards (two queries: count, rows)."""
    missions = _filtered(filters).select_related("association", "beneficiary").only(*CARD_COLUMNS)
    paginator = Paginator(missions, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    cards = [public_card(mission, origin=filters.origin) for mission in page_obj.object_list]
    return page_obj, cards


def catalogue_mission_or_404(mission_id: int, *, origin: tuple[float, float] | None = None) -> PublicCard:
    """The safe card of one mission the catalogue shows; 404 for any other mission."""
    mission = (
        open_missions().filter(pk=mission_id).select_related("association", "beneficiary").only(*CARD_COLUMNS).first()
    )
    if mission is None:
        raise Http404
    return public_card(mission, origin=origin)


# --- the safe card ----------------------------------------------------------------------------


def distance_rounded(km: float | None) -> str:
    """A coarse distance: whole kilometres up to 10, fives beyond, never below 1 km."""
    if km is None:
        return ""
    shown = max(1, round(km)) if km < 10 else 5 * round(km / 5)
    return _("About %(km)s km") % {"km": shown}


def period_of(hour: int) -> str:
    for name, (start, end) in PERIODS.items():
        if start <= hour < end:
            return name
    return "evening"


def rhythm_text(mission: Mission) -> str:
    """When, in broad strokes: the weekday and part of the day, never the exact time."""
    if mission.recurrence == Mission.Recurrence.WEEKLY:
        return _("Every %(weekday)s %(period)s") % {
            "weekday": WEEKDAYS[mission.weekday],
            "period": PERIOD_LABELS[period_of(mission.local_time.hour)],
        }
    local = timezone.localtime(mission.starts_at, zoneinfo.ZoneInfo(mission.association.timezone))
    return _("Once, %(date)s, %(period)s") % {
        "date": formats.date_format(local, "l j F"),
        "period": PERIOD_LABELS[period_of(local.hour)],
    }


def initial_of(first_name: str) -> str:
    first_name = (first_name or "").strip()
    return f"{first_name[0].upper()}." if first_name else ""


def public_card(mission: Mission, *, origin: tuple[float, float] | None = None) -> PublicCard:
    """The card of `mission` for a stranger: no free text, no address, no exact time or point."""
    beneficiary = mission.beneficiary
    town = getattr(mission, "town", "") or (beneficiary.city if beneficiary else mission.association.city)
    neighbourhood = beneficiary.neighbourhood if beneficiary else ""
    place = f"{neighbourhood}, {town}" if neighbourhood and neighbourhood != town else town
    distance_km = None
    lat = beneficiary.latitude if beneficiary else mission.latitude
    lon = beneficiary.longitude if beneficiary else mission.longitude
    if origin is not None and None not in (lat, lon):
        distance_km = haversine_km(origin[0], origin[1], lat, lon)
    return PublicCard(
        mission_id=mission.pk,
        kind=mission.kind,
        kind_label=str(VisitKind(mission.kind).label),
        person=initial_of(beneficiary.first_name) if beneficiary else "",
        place=place,
        rhythm=rhythm_text(mission),
        duration=duration_text(mission.duration_minutes),
        association=mission.association.name,
        volunteers_needed=mission.volunteers_needed,
        distance=distance_rounded(distance_km),
    )
