"""A volunteer's certificate of hours: the figures (from missions.outcomes.hours), a signed
reference anyone can check at /certificates/verify/<reference>/, and the PDF.

The reference is the certificate's own figures signed with the site's SECRET_KEY
(django.core.signing): the volunteer, the period, the issue date, the visits and minutes
certified, the associations. Nothing is stored: checking a reference verifies its signature,
so a reference whose figures were altered is refused, and the page shows what was certified
that day even if later reports change the count. The figures in it are those printed on the
certificate the volunteer hands over, so it discloses nothing more.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.lib.pdf import latin1
from liens.notify import site_url
from volunteers.models import Volunteer

from .hours import AssociationHours, hours_from_minutes, volunteer_hours_by_association
from .schedule import add_months
from .selectors import site_today

SALT = "liens.outcomes.certificate"
# The earliest start a period may have: before Liens, nothing was recorded.
EARLIEST_START = datetime.date(2020, 1, 1)


@dataclass(frozen=True)
class Certificate:
    volunteer_id: int
    name: str
    start: datetime.date
    end: datetime.date
    issued_on: datetime.date
    rows: list[AssociationHours]

    @property
    def visits(self) -> int:
        return sum(row.visits for row in self.rows)

    @property
    def minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def hours(self) -> float:
        return hours_from_minutes(self.minutes)

    @property
    def reference(self) -> str:
        return signing.dumps(
            {
                "v": self.volunteer_id,
                "s": self.start.isoformat(),
                "e": self.end.isoformat(),
                "i": self.issued_on.isoformat(),
                "n": self.visits,
                "m": self.minutes,
                "a": [row.association for row in self.rows],
            },
            salt=SALT,
            compress=True,
        )

    @property
    def verify_url(self) -> str:
        return site_url(reverse("outcomes:certificate-verify", args=[self.reference]))


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 months, today included."""
    return add_months(today, -12) + datetime.timedelta(days=1), today


def certificate_period_check(*, start: datetime.date, end: datetime.date, today: datetime.date) -> None:
    """The rule on a certificate's period; DomainError naming the field at fault."""
    if end > today:
        raise DomainError(_("The period cannot end after today."), field="end")
    if start > end:
        raise DomainError(_("The period must start on or before its end."), field="start")
    if start < EARLIEST_START:
        raise DomainError(
            _("The period cannot start before %(day)s.") % {"day": formats.date_format(EARLIEST_START)}, field="start"
        )


def volunteer_certificate(
    *, volunteer: Volunteer, start: datetime.date, end: datetime.date, today: datetime.date | None = None
) -> Certificate:
    """The volunteer's certificate for [start, end]; DomainError on a period refused. One query."""
    today = today or site_today()
    certificate_period_check(start=start, end=end, today=today)
    user = volunteer.user
    return Certificate(
        volunteer_id=volunteer.pk,
        name=user.get_full_name() or user.email,
        start=start,
        end=end,
        issued_on=today,
        rows=volunteer_hours_by_association(volunteer=volunteer, start=start, end=end),
    )


@dataclass(frozen=True)
class VerifiedCertificate:
    """What the public verification page shows: nothing beyond the certificate itself."""

    name: str
    start: datetime.date
    end: datetime.date
    issued_on: datetime.date
    visits: int
    hours: float
    associations: list[str]


def certificate_verify(reference: str) -> VerifiedCertificate | None:
    """The certificate a reference stands for, or None when it is not one Liens signed."""
    try:
        data = signing.loads(reference, salt=SALT)
        volunteer = Volunteer.objects.select_related("user").filter(pk=int(data["v"])).first()
        verified = VerifiedCertificate(
            name=(volunteer.user.get_full_name() or volunteer.user.email) if volunteer else "",
            start=datetime.date.fromisoformat(data["s"]),
            end=datetime.date.fromisoformat(data["e"]),
            issued_on=datetime.date.fromisoformat(data["i"]),
            visits=int(data["n"]),
            hours=hours_from_minutes(int(data["m"])),
            associations=[str(name) for name in data["a"]],
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return verified if volunteer is not None else None


# --- the PDF ------------------------------------------------------------------------------------


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


def certificate_pdf(certificate: Certificate, *, language: str) -> bytes:
    """The certificate as an A4 PDF, in `language` (the volunteer's)."""
    from fpdf import FPDF  # heavy: loaded only when a PDF is drawn

    with translation.override(language):
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(latin1(_("Certificate of volunteer hours")))
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        def line(text: str, *, size: float = 11, style: str = "", height: float = 6.5) -> None:
            pdf.set_font("Helvetica", style, size)
            pdf.multi_cell(width, height, latin1(text), new_x="LMARGIN", new_y="NEXT")

        line("Liens", size=12, style="B")
        pdf.ln(4)
        line(_("Certificate of volunteer hours"), size=18, style="B", height=10)
        pdf.ln(4)
        line(
            _("This certifies that %(name)s volunteered from %(start)s to %(end)s:")
            % {"name": certificate.name, "start": _day(certificate.start), "end": _day(certificate.end)}
        )
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        columns = (width * 0.55, width * 0.2, width * 0.25)
        for label, column in zip((_("Association"), _("Visits"), _("Duration")), columns, strict=True):
            pdf.cell(column, 8, latin1(label), border="B")
        pdf.ln(8)
        pdf.set_font("Helvetica", "", 10)
        for row in certificate.rows:
            pdf.cell(columns[0], 7, latin1(row.association))
            pdf.cell(columns[1], 7, str(row.visits))
            pdf.cell(columns[2], 7, latin1(_hours(row.minutes)))
            pdf.ln(7)
        if not certificate.rows:
            pdf.cell(width, 7, latin1(_("No visit reported in this period.")))
            pdf.ln(7)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(columns[0], 8, latin1(_("Total")), border="T")
        pdf.cell(columns[1], 8, str(certificate.visits), border="T")
        pdf.cell(columns[2], 8, latin1(_hours(certificate.minutes)), border="T")
        pdf.ln(12)
        line(
            _(
                "Counted: visits the volunteer reported as having taken place, for the time written in each "
                "report. Voluntary work, unpaid."
            ),
            size=9,
            height=5,
        )
        pdf.ln(4)
        line(_("Issued on %(day)s.") % {"day": _day(certificate.issued_on)})
        pdf.ln(2)
        line(_("Check this certificate at:"), size=9, height=5)
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(
            width, 4.5, latin1(certificate.verify_url), new_x="LMARGIN", new_y="NEXT", link=certificate.verify_url
        )
        return bytes(pdf.output())
