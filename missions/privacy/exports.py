"""The right of access: a person's whole file, as data (JSON) and as a document (PDF).

`beneficiary_file_export` is the one reader; it writes the access-log row (an export carries
every private detail). The PDF is drawn from the same dictionary with fpdf2's core fonts,
whose Latin-1 encoding covers French; the few characters outside it are spelled out.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from missions.association.services import beneficiary_file_open
from missions.models import Beneficiary, Contact, IsolationAlert, VisitReport

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "birth_year",
    "gender",
    "phone",
    "address",
    "postcode",
    "city",
    "neighbourhood",
    "access_notes",
    "practical_tips",
    "referral_source",
    "referrer_name",
    "referrer_contact",
    "referral_reason",
    "consent_by",
    "consent_on",
    "assessed_on",
    "interests",
    "languages",
    "required_languages",
    "visitor_preference",
    "best_times",
    "mobility_notes",
    "hearing_notes",
    "has_pets",
    "smoker",
    "apa_social_hours",
    "status",
    "paused_until",
    "pause_reason",
    "contact_target_days",
    "contact_grace_days",
    "last_contact_at",
    "created_at",
)


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def beneficiary_file_export(*, beneficiary: Beneficiary, by) -> dict:
    """Everything Liens holds about the person, as JSON-ready data; logged as an export."""
    beneficiary_file_open(beneficiary=beneficiary, by=by, what="export")
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


# Characters French text uses that Latin-1 lacks, spelled with ones it has.
_LATIN1_STANDINS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "€": "EUR",
        "\u202f": " ",
    }
)


def _latin1(text) -> str:
    text = "" if text is None else str(text)
    return text.translate(_LATIN1_STANDINS).encode("latin-1", "replace").decode("latin-1")


def _section_rows(data: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The file as titled sections of (label, value) lines, in the reader's language."""
    person = data["person"]
    labels = {name: str(Beneficiary._meta.get_field(name).verbose_name) for name in PERSON_FIELDS}
    sections = [(_("Person"), [(labels[name].capitalize(), person[name]) for name in PERSON_FIELDS])]
    for key, title in (
        ("key_contacts", _("Key contacts")),
        ("assessments", _("Assessments")),
        ("contacts", _("Contacts")),
        ("visit_reports", _("Visit reports")),
        ("alerts", _("Isolation alerts")),
    ):
        lines = []
        for item in data[key]:
            lines.append(
                ("-", " · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in item.items() if v not in ("", None, [])))
            )
        sections.append((title, lines or [("", _("None"))]))
    return sections


def beneficiary_file_pdf(data: dict) -> bytes:
    """The exported file (from `beneficiary_file_export`) as a PDF document."""
    from fpdf import FPDF

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
                "when": data["exported_at"][:16].replace("T", " "),
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
        for label, value in lines:
            if value in ("", None, []):
                continue
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            text = f"{label}: {value}" if label and label != "-" else f"- {value}" if label == "-" else str(value)
            pdf.multi_cell(width, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
