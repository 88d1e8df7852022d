"""Forms of the referral pages: the public referral form, the coordinator's step, the manager's
partner. They parse input; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liens.choices import VisitKind
from missions.models import Partner, Referral

from . import lifecycle


class ReferralForm(forms.ModelForm):
    """Who is referred, their consent and needs, how to reach them, who refers. No account."""

    # A field people never see (hidden by CSS and from screen readers): a robot filling every
    # field fills it too, and its referral is dropped without a word.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    class Meta:
        model = Referral
        fields = (
            "first_name",
            "last_name",
            "birth_year",
            "age_band",
            "phone",
            "address",
            "postcode",
            "city",
            "reach_by",
            "reach_notes",
            "needs",
            "needs_text",
            "consent",
            "consent_holder",
            "referrer_name",
            "referrer_role",
            "referrer_email",
            "referrer_phone",
        )
        widgets = {
            "reach_by": forms.RadioSelect,
            "consent": forms.RadioSelect,
            "needs_text": forms.Textarea(attrs={"rows": 3}),
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "referrer_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "referrer_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "referrer_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }
        labels = {
            "consent": _("Does the person agree?"),
            "reach_by": _("The best way"),
            "first_name": _("The person's first name"),
            "last_name": _("The person's last name"),
            "phone": _("The person's phone"),
            "address": _("The person's address"),
        }
        help_texts = {
            "birth_year": _("Or tick an age band below."),
            "needs_text": _("What worries you, what the person enjoys, anything that helps a first contact."),
            "consent_holder": _("Only if someone else holds consent: their name and relationship."),
        }

    needs = forms.MultipleChoiceField(
        label=_("Tick what applies"),
        choices=Referral.Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["age_band"].choices = [("", _("— not known —")), *Referral.AgeBand.choices]
        self.fields["reach_by"].choices = Referral.Reach.choices
        self.fields["consent"].choices = Referral.Consent.choices
        # The service checks what these need together (services.referral_problems).
        for name in ("referrer_name", "postcode", "first_name", "last_name"):
            self.fields[name].required = True
        if public:
            self.fields["referrer_role"].label = _("Your relationship to the person")
            self.fields["referrer_email"].help_text = _("We write to you when the referral moves on.")
        else:
            self.fields["referrer_role"].label = _("Your role (GP, pharmacist, social worker...)")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        return data

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class TransitionForm(forms.Form):
    """One step of a referral's life, with what that step needs."""

    to = forms.ChoiceField(choices=[(s, s) for s in lifecycle.ACTION_LABELS], widget=forms.HiddenInput)
    decline_reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *Referral.DeclineReason.choices], required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Referral.Outcome.choices], required=False)
    support_kind = forms.ChoiceField(
        label=_("Support offered"), choices=VisitKind.choices, required=False, initial=VisitKind.HOME_VISIT
    )
    support_weekly = forms.BooleanField(label=_("Every week"), required=False, initial=True)


class NotesForm(forms.Form):
    staff_notes = forms.CharField(
        label=_("Notes (staff only, never sent)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[c for c in Partner.Kind.choices if c[0] != Partner.Kind.PUBLIC])
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Secure email address"),
        help_text=_("Where the partner hears back about its referrals (e.g. its secure health mail)."),
    )
