"""The right of access: a person's whole file, as data (JSON) and as a document (PDF).

`beneficiary_file_export` is the one reader; it writes the access-log row (an export carries
every private detail). The PDF is drawn from the same dictionary with fpdf2's core fonts,
whose Latin-1 encoding covers French; the few characters outside it are spelled out.
"""

import datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from liens.choices import Interest, Language
from liens.lib.pdf import latin1 as _latin1
from missions import disclosure
from missions.association.beneficiaries import BENEFICIARY_FIELDS, beneficiary_file_open
from missions.models import Assessment, Beneficiary, Contact, IsolationAlert, KeyContact, Match, Visit, VisitReport

# What a coordinator writes on the file, then what Liens keeps about the follow-up itself.
PERSON_FIELDS = (*BENEFICIARY_FIELDS, "status", "paused_until", "pause_reason", "last_contact_at", "created_at")


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def beneficiary_file_export(*, beneficiary: Beneficiary, by) -> dict:
    """Everything Liens holds about the person, as JSON-ready data; logged as an export."""
    beneficiary_file_open(beneficiary=beneficiary, by=by, parts=(disclosure.EXPORT,))
    reports = VisitReport.objects.filter(visit__match__mission__beneficiary=beneficiary).order_by("submitted_at")
    return {
        "exported_at": timezone.now().isoformat(),
        "association": beneficiary.association.name,
        "person": {name: _plain(getattr(beneficiary, name)) for name in PERSON_FIELDS},
        "key_contacts": [
            {"kind": c.kind, "name": c.name, "relation": c.relation, "phone": c.phone, "email": c.email}
            for c in beneficiary.key_contacts.order_by("kind", "name")
        ],
        "assessments": [
            {"scale": a.scale, "answers": a.answers, "score": a.score, "taken_on": _plain(a.taken_on)}
            for a in beneficiary.assessments.order_by("taken_on", "pk")
        ],
        "contacts": [
            {"kind": c.kind, "occurred_at": _plain(c.occurred_at), "notes": c.notes}
            for c in Contact.objects.filter(beneficiary=beneficiary).order_by("occurred_at", "pk")
        ],
        "visit_reports": [
            {
                "visit_starts_at": _plain(r.visit.starts_at),
                "happened": r.happened,
                "mood": r.mood,
                "concerns": r.concerns,
                "notes": r.notes,
            }
            for r in reports.select_related("visit")
        ],
        "alerts": [
            {
                "kind": a.kind,
                "severity": a.severity,
                "raised_at": _plain(a.raised_at),
                "resolved_at": _plain(a.resolved_at),
                "resolution": a.resolution,
            }
            for a in IsolationAlert.objects.filter(beneficiary=beneficiary).order_by("raised_at", "pk")
        ],
    }


def _when(value: str | None, *, time: bool = False) -> str:
    """An ISO date or time from the export, as the reader writes it."""
    if not value:
        return ""
    if time:
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    return formats.date_format(datetime.date.fromisoformat(value[:10]), "SHORT_DATE_FORMAT")


def _labelled(label: str, value) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _person_value(name: str, value):
    """One field of the person, as words: choices by their label, yes/no, dates."""
    field = Beneficiary._meta.get_field(name)
    if value in ("", None, []):
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in ("interests",):
        return ", ".join(str(dict(Interest.choices).get(v, v)) for v in value)
    if name in ("languages", "required_languages"):
        return ", ".join(str(dict(Language.choices).get(v, v)) for v in value)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(field, models.DateTimeField):
        return _when(value, time=True)
    if isinstance(field, models.DateField):
        return _when(value)
    return value


def _label(model, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


# Fields without a verbose name of their own.
_FIELD_LABELS = {
    "status": lambda: _("Status"),
    "last_contact_at": lambda: _("Last contact"),
    "created_at": lambda: _("Recorded on"),
}


def _section_rows(data: dict) -> list[tuple[str, list[str]]]:
    """The file as titled sections of lines, in the reader's language."""
    person = data["person"]
    lines = []
    for name in PERSON_FIELDS:
        value = _person_value(name, person[name])
        if value != "":
            lines.append(
                _labelled(_FIELD_LABELS[name]() if name in _FIELD_LABELS else _label(Beneficiary, name), value)
            )
    sections = [(_("Person"), lines)]

    def choice(model_choices, value) -> str:
        return str(dict(model_choices).get(value, value))

    sections.append(
        (
            _("Key contacts"),
            [
                " · ".join(
                    part
                    for part in (
                        choice(KeyContact.Kind.choices, c["kind"]),
                        c["name"],
                        c["relation"],
                        c["phone"],
                        c["email"],
                    )
                    if part
                )
                for c in data["key_contacts"]
            ],
        )
    )
    sections.append(
        (
            _("Assessments"),
            [
                f"{_when(a['taken_on'])} · {choice(Assessment.Scale.choices, a['scale'])} · {a['score']}"
                for a in data["assessments"]
            ],
        )
    )
    sections.append(
        (
            _("Contacts"),
            [
                " · ".join(
                    part
                    for part in (
                        _when(c["occurred_at"], time=True),
                        choice(Contact.Kind.choices, c["kind"]),
                        c["notes"],
                    )
                    if part
                )
                for c in data["contacts"]
            ],
        )
    )
    sections.append(
        (
            _("Visit reports"),
            [
                " · ".join(
                    part
                    for part in (
                        _when(r["visit_starts_at"], time=True),
                        choice(VisitReport.Mood.choices, r["mood"]) if r["mood"] else "",
                        ", ".join(choice(VisitReport.Concern.choices, c) for c in r["concerns"]),
                        r["notes"],
                    )
                    if part
                )
                for r in data["visit_reports"]
            ],
        )
    )
    sections.append(
        (
            _("Isolation alerts"),
            [
                " · ".join(
                    part
                    for part in (
                        _when(a["raised_at"], time=True),
                        choice(IsolationAlert.Kind.choices, a["kind"]),
                        choice(IsolationAlert.Severity.choices, a["severity"]),
                        a["resolution"],
                    )
                    if part
                )
                for a in data["alerts"]
            ],
        )
    )
    return [(title, lines or [_("None")]) for title, lines in sections]


def beneficiary_file_pdf(data: dict) -> bytes:
    """The exported file (from `beneficiary_file_export`) as a PDF document."""
    from fpdf import FPDF  # heavy: loaded only when a PDF is drawn

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    person = data["person"]
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 9, _latin1(f"{person['first_name']} {person['last_name']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        width,
        6,
        _latin1(
            _("File held by %(association)s, exported on %(when)s.")
            % {
                "association": data["association"],
                "when": _when(data["exported_at"], time=True),
            }
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for title, lines in _section_rows(data):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for line in lines:
            pdf.multi_cell(width, 5.5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- the volunteer's own data (right of access) ---------------------------------------------------

_PROFILE_EXPORT_FIELDS = (
    "gender",
    "birth_year",
    "postcode",
    "address",
    "city",
    "travel_radius_km",
    "interests",
    "languages",
    "visit_kinds",
    "max_commitments",
    "paused_until",
    "pause_reason",
    "vetting_state",
    "interview_on",
    "training_on",
    "background_check_on",
    "charter_accepted_at",
    "data_consent_at",
    "approved_at",
    "quiet_from",
    "quiet_until",
)


def _json_value(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def volunteer_data_export(volunteer) -> dict:
    """Everything Liens holds about the volunteer, as JSON-ready data. The people they visit
    appear by first name and initial only: their file is theirs, not the volunteer's."""
    user = volunteer.user
    matches = Match.objects.filter(volunteer=volunteer).select_related("mission__beneficiary").order_by("proposed_at")
    visits = (
        Visit.objects.filter(match__volunteer=volunteer)
        .select_related("match__mission__beneficiary", "report")
        .order_by("starts_at")
    )

    def person(mission) -> str:
        return mission.beneficiary.display_name if mission.beneficiary_id else mission.place

    def report(visit) -> dict | None:
        r = getattr(visit, "report", None)
        if r is None:
            return None
        return {"happened": r.happened, "mood": r.mood, "concerns": r.concerns, "notes": r.notes}

    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "language": user.language,
            "notify_channels": user.notify_channels,
            "date_joined": _json_value(user.date_joined),
        },
        "profile": {name: _json_value(getattr(volunteer, name)) for name in _PROFILE_EXPORT_FIELDS},
        "availability": [
            {"weekday": s.weekday, "start": _json_value(s.start), "end": _json_value(s.end)}
            for s in volunteer.slots.order_by("weekday", "start")
        ],
        "matches": [
            {
                "mission": m.mission.title,
                "person": person(m.mission),
                "status": m.status,
                "proposed_at": _json_value(m.proposed_at),
                "ended_at": _json_value(m.ended_at),
            }
            for m in matches
        ],
        "visits": [
            {
                "person": person(v.match.mission),
                "starts_at": _json_value(v.starts_at),
                "status": v.status,
                "report": report(v),
            }
            for v in visits
        ],
    }
