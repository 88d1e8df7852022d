"""Web push, the outbox's third channel: whether it is configured, and what a device is called.

A deployment turns push on with a VAPID key pair in the environment (VAPID_PUBLIC_KEY,
VAPID_PRIVATE_KEY, VAPID_SUBJECT; `manage.py vapid_keys` makes one). Without the pair nothing
offers push, nothing chooses it, and nothing fails: the other channels carry every message.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.checks import Error, register


def push_available() -> bool:
    """Whether this deployment can send web push: both VAPID keys set and forming a valid pair.

    A pair left at a placeholder ("change-me") or pasted wrong would have browsers subscribe with
    a key the server cannot sign for: every push would fail. It counts as no push at all, and
    the system check below says so at start-up."""
    return vapid_problem(settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY) is None and bool(
        settings.VAPID_PUBLIC_KEY
    )


@functools.lru_cache(maxsize=4)
def vapid_problem(public: str, private: str) -> str | None:
    """What is wrong with a VAPID key pair (None: nothing, or both unset). Cached: the settings
    do not change while a process runs, and pages ask on every request."""
    if not public and not private:
        return None
    if not public or not private:
        return "only one of VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY is set"
    try:
        secret = int.from_bytes(b64url_decode(private), "big")
        key = ec.derive_private_key(secret, ec.SECP256R1())
    except ValueError:
        return "VAPID_PRIVATE_KEY is not a P-256 private key in base64url (manage.py vapid_keys makes one)"
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    try:
        given = b64url_decode(public)
    except ValueError:
        given = b""
    if given != point:
        return "VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY"
    return None


@register()
def vapid_keys_form_a_pair(app_configs, **kwargs):
    """Start-up check: set VAPID keys must be a valid pair (unset is fine: push is off)."""
    problem = vapid_problem(settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY)
    if problem:
        return [Error(f"Web push is misconfigured: {problem}.", hint="Run manage.py vapid_keys.", id="liens.E001")]
    return []


def b64url_decode(value: str) -> bytes:
    """Base64url without padding, as browsers give subscription keys; ValueError if it is not."""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# (pattern in the user agent, name), first match wins: Edge and Samsung's browser also say
# "Chrome", and Chrome says "Safari", so the specific ones come first.
_BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"OPR/|Opera", "Opera"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)
_SYSTEMS = (
    (r"Android", "Android"),
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A short name for the browser and system of a user agent ("Chrome · Android"), so a person
    tells their devices apart in the list; "" when it says nothing recognisable."""
    user_agent = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    return " · ".join(part for part in (browser, system) if part)
