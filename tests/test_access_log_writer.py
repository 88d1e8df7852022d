"""The access log has one writer: liens.services.sensitive_access_log."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("liens", "missions", "volunteers", "seeds")


def test_only_the_access_log_service_creates_log_rows():
    writers = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "SensitiveAccess.objects.create" in text or "SensitiveAccess(" in text:
                writers.append(str(path.relative_to(ROOT)))

    assert writers == ["liens/services.py"]
