from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiensConfig(AppConfig):
    name = "liens"
    verbose_name = _("Liens")

    def ready(self):
        # Connects the sign-in receiver that caps staff sessions (force_login and allauth alike)
        # and registers the shared-cache deployment check.
        # In ready(): the receiver's module imports the models, which need the app registry.
        from . import push  # noqa: F401  (its start-up check of the VAPID keys)
        from .accounts import checks, middleware  # noqa: F401
