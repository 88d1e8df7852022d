"""Sessions read from the shared cache and written through to the database (settings.SESSION_ENGINE
when Redis is configured), so a signed-in page does not query the database for its session.

Django's own cached_db store trusts the cache's expiry to end a session. Here the cache holds
the session's end beside its data, and every read checks it against the application's clock, as
the database read does (`expire_date > now`): a staff session ends 12 hours after sign-in to the
second, whatever the cache server's clock or eviction does. The database stays the record: a
cache miss reads it, each save writes it first.
"""

import logging

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.utils import timezone

from liens.accounts.backends import REPLACED_PATHS

logger = logging.getLogger("django.contrib.sessions")


def _with_current_backend(data: dict) -> dict:
    """A session signed in before the sign-in backends became liens.accounts.backends' names
    Django's or allauth's, which are no longer listed: read as the one that replaced it (the
    same class but for get_user), rather than signing its user out. Written back whenever the
    session is next saved. Needed for SESSION_COOKIE_AGE after the change (14 days)."""
    path = data.get(BACKEND_SESSION_KEY)
    if path in REPLACED_PATHS:
        data[BACKEND_SESSION_KEY] = REPLACED_PATHS[path]
    return data


class SessionStore(cached_db.SessionStore):
    # Not Django's prefix: its entries hold the data alone, these the data and the end.
    cache_key_prefix = "liens.sessions"

    def load(self):
        try:
            cached = self._cache.get(self.cache_key)
        except Exception:  # an invalid key, as Django's store: read the database
            cached = None
        if cached is not None:
            data, expire_date = cached
            if expire_date > timezone.now():
                return _with_current_backend(data)
            # Ended: as when the database finds no live row, a new session (new key) starts.
            self._session_key = None
            return {}
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = _with_current_backend(self.decode(row.session_data))
        self._cache.set(self.cache_key, (data, row.expire_date), self.get_expiry_age(expiry=row.expire_date))
        return data

    async def aload(self):
        raise NotImplementedError("Liens serves its pages synchronously (WSGI)")

    def save(self, must_create=False):
        super(cached_db.SessionStore, self).save(must_create)  # the database row first
        try:
            self._cache.set(self.cache_key, (self._session, self.get_expiry_date()), self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
            # Never leave an older copy to be read instead of the row just written.
            self._cache.delete(self.cache_key)

    async def asave(self, must_create=False):
        raise NotImplementedError("Liens serves its pages synchronously (WSGI)")
