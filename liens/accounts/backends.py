"""The sign-in backends: Django's and allauth's, whose get_user reads the signed-in account with
what every page then asks of it (its memberships, volunteer profile and associations) in one
query, policy.request_user, rather than one for the account and one more for the rest.

Everything else (checking a password, permissions) is theirs, unchanged. A session names the
backend that signed it in: liens.sessions (the store with Redis, as in production) reads the
paths these replaced as theirs; on the embedded default's database store, a session signed in
before them is signed out once."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import router

from .policy import request_user


class _ReadsRequestUser:
    def get_user(self, user_id):
        # What ModelBackend.get_user answers (None for no such account or an inactive one).
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)  # the session keeps it as a string
        except ValidationError:
            return None
        user = request_user(user_id, using=router.db_for_read(model))
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_ReadsRequestUser, DjangoModelBackend):
    pass


class AuthenticationBackend(_ReadsRequestUser, AllauthBackend):
    pass


# What the sessions signed in before these backends name instead: the same classes' parents.
REPLACED_PATHS = {
    "django.contrib.auth.backends.ModelBackend": "liens.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "liens.accounts.backends.AuthenticationBackend",
}
