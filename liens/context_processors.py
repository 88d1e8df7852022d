"""Template context shared by every page: which navigation the user gets."""

from functools import partial

from .accounts.policy import mfa_required, mfa_setup_pending, staff_roles


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_volunteer": False, "is_association_staff": False, "is_platform_admin": False}
    # Both lookups hit cached relations or one indexed query each, a constant per page.
    return {
        "is_volunteer": hasattr(user, "volunteer"),
        "is_association_staff": bool(staff_roles(user)),
        "is_platform_admin": user.is_staff,
        # Called only by the pages that show it (templates call callables), so no query elsewhere.
        "mfa_required": partial(mfa_required, user),
        # Until then the role's pages are closed (liens.accounts.middleware): the menu hides them.
        "mfa_setup_pending": partial(mfa_setup_pending, user),
    }
