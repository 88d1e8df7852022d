"""The access log has one writer: liens.services.sensitive_access_log."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("liens", "missions", "volunteers", "seeds")
# A row made or saved directly: SensitiveAccess.objects.create(...), SensitiveAccess(user=...).
WRITE = re.compile(
    r"SensitiveAccess\.objects\.(create|bulk_create|get_or_create|update_or_create)|SensitiveAccess\((?!models\.)"
)


def test_only_the_access_log_service_creates_log_rows():
    writers = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if WRITE.search(text):
                writers.append(str(path.relative_to(ROOT)))

    assert writers == ["liens/services.py"]
