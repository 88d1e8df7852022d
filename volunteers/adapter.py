"""The account adapter: sign-up creates the volunteer profile; volunteers land on their pages.

No signals: allauth calls save_user() inside the sign-up form's transaction (see
volunteers.forms.SignupForm.save), so the user and the profile are written together.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils import translation

from liens.accounts.policy import staff_roles

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
        return user

    def get_login_redirect_url(self, request):
        """Each person lands where their work is: association staff on the association's page
        (what needs attention today), platform admins on the alerts dashboard, volunteers on
        their own page. A `next` parameter, when given, still wins (allauth checks it first)."""
        user = request.user
        if staff_roles(user):  # the user's own memberships, read past any scope (see there)
            return reverse("association:home")
        if user.is_staff:
            return reverse("alerts:dashboard")
        volunteer = getattr(user, "volunteer", None)
        if volunteer is not None and volunteer.left_at is None:
            return reverse("volunteers:home")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("volunteers:home")
