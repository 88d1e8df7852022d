"""The monthly statement of lien-social hours for the département, as CSV rows and as a PDF.
Both are drawn from selectors.statement, so they always show the same figures."""

import zoneinfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import LienSocialSession
from ..privacy.exports import _latin1 as latin1
from .months import minutes_label
from .selectors import Statement


def _activities(row) -> str:
    labels = dict(LienSocialSession.Activity.choices)
    return ", ".join(f"{labels.get(kind, kind)} ×{count}" for kind, count in sorted(row.activities.items()))


def _dates(row, tz: str) -> str:
    zone = zoneinfo.ZoneInfo(tz)  # the service's days, as the month is counted
    return ", ".join(formats.date_format(timezone.localtime(moment, zone), "d/m") for moment in row.dates)


def statement_csv_rows(statement: Statement) -> list[list[str]]:
    """Header, one line per person, and the total."""
    rows = [[_("Person"), _("Hours planned"), _("Hours delivered"), _("Sessions"), _("Activities"), _("Dates")]]
    for row in statement.rows:
        rows.append(
            [
                row.person,
                f"{row.planned_minutes / 60:.2f}",
                f"{row.delivered_minutes / 60:.2f}",
                str(len(row.dates)),
                _activities(row),
                _dates(row, statement.service.timezone),
            ]
        )
    rows.append(
        [
            _("Total"),
            f"{statement.planned_minutes / 60:.2f}",
            f"{statement.delivered_minutes / 60:.2f}",
            str(sum(len(row.dates) for row in statement.rows)),
            "",
            "",
        ]
    )
    return rows


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a one-table PDF (fpdf2, Helvetica in Latin-1 like the privacy export)."""
    from fpdf import FPDF  # heavy: loaded only when a PDF is drawn

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(width, 8, latin1(_("Hours of lien social (APA)")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        width,
        6,
        latin1(
            _("%(service)s, statement for %(month)02d/%(year)s")
            % {"service": statement.service.name, "month": statement.month, "year": statement.year}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    for row in statement.rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(width, 7, latin1(row.person), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        lines = [
            ngettext(
                "Planned: %(planned)s · delivered: %(delivered)s · %(count)s session",
                "Planned: %(planned)s · delivered: %(delivered)s · %(count)s sessions",
                len(row.dates),
            )
            % {
                "planned": minutes_label(row.planned_minutes),
                "delivered": minutes_label(row.delivered_minutes),
                "count": len(row.dates),
            },
            _("Activities: %(list)s") % {"list": _activities(row) or "-"},
            _("Dates: %(list)s") % {"list": _dates(row, statement.service.timezone) or "-"},
        ]
        for line in lines:
            pdf.multi_cell(width, 5.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(
        width,
        7,
        latin1(
            _("Total: %(planned)s planned, %(delivered)s delivered")
            % {
                "planned": minutes_label(statement.planned_minutes),
                "delivered": minutes_label(statement.delivered_minutes),
            }
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
