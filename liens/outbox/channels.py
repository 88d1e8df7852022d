"""Channels: how one outbox row leaves the building.

A channel's `send(notification)` returns the provider's reference for the message, or raises
`TransientSendError` (try again later: network, timeout, provider busy) or `PermanentSendError`
(retrying cannot help: no address, invalid number, refused recipient). Any other exception is
treated as transient by the dispatcher, so a bug costs a few bounded retries, not a lost row.

Email goes through Django's email backend (SMTP, console, or django-anymail's provider backends
in production). SMS goes through a small provider interface chosen by settings.SMS_BACKEND:
console and file backends for development, and an HTTP adapter for a real provider.
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
from pathlib import Path

import phonenumbers
import redis
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

from liens.models import Notification

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


class PushChannel(Channel):
    """Web push is not wired yet: rows for it fail at once rather than wait forever."""

    name = Notification.Channel.PUSH

    def send(self, notification: Notification) -> str:
        raise PermanentSendError("web push is not configured")


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
