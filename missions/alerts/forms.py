"""Forms of the review queue and of an alert's actions. Validation of shape only: the rules
are the services' (they raise DomainError, which the views put back on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liens.forms import JinjaRendered, Select

from ..models import IsolationAlert, ReferralService
from .selectors import ASSIGNEE_ME, ASSIGNEE_NONE, STATE_ACKNOWLEDGED, STATE_OPEN, STATE_RESOLVED

STATE_CHOICES = [
    ("", _("All unresolved")),
    (STATE_OPEN, _("Not acknowledged")),
    (STATE_ACKNOWLEDGED, _("Acknowledged")),
    (STATE_RESOLVED, _("Resolved")),
]


class QueueFilterForm(JinjaRendered, forms.Form):
    # Rendered on every queue page: its Jinja2 template and selects give Django's HTML in fewer steps.
    template_name = "missions/alerts/_filter_form.html"

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *IsolationAlert.Kind.choices], widget=Select
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All severities")), *IsolationAlert.Severity.choices],
        widget=Select,
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES, widget=Select)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, widget=Select)

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (ASSIGNEE_ME, _("Me")),
            (ASSIGNEE_NONE, _("Nobody yet")),
            *[(str(user.pk), user.get_full_name() or user.email) for user in colleagues],
        ]


class _ActionForm(forms.Form):
    """One of the forms on an alert's page: ids carry the action, so two forms' fields never clash."""

    action = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.action}_%s")
        super().__init__(*args, **kwargs)


class AssignForm(_ActionForm):
    action = "assign"
    assignee = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assignees = {str(user.pk): user for user in assignees}
        self.fields["assignee"].choices = [
            (pk, user.get_full_name() or user.email) for pk, user in self.assignees.items()
        ]

    def clean_assignee(self):
        return self.assignees[self.cleaned_data["assignee"]]


class NoteForm(_ActionForm):
    action = "note"
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CallForm(_ActionForm):
    action = "call"
    reached = forms.TypedChoiceField(
        label=_("Did you reach the person?"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Yes, we spoke")), ("no", _("No answer"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was said"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReferForm(_ActionForm):
    action = "refer"
    service = forms.ChoiceField(label=_("Referred to"), choices=ReferralService.choices)
    note = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        help_text=_("Who you spoke to, what was agreed. Required for another service."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(_ActionForm):
    action = "resolve"
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: the family visits every day; moved into a care home."),
    )
