"""Forms of the association side: they check input and hand cleaned data to the services."""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liens.choices import Interest, Language, VisitKind
from missions import assessments, deadline
from missions.models import Assessment, Association, Beneficiary, KeyContact, Membership, Mission

from . import validators
from .beneficiaries import BENEFICIARY_FIELDS, BENEFICIARY_SECTIONS
from .services import ASSOCIATION_SIGNUP_FIELDS

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class AssociationSignupForm(forms.ModelForm):
    class Meta:
        model = Association
        fields = list(ASSOCIATION_SIGNUP_FIELDS)
        help_texts = {
            "siret": _("14 digits. Give the SIRET or the RNA number (or both)."),
            "rna": _("W followed by 9 digits, for associations registered in the RNA."),
            "territory": _("The commune, metropolis or département where you work, e.g. Métropole de Lyon."),
        }
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A volunteers' association unless the signer says it is a home-care service: a form
        # (or an API client) that does not ask keeps registering associations as before.
        self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Association.Kind.ASSOCIATION

    def clean_siret(self):
        return validators.clean_siret(self.cleaned_data.get("siret", ""))

    def clean_rna(self):
        return validators.clean_rna(self.cleaned_data.get("rna", ""))

    def clean_postcode(self):
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if not postcode.isdigit() or len(postcode) != 5:
            raise forms.ValidationError(_("A postcode has 5 digits."))
        return postcode

    def clean(self):
        data = super().clean()
        if not data.get("siret") and not data.get("rna") and not self.has_error("siret") and not self.has_error("rna"):
            self.add_error("siret", _("Give the association's SIRET or RNA number."))
        return data

    def _post_clean(self):
        # The service writes the row; the model's own checks would only repeat the form's.
        pass


class AssociationSettingsForm(forms.Form):
    default_contact_target_days = forms.IntegerField(
        label=_("Contact target (days)"), min_value=deadline.TARGET_DAYS_MIN, max_value=deadline.TARGET_DAYS_MAX
    )
    default_contact_grace_days = forms.IntegerField(
        label=_("Grace (days)"), min_value=deadline.GRACE_DAYS_MIN, max_value=deadline.GRACE_DAYS_MAX
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        # The roles of this kind of organisation (Association.staff_roles), the first by default.
        self.fields["role"].choices = association.staff_roles
        self.fields["role"].initial = association.staff_roles[0][0]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = association.staff_roles


class AccountOpenForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


BENEFICIARY_FORM_FIELDS = list(BENEFICIARY_FIELDS)


class BeneficiaryForm(forms.ModelForm):
    interests = forms.MultipleChoiceField(
        label=_("Interests"), choices=Interest.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    required_languages = forms.MultipleChoiceField(
        label=_("The visitor must speak one of"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when any visitor will do."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", "—"), ("female", _("Woman")), ("male", _("Man")), ("other", _("Other / not said"))],
    )

    class Meta:
        model = Beneficiary
        fields = BENEFICIARY_FORM_FIELDS
        widgets = {
            "consent_on": DateInput(),
            "assessed_on": DateInput(),
            "access_notes": forms.Textarea(attrs={"rows": 2}),
            "practical_tips": forms.Textarea(attrs={"rows": 2}),
            "referral_reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "consent_by": _("Without a recorded consent the person cannot be followed."),
            "assessed_on": _("The coordinator's first visit, before any volunteer is matched."),
            "contact_target_days": _("How often someone should be in touch, in days."),
            "contact_grace_days": _("Extra days before silence raises an alert."),
        }

    def __init__(self, *args, association: Association | None = None, section: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if association is not None and not self.instance.pk:
            self.initial.setdefault("contact_target_days", association.default_contact_target_days)
            self.initial.setdefault("contact_grace_days", association.default_contact_grace_days)
            self.initial.setdefault("languages", ["fr"])
        if section is not None:
            # One section of the file (BENEFICIARY_SECTIONS): only its fields are shown and saved.
            for name in set(self.fields) - set(BENEFICIARY_SECTIONS[section]):
                del self.fields[name]
        if "consent_by" in self.fields:
            self.fields["consent_by"].required = False
        # The browser's hint; the service checks the same range (missions.deadline) and says why.
        for name, low, high in (
            ("contact_target_days", deadline.TARGET_DAYS_MIN, deadline.TARGET_DAYS_MAX),
            ("contact_grace_days", deadline.GRACE_DAYS_MIN, deadline.GRACE_DAYS_MAX),
        ):
            if name in self.fields:
                self.fields[name].widget.attrs.update(min=low, max=high)

    def clean_postcode(self):
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if not postcode.isdigit() or len(postcode) != 5:
            raise forms.ValidationError(_("A postcode has 5 digits."))
        return postcode

    def _post_clean(self):
        # The service checks the rules and writes; nothing is copied onto the instance here.
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("birth_year", "consent_on", "assessed_on"):
            if name in data:
                data[name] = data[name] or None
        return data


# How each section of a person's file is titled, on its form and on the file page.
BENEFICIARY_SECTION_LABELS = {
    "identity": _("The person"),
    "consent": _("Referral and consent"),
    "contact": _("Phone and access"),
    "preferences": _("Preferences"),
    "health": _("Health and mobility"),
    "key_contacts": _("Key contacts"),
    "follow_up": _("Contact target and APA"),
}

KeyContactFormSet = inlineformset_factory(
    Beneficiary,
    KeyContact,
    fields=["kind", "name", "relation", "phone", "email"],
    extra=1,
    can_delete=True,
)


def key_contacts_from(formset) -> list[dict]:
    """The contacts a valid formset describes, without the deleted or empty forms."""
    contacts = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("name"):
            continue
        contacts.append({k: data.get(k) or "" for k in ("kind", "name", "relation", "phone", "email")})
    return contacts


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, help_text=_("e.g. hospital stay, holiday"))
    until = forms.DateField(label=_("Until"), widget=DateInput())


class EndForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


SCALE_ITEMS = {
    Assessment.Scale.UCLA3: (assessments.UCLA3_ITEMS, assessments.UCLA3_CHOICES),
    Assessment.Scale.LSNS6: (assessments.LSNS6_ITEMS, assessments.LSNS6_CHOICES),
    Assessment.Scale.DJG6: (assessments.DJG6_ITEMS, assessments.DJG6_CHOICES),
    Assessment.Scale.DIRECT: ((assessments.DIRECT_QUESTION,), assessments.DIRECT_CHOICES),
}


class AssessmentForm(forms.Form):
    """One scale's questions as radio buttons, plus the date it was taken."""

    taken_on = forms.DateField(label=_("Taken on"), widget=DateInput())

    def __init__(self, *args, scale: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.initial.setdefault("taken_on", timezone.localdate())
        items, choices = SCALE_ITEMS[scale]
        for number, question in enumerate(items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=question,
                choices=choices,
                coerce=int if isinstance(choices[0][0], int) else str,
                widget=forms.RadioSelect,
            )

    def answers(self) -> list:
        return [self.cleaned_data[name] for name in self.fields if name.startswith("item_")]


class MissionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices, widget=forms.RadioSelect)
    beneficiary = forms.ModelChoiceField(
        label=_("For"),
        queryset=Beneficiary.objects.none(),
        required=False,
        help_text=_("Leave empty for a group event."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    requirements = forms.CharField(
        label=_("Requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. speaks Arabic, no fear of dogs, can climb stairs"),
    )
    recurrence = forms.ChoiceField(
        label=_("Schedule"), choices=Mission.Recurrence.choices, widget=forms.RadioSelect, initial="weekly"
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=[("", "—"), *WEEKDAYS], coerce=int, required=False, empty_value=None
    )
    first_date = forms.DateField(
        label=_("Date (one-off) or first date (weekly)"), widget=DateInput(), initial=timezone.localdate
    )
    local_time = forms.TimeField(label=_("Time"), widget=TimeInput())
    end_date = forms.DateField(
        label=_("Until (weekly, optional)"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty if open-ended."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=10, max_value=600, initial=60)
    volunteers_needed = forms.IntegerField(label=_("Volunteers needed (places)"), min_value=1, max_value=50, initial=1)
    place = forms.CharField(
        label=_("Place (group event)"), max_length=200, required=False, help_text=_("Address of the event")
    )

    def __init__(self, *args, association: Association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = (
            Beneficiary.objects.filter(association=association)
            .exclude(status=Beneficiary.Status.ENDED)
            .order_by("last_name", "first_name")
        )

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, mission: Mission) -> dict:
        first_date, local_time = mission.first_date, mission.local_time
        if mission.recurrence == Mission.Recurrence.ONE_OFF and mission.starts_at:
            local = timezone.localtime(mission.starts_at)
            first_date, local_time = local.date(), local.time()
        return {
            "kind": mission.kind,
            "beneficiary": mission.beneficiary_id,
            "title": mission.title,
            "description": mission.description,
            "requirements": mission.requirements,
            "recurrence": mission.recurrence,
            "weekday": mission.weekday,
            "first_date": first_date,
            "local_time": local_time,
            "end_date": mission.end_date,
            "duration_minutes": mission.duration_minutes,
            "volunteers_needed": mission.volunteers_needed,
            "place": mission.place,
        }


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class ImportConfirmForm(forms.Form):
    valid_only = forms.BooleanField(label=_("Import the valid rows only"), required=False)


class VettingStepForm(forms.Form):
    on = forms.DateField(label=_("Done on"), widget=DateInput(), required=False)
