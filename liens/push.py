"""Web push, the outbox's third channel: whether it is configured, and what a device is called.

A deployment turns push on with a VAPID key pair in the environment (VAPID_PUBLIC_KEY,
VAPID_PRIVATE_KEY, VAPID_SUBJECT; `manage.py vapid_keys` makes one). Without the pair nothing
offers push, nothing chooses it, and nothing fails: the other channels carry every message.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.conf import settings


def push_available() -> bool:
    """Whether this deployment can send web push (both VAPID keys are set)."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


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
