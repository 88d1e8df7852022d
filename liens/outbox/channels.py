"""Channels: how one outbox row leaves the building.

A channel's `send(notification)` returns the provider's reference for the message, or raises
`TransientSendError` (try again later: network, timeout, provider busy) or `PermanentSendError`
(retrying cannot help: no address, invalid number, refused recipient). Any other exception is
treated as transient by the dispatcher, so a bug costs a few bounded retries, not a lost row.

Email goes through Django's email backend (SMTP, console, or django-anymail's provider backends
in production). SMS goes through a small provider interface chosen by settings.SMS_BACKEND:
console and file backends for development, and an HTTP adapter for a real provider. Web push
goes to the push service of each browser the recipient subscribed (PushChannel).
"""

from __future__ import annotations

import json
import logging
import smtplib
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
import redis
import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from liens.models import Notification, PushSubscription

log = logging.getLogger(__name__)


class SendError(Exception):
    """A channel could not hand the message over."""


class TransientSendError(SendError):
    """Worth trying again later."""


class PermanentSendError(SendError):
    """Trying again cannot help."""


class Channel:
    """Base channel. `open()`/`close()` bracket a batch so connections are reused across rows.

    `send` is called from worker threads, up to settings.OUTBOX_CONCURRENCY[name] at once, so
    it must be thread-safe and must not touch the database: the row comes loaded, recipient
    included, and the dispatcher's own thread records the outcome. `open` and `close` run in
    the dispatcher's thread, before the first send of a batch and after the last.
    """

    name = ""
    # Messages per second one dispatcher may start on this channel (None: as fast as the
    # concurrency allows), for a provider that throttles its clients.
    rate_limit: float | None = None

    def open(self) -> None:
        pass

    def prepare(self, rows: list[Notification]) -> None:
        """Read what `send` will need beyond the row (one query for the batch's rows of this
        channel), in the dispatcher's thread, after `open`."""

    def close(self) -> None:
        pass

    def send(self, notification: Notification) -> str:
        raise NotImplementedError


# --- Email ---------------------------------------------------------------------------------


class EmailChannel(Channel):
    """Email through Django's configured backend; one connection per sending thread and batch.

    A backend connection is not shared between threads (Django's SMTP backend would serialise
    them on its lock): each worker opens its own on its first message and keeps it for the batch.
    """

    name = Notification.Channel.EMAIL

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.connections: list = []

    def open(self) -> None:
        # Fails here, in the dispatcher's thread, when the backend is not configured.
        self._connection()

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = get_connection(fail_silently=False)
            with self.lock:
                self.connections.append(connection)
        return connection

    def close(self) -> None:
        with self.lock:
            connections, self.connections = self.connections, []
        # Threads of a finished batch are gone; a new batch's threads open fresh connections.
        self.local = threading.local()
        for connection in connections:
            try:
                connection.close()
            except Exception:  # closing a broken SMTP session must not lose the batch's results
                log.warning("closing an email connection failed", exc_info=True)

    def send(self, notification: Notification) -> str:
        address = notification.to_address or (notification.recipient.email if notification.recipient else "")
        if not address:
            raise PermanentSendError("the recipient has no email address")
        message = EmailMultiAlternatives(
            subject=notification.subject or "Liens",
            body=notification.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=self._connection(),
            # Lets a provider (or a human reading headers) tie the message back to its outbox row.
            headers={"X-Liens-Notification": notification.dedup_key},
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"recipient refused: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise _classify_anymail(exc) from exc
        # anymail fills anymail_status.message_id; SMTP leaves nothing to report.
        status = getattr(message, "anymail_status", None)
        return str(getattr(status, "message_id", "") or "")[:200]


def _classify_anymail(exc: Exception) -> SendError:
    """Map django-anymail's errors (when it is the backend) to ours; anything else is transient."""
    try:
        # Optional: anymail is the production email backend, not installed everywhere.
        from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
    except ImportError:  # anymail is the production path; a developer box may not have it
        return TransientSendError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PermanentSendError(f"{type(exc).__name__}: {exc}")
    return TransientSendError(f"{type(exc).__name__}: {exc}")


# --- SMS -----------------------------------------------------------------------------------


class SmsBackend:
    """A provider of text messages. `send_sms` returns the provider's reference."""

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Prints each message on stdout: for a developer's terminal."""

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        sys.stdout.write(f"SMS to {to} [{reference}]\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()
        return ""


class FileSmsBackend(SmsBackend):
    """Appends each message as a JSON line to settings.SMS_FILE_PATH: for demos and tests."""

    _lock = threading.Lock()

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False)
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return reference


class HttpSmsBackend(SmsBackend):
    """A JSON-over-HTTPS provider with a bearer token, shaped like SMSFactor's `POST /send`.

    Request: {"sms": {"message": {"text", "pushtype": "alert", "sender"}, "recipients":
    {"gsm": [{"gsmsmsid": <our reference>, "value": "33612345678"}]}}}; a success answers
    HTTP 2xx with {"status": 1, "ticket": "..."}. Network errors, timeouts, HTTP 408/429/5xx
    and a non-success status in the body are transient; other HTTP 4xx answers are permanent.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_API_URL
        self.token = settings.SMS_API_TOKEN
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_API_TIMEOUT
        if not self.url or not self.token:
            raise PermanentSendError("SMS_API_URL and SMS_API_TOKEN must be set for the HTTP SMS backend")

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        body = {
            "sms": {
                "message": {"text": text, "pushtype": "alert", "sender": self.sender},
                "recipients": {"gsm": [{"gsmsmsid": reference[:64], "value": to.lstrip("+")}]},
            }
        }
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting, https in production)
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            if exc.code in (408, 429) or exc.code >= 500:
                raise TransientSendError(f"HTTP {exc.code}: {detail}") from exc
            raise PermanentSendError(f"HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # a 2xx with a body that is not JSON: the provider is unwell
            raise TransientSendError(f"unreadable answer: {exc}") from exc
        if answer.get("status") != 1:
            raise TransientSendError(f"provider refused: {answer.get('message') or answer}")
        return str(answer.get("ticket", ""))[:200]


def sms_backend() -> SmsBackend:
    """The configured SMS backend (settings.SMS_BACKEND, a dotted path)."""
    return import_string(settings.SMS_BACKEND)()


def phone_e164(raw: str, *, region: str = "FR") -> str:
    """A phone number in E.164 (+33612345678), or PermanentSendError when it is not one."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PermanentSendError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise PermanentSendError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SmsChannel(Channel):
    """Text messages through the configured provider backend."""

    name = Notification.Channel.SMS

    def __init__(self) -> None:
        self.backend: SmsBackend | None = None

    def open(self) -> None:
        self.backend = sms_backend()

    def send(self, notification: Notification) -> str:
        if self.backend is None:
            self.open()
        to = phone_e164(notification.recipient.phone or "")
        return self.backend.send_sms(to=to, text=notification.body_text, reference=notification.dedup_key)


# --- Web push ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Device:
    """A push subscription as the sending threads see it: read once per batch, never a model."""

    pk: int
    endpoint: str
    p256dh: str
    auth: str


class PushChannel(Channel):
    """Web push (RFC 8030) through pywebpush: each message encrypted for each of the recipient's
    subscribed devices (aes128gcm, RFC 8291) and signed with the site's VAPID key (RFC 8292).

    A row is sent once at least one device took it. A push service answering 404 or 410 says the
    browser dropped that subscription: the send notes it, and `close()`, in the dispatcher's
    thread, deletes those rows (and stamps `last_used_at` on the devices reached), so `send`
    never touches the database. Other refusals of a device (400, 401, 403, 413) are permanent
    for this message; 429, 5xx and network errors are transient. When no device took the
    message, the row is retried if any refusal was transient, and fails otherwise; a device that
    took it is then sent it again on the retry only if no device took it the first time.
    """

    name = Notification.Channel.PUSH
    GONE = (404, 410)
    TRANSIENT = (408, 425, 429)

    def __init__(self) -> None:
        self.vapid = None
        self.devices: dict[int, list[_Device]] = {}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.gone: set[int] = set()
        self.reached: set[int] = set()

    def open(self) -> None:
        if not (settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY):
            raise PermanentSendError("web push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY")
        try:
            self.vapid = Vapid.from_string(settings.VAPID_PRIVATE_KEY)
        except Exception as exc:
            raise PermanentSendError(f"VAPID_PRIVATE_KEY is not a usable key: {type(exc).__name__}") from exc

    def prepare(self, rows: list[Notification]) -> None:
        found = PushSubscription.objects.filter(user_id__in={row.recipient_id for row in rows}).values_list(
            "user_id", "pk", "endpoint", "p256dh", "auth"
        )
        self.devices = {}
        for user_id, *device in found.order_by("pk"):
            self.devices.setdefault(user_id, []).append(_Device(*device))

    def close(self) -> None:
        with self.lock:
            gone, reached, self.gone, self.reached = self.gone, self.reached, set(), set()
        self.local = threading.local()
        try:
            if gone:
                PushSubscription.objects.filter(pk__in=gone).delete()
                log.info("web push: %s expired subscription(s) removed", len(gone))
            if reached - gone:
                PushSubscription.objects.filter(pk__in=reached - gone).update(last_used_at=timezone.now())
        except Exception:  # the batch's outcomes are recorded already; a gone device is met again
            log.warning("web push: updating subscriptions failed", exc_info=True)

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def message(self, notification: Notification) -> bytes:
        """What the service worker receives (liens/static/liens/sw.js): title, body, url, tag."""
        payload = notification.payload or {}
        return json.dumps(
            {
                "title": notification.subject or "Liens",
                "body": notification.body_text,
                "url": payload.get("url") or f"{settings.SITE_URL}/",
                # One notification per message on the phone: a repeat replaces, never stacks.
                "tag": notification.dedup_key,
                "lang": notification.language,
            },
            ensure_ascii=False,
        ).encode()

    def ttl(self, notification: Notification) -> int:
        """How long the push service keeps the message for a phone that is off: until the row
        expires (a reminder is pointless once the visit has started), at most PUSH_TTL_SECONDS."""
        ttl = settings.PUSH_TTL_SECONDS
        raw = (notification.payload or {}).get("expires_at")
        expires_at = parse_datetime(raw) if raw else None
        if expires_at is not None:
            ttl = min(ttl, int((expires_at - timezone.now()).total_seconds()))
        return max(ttl, 0)

    def _send_to(self, device: _Device, data: bytes, *, ttl: int, urgency: str) -> None:
        origin = urlsplit(device.endpoint)
        try:
            webpush(
                subscription_info={"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
                data=data,
                vapid_private_key=self.vapid,
                # A fresh dict per call: pywebpush writes "aud" and "exp" into it.
                vapid_claims={"sub": settings.VAPID_SUBJECT, "aud": f"{origin.scheme}://{origin.netloc}"},
                ttl=ttl,
                headers={"Urgency": urgency},
                timeout=settings.PUSH_TIMEOUT,
                requests_session=self._session(),
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in self.GONE:
                raise _DeviceGone(status) from exc
            if status is None:  # refused before sending: the subscription's keys are unusable
                raise PermanentSendError(f"web push: {exc.message[:200]}") from exc
            if status in self.TRANSIENT or status >= 500:
                raise TransientSendError(f"push service: {exc.message[:200]}") from exc
            raise PermanentSendError(f"push service: {exc.message[:200]}") from exc
        except (requests.RequestException, OSError) as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # keys that do not decode: no retry can encrypt for them
            raise PermanentSendError(f"web push: unusable subscription keys ({type(exc).__name__})") from exc

    def send(self, notification: Notification) -> str:
        devices = self.devices.get(notification.recipient_id, [])
        if not devices:
            raise PermanentSendError("no device subscribed to web push")
        data = self.message(notification)
        ttl = self.ttl(notification)
        urgency = "high" if (notification.payload or {}).get("urgent") else "normal"
        reached, gone, errors = [], [], []
        for device in devices:
            try:
                self._send_to(device, data, ttl=ttl, urgency=urgency)
            except _DeviceGone:
                gone.append(device.pk)
            except SendError as exc:
                errors.append(exc)
            else:
                reached.append(device.pk)
        with self.lock:
            self.gone.update(gone)
            self.reached.update(reached)
        if reached:
            return f"{len(reached)} device(s)"
        if any(isinstance(exc, TransientSendError) for exc in errors):
            raise TransientSendError("; ".join(str(exc) for exc in errors))
        if errors:
            raise PermanentSendError("; ".join(str(exc) for exc in errors))
        raise PermanentSendError("every device's subscription has expired")


class _DeviceGone(Exception):
    """The push service no longer knows this subscription (404, 410)."""


# --- Test and benchmark channels -----------------------------------------------------------


class RecordingChannel(Channel):
    """Records every send in a Redis list (OUTBOX_RECORDING_REDIS_URL, OUTBOX_RECORDING_KEY), optionally slowly.

    For the integration test with a real worker: the list is the ground truth of what went out,
    so a row sent twice shows up twice. Never configured in production.
    """

    def __init__(self) -> None:
        self.client = redis.Redis.from_url(settings.OUTBOX_RECORDING_REDIS_URL)
        self.key = settings.OUTBOX_RECORDING_KEY
        self.delay = settings.OUTBOX_RECORDING_DELAY

    def send(self, notification: Notification) -> str:
        if self.delay:
            time.sleep(self.delay)
        self.client.rpush(self.key, notification.pk)
        return ""


def channels_for_dispatch() -> dict[str, Channel]:
    """One channel instance per channel name, from settings.OUTBOX_CHANNELS (dotted paths)."""
    return {name: import_string(path)() for name, path in settings.OUTBOX_CHANNELS.items()}
