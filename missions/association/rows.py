"""What a row of a staff list offers, worked out in Python once per row rather than by a
template per button: the rows (Jinja2 partials, liens.jinja) call it by the name
settings.TEMPLATES gives it."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liens.jinja import url as jinja_url
from missions.models import Mission

_BUTTON = "button small"
_SECONDARY = "button small secondary"
_DANGER = "button small secondary quiet-danger"


def mission_row_actions(mission, association, gettext=_, url=jinja_url) -> list[tuple[str, str, str]]:
    """The one-tap status changes a row of the missions list offers, as (address, label,
    button classes): publish a draft (once the association is validated), mark an open
    mission filled, reopen a filled one, close any but a closed one. The partial hands over its
    own `gettext` and `url`, which know the render's language already (liens.jinja.bound_to_active)."""
    if mission.status == Mission.Status.CLOSED:
        return []
    actions = []
    if mission.status == Mission.Status.DRAFT and association.is_validated:
        actions.append((url("association:mission-publish", mission.pk), gettext("Publish"), _BUTTON))
    if mission.status == Mission.Status.OPEN:
        actions.append((url("association:mission-fill", mission.pk), gettext("Mark filled"), _SECONDARY))
    if mission.status == Mission.Status.FILLED:
        actions.append((url("association:mission-reopen", mission.pk), gettext("Reopen"), _SECONDARY))
    actions.append((url("association:mission-close", mission.pk), gettext("Close"), _DANGER))
    return actions


# The association home's counted phrases. A Jinja2 partial's only strings are _("...") ones,
# which `make messages` finds as in a Django template; a plural is written here, where it
# finds ngettext (the msgids the home's Django template had).
_HOME_PLURALS = {
    "drafts": lambda n: ngettext("%(n)s draft", "%(n)s drafts", n),
    "open_referrals": lambda n: ngettext("%(n)s open referral", "%(n)s open referrals", n),
    "pauses_ending": lambda n: ngettext("%(n)s pause ends within two days", "%(n)s pauses end within two days", n),
    "overdue": lambda n: ngettext("%(n)s overdue", "%(n)s overdue", n),
    "no_baseline": lambda n: ngettext("%(n)s person with no assessment yet", "%(n)s people with no assessment yet", n),
}


def home_plural(phrase: str, n: int) -> str:
    """The home's phrase for `n` things, in the reader's language."""
    return _HOME_PLURALS[phrase](n) % {"n": n}
