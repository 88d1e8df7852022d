"""A push service on loopback, for the web push tests: it checks what a real one checks, and
decrypts each message with the subscription's private key, as the browser would.

Every POST to /push/<token> must carry `Content-Encoding: aes128gcm`, a `TTL`, and an
`Authorization: vapid t=<JWT>,k=<public key>` header whose ES256 signature verifies with that
key, whose key is the site's, and whose claims name this service's origin and a future expiry.
A message that passes is decrypted (RFC 8291, http_ece) and kept in `received`; the answer is
201, or the status set for that token with `answer(token, status)` (410: the browser dropped it).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_pair() -> tuple[str, str]:
    """(public, private) as the environment holds them: base64url raw point and secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


@dataclass
class Browser:
    """One subscribed browser: its endpoint on the fake service and its keys (private kept here)."""

    endpoint: str
    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = serialization.PublicFormat.UncompressedPoint
        return b64url(self.private_key.public_key().public_bytes(serialization.Encoding.X962, point))

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) overflows when four dispatchers with twenty workers each connect
    # at once: on a busy machine the kernel then drops connections, the send times out, and
    # the row is retried later, which a test counting deliveries reads as a lost push.
    request_queue_size = 1024


@dataclass
class Received:
    """One message the service took: its subscription's token, the decrypted JSON, the headers
    (names in lower case)."""

    token: str
    message: dict
    headers: dict


@dataclass
class FakePushService:
    vapid_public_key: str
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def browser(self) -> Browser:
        """A new subscription on this service, with a fresh key pair and auth secret."""
        token = b64url(os.urandom(12))
        browser = Browser(f"{self.origin}/push/{token}", token, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.browsers[token] = browser
        return browser

    def answer(self, token: str, status: int) -> None:
        self.statuses[token] = status

    def messages_for(self, browser: Browser) -> list[dict]:
        return [item.message for item in self.received if item.token == browser.token]

    # --- checks, as a push service makes them -------------------------------------------------

    def check(self, token: str, headers, body: bytes) -> dict:
        if headers.get("Content-Encoding") != "aes128gcm":
            raise AssertionError(f"Content-Encoding is {headers.get('Content-Encoding')!r}")
        if not (headers.get("TTL") or "").isdigit():
            raise AssertionError(f"TTL is {headers.get('TTL')!r}")
        self.check_vapid(headers.get("Authorization") or "")
        browser = self.browsers[token]
        plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
        return json.loads(plain)

    def check_vapid(self, authorization: str) -> None:
        scheme, _, params = authorization.partition(" ")
        if scheme != "vapid":
            raise AssertionError(f"Authorization scheme is {scheme!r}")
        parts = dict(part.strip().split("=", 1) for part in params.split(","))
        if parts.get("k") != self.vapid_public_key:
            raise AssertionError("the VAPID key is not the site's")
        header, claims, signature = parts["t"].split(".")
        raw = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        # A JWT's ES256 signature is r || s (32 bytes each); cryptography wants it DER-encoded.
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
        if json.loads(unb64url(header)).get("alg") != "ES256":
            raise AssertionError("the JWT is not ES256")
        claims = json.loads(unb64url(claims))
        if claims.get("aud") != self.origin:
            raise AssertionError(f"the JWT's audience is {claims.get('aud')!r}, not {self.origin!r}")
        if not claims.get("sub") or int(claims.get("exp", 0)) <= time.time():
            raise AssertionError(f"the JWT's claims are wrong: {claims}")

    # --- the server ----------------------------------------------------------------------------

    def start(self) -> FakePushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                token = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = service.statuses.get(token, 201)
                if status < 300:
                    try:
                        message = service.check(token, self.headers, body)
                    except Exception as exc:  # refused like a real service: 400, and noted for the test
                        with service.lock:
                            service.refused.append(f"{type(exc).__name__}: {exc}")
                        status = 400
                    else:
                        headers = {name.lower(): value for name, value in self.headers.items()}
                        with service.lock:
                            service.received.append(Received(token, message, headers))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
