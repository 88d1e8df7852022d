"""A fake SMS provider on loopback for the dispatch benchmark: slow on purpose, and counting.

It speaks the HTTP SMS backend's protocol (liens.outbox.channels.HttpSmsBackend): each
`POST` is answered after `latency` seconds with {"status": 1, "ticket": ...}, as a real
provider answers in 50-300 ms, and the message's reference (our dedup key) is logged, so a
message sent twice shows up twice. One thread per request, like a provider serving many
clients at once; it never touches the database.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connections when dozens of senders connect at once.
    request_queue_size = 1024

    def __init__(self, latency: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.log: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        time.sleep(self.server.latency)
        reference = body["sms"]["recipients"]["gsm"][0]["gsmsmsid"]
        with self.server.lock:
            self.server.log.append(reference)
        answer = json.dumps({"status": 1, "ticket": f"t-{reference}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass  # one line per request would drown the benchmark's own output


class FakeSmsProvider:
    """`with FakeSmsProvider(latency=0.15) as provider:` binds at once; `start()` serves."""

    def __init__(self, *, latency: float):
        self.server = _Server(latency)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        # Bound in __init__ so the URL is known (and connections queue) before the thread runs.
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-sms-provider", daemon=True)
        self.thread.start()

    def references(self) -> list[str]:
        with self.server.lock:
            return list(self.server.log)

    def __enter__(self) -> FakeSmsProvider:
        return self

    def __exit__(self, *exc) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()
