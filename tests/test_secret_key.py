"""The secret key of a local run (liens/lib/secret_key.py) and how settings pick it."""

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from liens.lib.secret_key import local_secret_key

ROOT = Path(__file__).resolve().parent.parent


def test_a_missing_key_is_made_random_and_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = local_secret_key(path)
    assert len(key) >= 50
    assert path.read_text() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(tmp_path / "elsewhere" / "secret_key") != key


def test_the_key_is_kept_and_reused(tmp_path):
    path = tmp_path / "secret_key"
    assert local_secret_key(path) == local_secret_key(path)


def test_processes_starting_together_share_one_key(tmp_path):
    path = tmp_path / "secret_key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: local_secret_key(path), range(32)))
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_an_emptied_key_file_is_refused_rather_than_signing_with_nothing(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="no usable secret key"):
        local_secret_key(path)


def _settings_key(env: dict[str, str]) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    base = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DJANGO_DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "liens.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_local_run_without_secret_key_signs_with_the_key_kept_in_var(tmp_path):
    key = _settings_key({"DJANGO_DEBUG": "1", "LIENS_VAR_DIR": str(tmp_path)})
    assert key == (tmp_path / "secret_key").read_text()
    assert key == _settings_key({"DJANGO_DEBUG": "1", "LIENS_VAR_DIR": str(tmp_path)})
    assert "not-a-secret" not in key


def test_a_secret_key_from_the_environment_wins_and_no_file_is_made(tmp_path):
    key = _settings_key({"DJANGO_DEBUG": "1", "LIENS_VAR_DIR": str(tmp_path), "SECRET_KEY": "from-the-environment"})
    assert key == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
