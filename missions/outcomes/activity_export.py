"""The activity report as people read it: its figures in labelled sections (the page's tables),
its charts (SVG drawn on the server), and the same sections as CSV, XLSX and PDF. Everything
here reads an `activity.ActivityReport`; nothing counts anew, so the page, the exports and the
territory report show the same numbers.
"""

import csv
import io
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from liens.lib import svgchart
from liens.lib.pdf import latin1
from missions.models import Contact, IsolationAlert, Partner, Referral, Visit

from .activity import ActivityReport, Share


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float | None  # None: nothing to show (no alert acted on, nobody assessed twice)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _share(figures: list[Figure], share: Share, *, count: str, total: str, percent: str) -> None:
    figures += [Figure(count, share.count), Figure(total, share.total), Figure(percent, share.percent)]


def sections(report: ActivityReport) -> list[Section]:
    """The report's figures in the order the page, the CSV, the XLSX and the PDF show them."""
    people = [
        Figure(_("People followed during the period"), report.people_followed),
        Figure(_("New people followed"), report.people_new),
    ]
    _share(
        people,
        report.within_target,
        count=_("Within their contact target at the end of the period"),
        total=_("People followed at the end of the period"),
        percent=_("Share within their contact target (%)"),
    )
    referrals = [Figure(_("New referrals"), report.referrals_new)]
    referrals += [
        Figure(_("From: %(source)s") % {"source": _label(Partner.Kind, key)}, n)
        for key, n in sorted(report.referrals_by_source.items())
    ]
    referrals += [
        Figure(_("Now: %(status)s") % {"status": _label(Referral.Status, key)}, n)
        for key, n in sorted(report.referrals_by_status.items())
    ]
    referrals += [
        Figure(_("Outcome: %(outcome)s") % {"outcome": _label(Referral.Outcome, key)}, n)
        for key, n in sorted(report.referrals_by_outcome.items())
    ]
    visits = [Figure(_label(Visit.Status, key), report.visits_by_status.get(key, 0)) for key in VISIT_STATUSES]
    contacts = [Figure(_label(Contact.Kind, key), n) for key, n in sorted(report.contacts_by_kind.items())]
    contacts.append(Figure(_("All contacts"), report.contacts_total))
    hours = [
        Figure(_("Volunteer visits counted"), report.volunteer_visits_counted),
        Figure(_("Volunteer hours"), report.volunteer_hours),
        Figure(_("Lien social sessions (home care)"), report.lien_social_sessions),
        Figure(_("Hours of lien social (home care)"), report.lien_social_hours),
    ]
    alerts = []
    for row in report.alerts:
        kind = _label(IsolationAlert.Kind, row.kind)
        alerts += [
            Figure(_("%(kind)s: alerts raised") % {"kind": kind}, row.raised),
            Figure(_("%(kind)s: acted on") % {"kind": kind}, row.acted_on),
            Figure(_("%(kind)s: median hours to first action") % {"kind": kind}, row.median_hours),
            Figure(_("%(kind)s: longest hours to first action") % {"kind": kind}, row.max_hours),
        ]
    continuity: list[Figure] = []
    _share(
        continuity,
        report.one_visitor,
        count=_("People all visited by the same volunteer"),
        total=_("People visited"),
        percent=_("Share visited by one volunteer (%)"),
    )
    _share(
        continuity,
        report.visitor_kept_months,
        count=_("Months with a visitor of the month before"),
        total=_("Months visited after a visited month"),
        percent=_("Share of months with the same visitor (%)"),
    )
    volunteers = [
        Figure(_("Volunteers active"), report.volunteers_active),
        Figure(_("Volunteers active in the previous period"), report.volunteers_active_before),
        Figure(_("Volunteers retained (active in both)"), report.volunteers_retained),
    ]
    scores = []
    for row in report.scores:
        scores += [
            Figure(_("%(scale)s: people assessed twice or more") % {"scale": row.label}, row.people),
            Figure(_("%(scale)s: mean first score") % {"scale": row.label}, row.mean_first),
            Figure(_("%(scale)s: mean last score") % {"scale": row.label}, row.mean_last),
        ]
    return [
        Section("people", _("People"), people),
        Section("referrals", _("Referrals"), referrals),
        Section("visits", _("Visits"), visits),
        Section("contacts", _("Contacts"), contacts),
        Section("hours", _("Hours, never added together"), hours),
        Section("alerts", _("Alerts"), alerts),
        Section("continuity", _("Continuity"), continuity),
        Section("volunteers", _("Volunteers"), volunteers),
        Section("scores", _("Scores before and after"), scores),
    ]


VISIT_STATUSES = [
    Visit.Status.DONE,
    Visit.Status.MISSED,
    Visit.Status.CANCELLED,
    Visit.Status.UNCONFIRMED,
    Visit.Status.SCHEDULED,
]


def value_text(value) -> str:
    """A figure as the page and the PDF write it: localised decimals, a dash for none."""
    if value is None:
        return "–"
    return formats.number_format(value, use_l10n=True)


def _described(figures: list[Figure]) -> str:
    return "; ".join(f"{f.label}: {value_text(f.value)}" for f in figures) or _("Nothing in this period.")


def charts(report: ActivityReport, by_key: dict[str, Section]) -> dict[str, str]:
    """The SVG charts of the page, each with its figures in words (the tables give them too)."""
    drawn = {}
    for key, title in (
        ("visits", _("Visits by status")),
        ("contacts", _("Contacts by kind")),
    ):
        figures = [f for f in by_key[key].figures if f.value and f.label != _("All contacts")]
        drawn[key] = svgchart.bar_chart(
            [svgchart.Point(f.label, f.value) for f in figures],
            chart_id=f"chart-{key}",
            title=title,
            description=_described(figures),
            value_text=value_text,
        )
    sources = [svgchart.Point(_label(Partner.Kind, key), n) for key, n in sorted(report.referrals_by_source.items())]
    drawn["referrals"] = svgchart.bar_chart(
        sources,
        chart_id="chart-referrals",
        title=_("New referrals by source"),
        description="; ".join(f"{p.label}: {p.value}" for p in sources) or _("Nothing in this period."),
        value_text=value_text,
    )
    hours = [
        svgchart.Point(_("Volunteer hours"), report.volunteer_hours),
        svgchart.Point(_("Hours of lien social (home care)"), report.lien_social_hours),
    ]
    drawn["hours"] = svgchart.bar_chart(
        hours,
        chart_id="chart-hours",
        title=_("Volunteer hours and hours of lien social, side by side"),
        description="; ".join(f"{p.label}: {value_text(p.value)}" for p in hours),
        value_text=value_text,
    )
    return drawn


# --- exports ---------------------------------------------------------------------------------


def filename(report: ActivityReport, extension: str, *, scope: str) -> str:
    return f"liens-activity-{scope}-{report.start.isoformat()}-{report.end.isoformat()}.{extension}"


def _rows(report: ActivityReport):
    for section in sections(report):
        for figure in section.figures:
            yield section.title, figure.label, figure.value


def as_csv(report: ActivityReport, *, heading: str) -> str:
    """Section, figure, value: one line per figure, a blank value where there is none."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading, report.start.isoformat(), report.end.isoformat()])
    writer.writerow([_("Section"), _("Figure"), _("Value")])
    for section, label, value in _rows(report):
        writer.writerow([section, label, "" if value is None else value])
    return out.getvalue()


def as_xlsx(report: ActivityReport, *, heading: str) -> bytes:
    """The same lines in a workbook, numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Activity")[:31]
    sheet.append([heading, report.start.isoformat(), report.end.isoformat()])
    sheet.append([_("Section"), _("Figure"), _("Value")])
    for row in _rows(report):
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_pdf(report: ActivityReport, *, heading: str) -> bytes:
    """The same sections, one table each, on A4."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, latin1(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    period = _("From %(start)s to %(end)s") % {
        "start": formats.date_format(report.start),
        "end": formats.date_format(report.end),
    }
    pdf.multi_cell(0, 6, latin1(period), new_x="LMARGIN", new_y="NEXT")
    for section in sections(report):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, latin1(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        if not section.figures:
            pdf.multi_cell(0, 6, latin1(_("Nothing in this period.")), new_x="LMARGIN", new_y="NEXT")
        for figure in section.figures:
            pdf.cell(150, 6, latin1(figure.label), border="B")
            pdf.cell(30, 6, latin1(value_text(figure.value)), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
