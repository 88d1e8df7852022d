"""Tenant scope by construction: the rows of an association's tables are filtered by the scope
that is active, not by a `scoped()` each query must remember (the idea of pretix's django-scopes,
kept to what Liens needs, without the dependency).

A context variable holds the active scope:

- outside an HTTP request (Celery tasks, management commands, the shell, tests calling services)
  nothing is filtered and nothing is enforced: jobs work across associations by design;
- inside an HTTP request (ScopeMiddleware opens it) a query on a tenant model RAISES ScopeError
  until the view says what it may see: a staff scope (`scope_active(ids)`, the association ids,
  or ALL for a platform admin), or an explicit `scopes_disabled(reason)` whose reason says why
  the rows it reads are safe to read without one (a volunteer's own matches, the public
  catalogue...). So a view that forgets its scope fails in the tests instead of leaking.

A tenant model declares, once, the lookup path from itself to its association
(`tenant_path = "mission__association"`) and takes `TenantManager()` as `objects`. Reverse
relations (`beneficiary.missions`) use the default manager's class, so they are filtered too.
Forward foreign keys (`mission.association`), `refresh_from_db`, `save()` and the deletion
collector go through `_base_manager`, a plain manager: following a link from a row already in
scope is not a new query on the tenant table, and Django's own bookkeeping must see every row.

This module knows no model: `missions` declares its tenant models and decides who gets which
scope (missions.scoping); `liens` only holds the mechanism, so every app may use the escape.
"""

import contextlib
import functools
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

ALL = "all"  # the staff scope of a platform admin: every association


class ScopeError(RuntimeError):
    """A tenant table was queried inside a request that set no scope."""


@dataclass(frozen=True)
class Scope:
    kind: str  # "open" (outside requests), "required", "active" or "disabled"
    ids: frozenset[int] | None = None  # with "active": the association ids; None for ALL
    reason: str = ""  # with "disabled": why


_OPEN = Scope("open")
_REQUIRED = Scope("required")
_current: ContextVar[Scope] = ContextVar("liens_tenant_scope", default=_OPEN)


def scope_current() -> Scope:
    return _current.get()


def _scope_of(ids: Iterable[int] | str | None) -> Scope:
    if ids is None or ids == ALL:
        return Scope("active", None)
    return Scope("active", frozenset(ids))


@contextlib.contextmanager
def scope_active(ids: Iterable[int] | str | None):
    """Inside this block tenant rows are those of the associations `ids` (ALL or None: every
    association, a platform admin's scope)."""
    token = _current.set(_scope_of(ids))
    try:
        yield
    finally:
        _current.reset(token)


def scope_enter(ids: Iterable[int] | str | None) -> None:
    """Activate a staff scope for the rest of the current request (DRF permissions run inside
    the view and cannot wrap it; ScopeMiddleware restores the request's start state after it).
    Outside a request it does nothing: no request frame would ever take it back."""
    if _current.get() is not _OPEN:
        _current.set(_scope_of(ids))


def scopes_disabled_for_request(reason: str) -> None:
    """scopes_disabled for the rest of the current request, for the checks that run inside a
    view without wrapping it (a DRF permission, a helper fetching the volunteer). Outside a
    request it does nothing: nothing is enforced there."""
    if not reason or not reason.strip():
        raise TypeError("scopes_disabled_for_request() needs the reason it is safe to read across associations")
    if _current.get() is not _OPEN:
        _current.set(Scope("disabled", reason=reason))


def view_scopes_disabled(reason: str):
    """A view decorator: the view reads tenant rows without a staff scope, for `reason`. Lasts
    until the request ends (a response rendered after the view returns still reads rows)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if _current.get() is _OPEN:  # called directly, outside a request: a block
                with scopes_disabled(reason):
                    return view(request, *args, **kwargs)
            scopes_disabled_for_request(reason)
            return view(request, *args, **kwargs)

        return wrapper

    if not reason or not reason.strip():
        raise TypeError("view_scopes_disabled() needs the reason it is safe to read across associations")
    return decorator


class scopes_disabled(contextlib.ContextDecorator):
    """The explicit escape: tenant tables are neither filtered nor enforced in this block or
    decorated function. `reason` is required and says why reading across associations is safe
    there; put the same reasoning in a comment where it is used."""

    def __init__(self, reason: str):
        if not reason or not reason.strip():
            raise TypeError("scopes_disabled() needs the reason it is safe to read across associations")
        self.reason = reason
        self._token = None

    def _recreate_cm(self):
        # A decorated function may run twice at once (threads, recursion): one token per call.
        return type(self)(self.reason)

    def __enter__(self):
        self._token = _current.set(Scope("disabled", reason=self.reason))
        return self

    def __exit__(self, *exc):
        _current.reset(self._token)
        return False


class TenantManager(models.Manager):
    """The default manager of a tenant model: filtered by the active staff scope along the
    model's `tenant_path`, and refusing to answer inside a request that set no scope."""

    def get_queryset(self):
        queryset = super().get_queryset()
        scope = _current.get()
        if scope.kind == "active" and scope.ids is not None:
            return queryset.filter(**{f"{self.model.tenant_path}__in": scope.ids})
        if scope.kind == "required":
            raise ScopeError(
                f"{self.model.__name__} queried inside a request with no tenant scope: activate "
                "the staff scope (staff_required, staff_view, the StaffScope permission) or wrap "
                "the view in scopes_disabled(reason) saying why its rows are safe to read."
            )
        return queryset

    def create(self, **kwargs):
        # Writing a new row reveals nothing, so it needs no scope: a volunteer's offer, a new
        # association's signup create rows before anyone has a scope over them.
        return self._unscoped().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        return self._unscoped().bulk_create(objs, *args, **kwargs)

    def _unscoped(self) -> models.QuerySet:
        return models.QuerySet(model=self.model, using=self._db, hints=self._hints)


class ScopeMiddleware:
    """Opens the request frame: tenant queries raise until the view chooses a scope, and
    whatever it chose ends with the request. The Django admin is the platform admins' tool:
    there, a platform admin's scope is every association."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(_REQUIRED)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        user = getattr(request, "user", None)
        # Anyone else only meets the admin's sign-in page, which reads no tenant row.
        if match is not None and match.app_name == "admin" and user is not None and user.is_active and user.is_staff:
            scope_enter(ALL)
        return None
