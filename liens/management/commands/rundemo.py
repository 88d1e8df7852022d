"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

DEMO_ACCOUNTS = [
    ("benevole@exemple.fr", "approved volunteer with an active match"),
    ("coordination@exemple.fr", "coordinator of the first association"),
    ("coordination2@exemple.fr", "coordinator of the second association"),
    ("admin@exemple.fr", "platform admin"),
]


class Command(BaseCommand):
    help = "Start web server, Celery worker and beat for local use (the `make run` target)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        if not settings.REDIS_URL:
            for sub in ("queue", "processed", "control"):
                (settings.CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        env = os.environ.copy()
        commands = {
            "web": [python, "manage.py", "runserver", addrport, "--noreload"],
            # One machine: one worker serves every queue (compose.yaml runs one per queue).
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "liens",
                "worker",
                "-Q",
                ",".join(settings.LIENS_QUEUES),
                "--loglevel=INFO",
                "--concurrency=2",
            ],  # fmt: skip
            "beat": [python, "-m", "celery", "-A", "liens", "beat", "--loglevel=INFO"],
        }
        procs = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}

        broker = "Redis" if settings.REDIS_URL else "embedded filesystem broker"
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        lines = [
            "",
            f"Liens is running at http://{addrport}/  (database: {database}, broker: {broker})",
            "Demo accounts, password liens-demo:",
            *(f"  {email:<28} {role}" for email, role in DEMO_ACCOUNTS),
            f"Health: http://{addrport}/healthz   API docs: http://{addrport}/api/docs/",
            "Press Ctrl-C to stop the web server, the worker and beat.",
            "",
        ]
        self.stdout.write("\n".join(lines))

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("Stopped.")
