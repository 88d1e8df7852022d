"""Channels: email through Django's backend, SMS through the provider interface."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from liens.models import Notification
from liens.notify import notify
from liens.outbox.channels import (
    EmailChannel,
    FileSmsBackend,
    HttpSmsBackend,
    PermanentSendError,
    SmsChannel,
    TransientSendError,
    phone_e164,
)
from liens.outbox.dispatch import dispatch_due
from tests import factories

pytestmark = pytest.mark.django_db


def stored(rows):
    return [Notification.objects.select_related("recipient").get(dedup_key=row.dedup_key) for row in rows]


def test_email_goes_through_djangos_backend_with_text_html_and_the_dedup_header(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = factories.UserFactory(email="lea@exemple.fr", language="fr", first_name="Léa")
    (row,) = stored(notify(recipient=user, kind="test", context={"message": "Un mot"}, dedup_key="c:1"))
    channel = EmailChannel()
    channel.open()
    channel.send(row)
    channel.close()
    (message,) = mail.outbox
    assert message.to == ["lea@exemple.fr"]
    assert message.body.startswith("Bonjour Léa")
    assert message.alternatives[0].mimetype == "text/html"
    assert message.extra_headers["X-Liens-Notification"] == "c:1:email"


def test_the_file_backend_writes_one_json_line_per_sms(settings, tmp_path):
    settings.SMS_BACKEND = "liens.outbox.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    user = factories.UserFactory(phone="06 12 34 56 78")
    stored(notify(recipient=user, kind="test", context={"message": "Coucou"}, dedup_key="c:2", channels=["sms"]))
    settings.OUTBOX_QUIET_HOURS = (settings.OUTBOX_QUIET_HOURS[0], settings.OUTBOX_QUIET_HOURS[0])  # none
    dispatch_due()
    (line,) = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert json.loads(line) == {"to": "+33612345678", "text": "Liens: Coucou", "reference": "c:2:sms"}
    assert isinstance(FileSmsBackend(), FileSmsBackend)


@pytest.mark.parametrize("raw", ["", "12", "not a phone"])
def test_a_missing_or_invalid_phone_is_a_permanent_error(raw):
    with pytest.raises(PermanentSendError):
        phone_e164(raw)


class FakeProvider(BaseHTTPRequestHandler):
    """A local stand-in for the SMS provider's JSON API; answers what the test queued."""

    answers: list[tuple[int, dict]] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeProvider.received.append({"auth": self.headers.get("Authorization"), "path": self.path, "body": body})
        status, answer = FakeProvider.answers.pop(0)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeProvider.answers, FakeProvider.received = [], []
    settings.SMS_BACKEND = "liens.outbox.channels.HttpSmsBackend"
    settings.SMS_API_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SMS_API_TOKEN = "secret-token"
    settings.SMS_SENDER = "Liens"
    settings.SMS_API_TIMEOUT = 5
    yield FakeProvider
    server.shutdown()
    server.server_close()


def sms_row():
    user = factories.UserFactory(phone="06 12 34 56 78")
    (row,) = stored(
        notify(recipient=user, kind="test", context={"message": "Bonjour"}, dedup_key="h:1", channels=["sms"])
    )
    return row


def test_the_http_provider_gets_a_bearer_token_and_the_json_shape_and_its_ticket_is_kept(provider):
    provider.answers.append((200, {"status": 1, "message": "OK", "ticket": "14672468", "sent": 1}))
    channel = SmsChannel()
    assert channel.send(sms_row()) == "14672468"
    (request,) = provider.received
    assert request["auth"] == "Bearer secret-token"
    assert request["path"] == "/send"
    message = request["body"]["sms"]
    assert message["message"] == {"text": "Liens: Bonjour", "pushtype": "alert", "sender": "Liens"}
    assert message["recipients"]["gsm"] == [{"gsmsmsid": "h:1:sms", "value": "33612345678"}]


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (503, {"message": "maintenance"}, TransientSendError),
        (429, {"message": "slow down"}, TransientSendError),
        (200, {"status": -3, "message": "Not enough credits"}, TransientSendError),
        (400, {"message": "invalid recipient"}, PermanentSendError),
        (401, {"message": "bad token"}, PermanentSendError),
    ],
)
def test_the_http_provider_errors_are_classified(provider, status, answer, error):
    provider.answers.append((status, answer))
    with pytest.raises(error):
        SmsChannel().send(sms_row())


def test_an_unreachable_provider_is_transient(settings):
    settings.SMS_BACKEND = "liens.outbox.channels.HttpSmsBackend"
    settings.SMS_API_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    settings.SMS_API_TOKEN = "t"
    settings.SMS_API_TIMEOUT = 2
    with pytest.raises(TransientSendError):
        HttpSmsBackend().send_sms(to="+33612345678", text="x", reference="r")


def test_a_provider_failure_during_dispatch_is_retried_then_sent(provider, settings):
    settings.OUTBOX_QUIET_HOURS = (settings.OUTBOX_QUIET_HOURS[0], settings.OUTBOX_QUIET_HOURS[0])
    provider.answers.extend([(503, {"message": "down"}), (200, {"status": 1, "ticket": "42"})])
    row = sms_row()
    dispatch_due()
    row.refresh_from_db()
    assert row.status == "pending" and "HTTP 503" in row.last_error
    dispatch_due(now=row.due_at)
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.attempt_log.order_by("number").last().provider_ref == "42"
