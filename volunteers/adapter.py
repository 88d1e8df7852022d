"""The account adapter: sign-up creates the volunteer profile; volunteers land on their pages;
account emails go out in the person's language, with the link that confirms and signs in
(volunteers.email_link).

No signals: allauth calls save_user() inside the sign-up form's transaction (see
volunteers.forms.SignupForm.save), so the user and the profile are written together.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils import translation

from liens.accounts.policy import staff_roles
from liens.models import User

from .destination import destination_of, destination_pop, destination_remember
from .email_link import QUIET_FLAG, QUIET_TEMPLATES, confirmation_url
from .selectors import profile_next_step
from .services import volunteer_signup


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        # Messages to this person go out in the language they signed up in.
        user.language = (translation.get_language() or "fr")[:2]
        user.save()
        data = form.cleaned_data
        if "postcode" in data:
            volunteer_signup(
                user=user,
                postcode=data["postcode"],
                phone=data.get("phone", ""),
                point=getattr(form, "postcode_point", None),
            )
            # Where they were going (a catalogue mission), for when the wizard is done.
            destination_remember(request, destination_of(request))
        return user

    def get_login_redirect_url(self, request):
        """Each person lands where their work is: association staff on the association's page
        (what needs attention today), platform admins on the alerts dashboard, volunteers on
        their own page. A `next` parameter, when given, still wins (allauth checks it first)."""
        user = request.user
        if staff_roles(user) == {"professional"}:
            # A home-care professional (Membership.Role.PROFESSIONAL, by value) records sessions.
            return reverse("liensocial:home")
        if staff_roles(user):  # the user's own memberships, read past any scope (see there)
            return reverse("association:home")
        if user.is_staff:
            return reverse("alerts:dashboard")
        volunteer = getattr(user, "volunteer", None)
        if volunteer is not None and volunteer.left_at is None:
            return reverse("volunteers:home")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        """A new volunteer goes straight to the wizard's next step (nothing to read first), then
        where they were going when they signed up, if anywhere."""
        volunteer = getattr(request.user, "volunteer", None) if request.user.is_authenticated else None
        step = profile_next_step(volunteer) if volunteer is not None and volunteer.left_at is None else None
        if step:
            return reverse("volunteers:profile_step", kwargs={"step": step})
        if volunteer is None and staff_roles(request.user):
            # An association's new manager: what happens while the platform validates it (that
            # page sends them on to the association's own once nothing waits).
            return reverse("association:join-pending")
        return destination_pop(request) or reverse("volunteers:home")

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # The email link says one thing ("confirmed, welcome") rather than allauth's two.
        if getattr(request, QUIET_FLAG, False) and message_template in QUIET_TEMPLATES:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return confirmation_url(request, emailconfirmation)

    def send_mail(self, template_prefix, email, context):
        """Account emails (verification, password reset...) in the recipient's own language when
        they have an account, else in the page's."""
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).only("language").first()
        language = getattr(user, "language", "") or translation.get_language() or "fr"
        with translation.override(language[:2]):
            super().send_mail(template_prefix, email, context)
