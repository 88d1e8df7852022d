"""`manage.py benchmark pages [--requests N] [--seconds S] [--workers W] [--connections C]`.

How fast each persona's main pages answer, on the demo territory built by `seed_demo`'s own
code (seeds.loader.load_demo), vacuumed and analysed as autovacuum soon would, in a database of
its own (benchmarks.database):

- server time: the Django test client, signed in as the demo volunteer and the demo
  coordinator (force_login, so no second factor is asked), asks each page a few times untimed,
  then N times timed, in rounds of every page; the median and the 95th percentile in
  milliseconds, the median of this process's CPU time (steadier than the wall clock on a
  shared machine), and the queries the page makes (the same on every request: a count that
  grows with the data shows as a change between runs of different sizes, and the tests pin
  each page's count);
- throughput: a real server (gunicorn, production-like: DJANGO_DEBUG off, W workers) started on
  a loopback port against the same database, loaded for S seconds per page by C keep-alive
  connections (threads of http.client) carrying the persona's session cookie, and the anonymous
  home page loaded the same way for S seconds too, in slices alternating with the page's; each
  page's requests per second over the anonymous home page's in its slices is its `ratio`.

The load generator runs on the same machine as the server and takes its share of the CPU: the
ratios are fairer than the absolute figures, which read low on a small machine.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.models import Visit
from seeds.loader import load_demo
from seeds.territory import DEMO_VOLUNTEER, STAFF

BASE_DIR = Path(__file__).resolve().parent.parent
VOLUNTEER, COORDINATOR = "volunteer", "coordinator"
# What the server process runs: gunicorn's own entry point (the tests put their clock first, so
# that the sessions signed in at the suite's instant are alive for the server too).
SERVER_MAIN = "from gunicorn.app.wsgiapp import run; run()"


@dataclass(frozen=True)
class Page:
    name: str
    persona: str
    url: str


def add_arguments(parser) -> None:
    parser.add_argument("--requests", type=int, default=50, help="Timed requests per page, in process (default 50).")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed requests per page first (default 5).")
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="Load per page on the real server, 0 to skip (default 4)."
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent keep-alive connections (default 8).")


def _accounts() -> dict:
    coordinator = next(spec.email for spec in STAFF if spec.role == "coordinator")
    users = get_user_model().objects
    return {VOLUNTEER: users.get(email=DEMO_VOLUNTEER["email"]), COORDINATOR: users.get(email=coordinator)}


def _pages(volunteer) -> list[Page]:
    # The report form of one of the volunteer's visits that has no report yet.
    visit = Visit.objects.filter(match__volunteer__user=volunteer, report__isnull=True).order_by("starts_at").first()
    pages = [
        Page("volunteer_home", VOLUNTEER, reverse("volunteers:home")),
        Page("volunteer_missions", VOLUNTEER, reverse("volunteers:missions")),
        Page("volunteer_visits", VOLUNTEER, reverse("volunteers:visits")),
    ]
    if visit is not None:
        pages.append(Page("visit_report", VOLUNTEER, reverse("volunteers:visit_report", args=[visit.pk])))
    return pages + [
        Page("association_home", COORDINATOR, reverse("association:home")),
        Page("beneficiaries", COORDINATOR, reverse("association:beneficiaries")),
        Page("association_missions", COORDINATOR, reverse("association:missions")),
        Page("vetting", COORDINATOR, reverse("association:vetting")),
        Page("alert_queue", COORDINATOR, reverse("alerts:queue")),
        Page("alert_dashboard", COORDINATOR, reverse("alerts:dashboard")),
    ]


def _server_times(pages: list[Page], clients: dict, *, requests: int, warmup: int) -> dict:
    counts = {}
    for page in pages:
        client = clients[page.persona]
        for _ in range(warmup):
            response = client.get(page.url)
            if response.status_code != 200:
                raise RuntimeError(f"{page.url} answered {response.status_code} to the {page.persona}")
        reset_queries()  # the log the capture counts in is emptied when a request starts
        with CaptureQueriesContext(connection) as queries:
            client.get(page.url)
        counts[page.name] = len(queries)  # read now: a view on the log that reset_queries empties
    # In rounds, each page once per round: a slow moment of a shared machine falls on every page
    # alike, rather than on the one page being timed then.
    times = {page.name: [] for page in pages}
    cpu = {page.name: [] for page in pages}
    for _ in range(requests):
        for page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            clients[page.persona].get(page.url)
            times[page.name].append((time.perf_counter() - started) * 1000)
            cpu[page.name].append((time.process_time() - started_cpu) * 1000)
            reset_queries()
    figures = {}
    for page in pages:
        wall = sorted(times[page.name])
        figures[page.name] = {
            "median_ms": round(statistics.median(wall), 2),
            "p95_ms": round(wall[min(len(wall) - 1, int(len(wall) * 0.95))], 2),
            # This process's CPU time alone (Python: ORM, templates, middleware), which a busy
            # machine disturbs far less than the wall-clock time, and the database not at all.
            "cpu_median_ms": round(statistics.median(cpu[page.name]), 2),
            "queries": counts[page.name],
        }
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class _Server:
    """gunicorn serving the site on a loopback port, against the benchmark's database."""

    def __init__(self, *, workers: int):
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            # Static files are named as they are on disk: no collectstatic before a run.
            "STATIC_MANIFEST": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # the session cookies were signed with it
        }
        env.pop("DJANGO_DEBUG", None)
        command = [sys.executable, "-c", SERVER_MAIN, "liens.wsgi", "--workers", str(workers)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--keep-alive", "5"]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603 - our own interpreter

    def __enter__(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = _get(self.port, "/", {})
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within a minute")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _get(port: int, url: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _load(port: int, url: str, headers: dict, *, seconds: float, connections: int) -> dict:
    """`connections` threads asking `url` over and over for `seconds`: the answers, the time
    they took and the errors."""
    stop = time.monotonic() + seconds
    counts, errors = [0] * connections, [0] * connections
    headers = {**headers, "Connection": "keep-alive"}

    def worker(i: int) -> None:
        conn = None
        while time.monotonic() < stop:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = None
                continue
            if response.status == 200:
                counts[i] += 1
            else:
                errors[i] += 1
            if response.will_close:  # gunicorn's sync workers close after each answer
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests": sum(counts), "seconds": elapsed, "errors": sum(errors)}


def _no_load() -> dict:
    """What _load answers, before any: to add slices' answers to."""
    return {"requests": 0, "seconds": 0.0, "errors": 0}


def _throughput(
    pages: list[Page], clients: dict, *, seconds: float, workers: int, connections: int, slices: int = 4
) -> dict:
    """Each page's requests per second and its ratio to the anonymous home page's. A page and
    the home page are loaded in alternate slices (`slices` of each, `seconds` in all for each):
    on a shared machine whose speed drifts within a minute, both see the same moments, where a
    single measure of the home page at the start would set every later page against the
    machine as it was then."""
    cookies = {
        persona: {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}
        for persona, client in clients.items()
    }
    figures = {}
    home_total = _no_load()
    with _Server(workers=workers) as server:
        for url, headers in [("/", {})] + [(page.url, cookies[page.persona]) for page in pages]:
            _load(server.port, url, headers, seconds=min(seconds, 1.0), connections=connections)  # warm
        for page in pages:
            load, home = _no_load(), _no_load()
            for _ in range(slices):
                for url, headers, into in (("/", {}, home), (page.url, cookies[page.persona], load)):
                    part = _load(server.port, url, headers, seconds=seconds / slices, connections=connections)
                    for key in into:
                        into[key] += part[key]
            for key in home_total:
                home_total[key] += home[key]
            per_second, home_per_second = load["requests"] / load["seconds"], home["requests"] / home["seconds"]
            figures[page.name] = {
                "per_second": round(per_second, 1),
                "errors": load["errors"],
                # The home page's, in the slices between this page's.
                "anonymous_per_second": round(home_per_second, 1),
                "ratio": round(per_second / home_per_second, 3) if home_per_second else None,
            }
    figures["anonymous_home"] = {
        "per_second": round(home_total["requests"] / home_total["seconds"], 1) if home_total["seconds"] else 0.0,
        "errors": home_total["errors"],
    }
    return figures


def run(
    *, requests: int = 50, warmup: int = 5, seconds: float = 4.0, workers: int = 2, connections: int = 8, **_
) -> dict:
    """Build the demo territory, measure each page in process, then on a real server."""
    started = time.perf_counter()
    load_demo()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # After the build, what autovacuum does within a minute or two of it (statistics,
            # the dead rows of the seeds' updates): done now rather than in the middle of a page's
            # timing (VACUUM cannot run inside a transaction, as in a test: statistics only there).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    figures: dict = {"vendor": connection.vendor, "requests": requests, "build_seconds": 0.0}
    figures["build_seconds"] = round(time.perf_counter() - started, 1)
    accounts = _accounts()
    clients = {}
    for persona, user in accounts.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    pages = _pages(accounts[VOLUNTEER])
    # The test client asks for "testserver" over plain http; nothing else differs from production.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], SECURE_SSL_REDIRECT=False):
        figures["server"] = _server_times(pages, clients, requests=requests, warmup=warmup)
    if seconds > 0:
        figures["throughput"] = _throughput(pages, clients, seconds=seconds, workers=workers, connections=connections)
    if hasattr(os, "getloadavg"):
        figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    return figures
