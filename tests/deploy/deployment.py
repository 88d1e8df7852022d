"""The deployment's processes as compose.yaml and deploy/*.service declare them, read once.

tests/deploy/test_deployment_files.py checks these commands and variables against the code;
tests/deploy/test_multiprocess.py starts the very same commands as real processes.
"""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = ROOT / "compose.yaml"
UNITS = sorted((ROOT / "deploy").glob("*.service"))
ENV_EXAMPLE = ROOT / "deploy" / "liens.env.example"
# Where deploy/*.service expect the release's virtualenv.
VENV_BIN = "/srv/liens/.venv/bin/"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def compose_app_services() -> dict[str, dict]:
    """The services that run Liens itself (built from this repository), by name."""
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def compose_command(service: str) -> list[str]:
    return list(compose_app_services()[service]["command"])


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Every `Key=value` of a systemd unit, values in order (a key may repeat)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def unit_command(path: Path, instance: str = "") -> list[str]:
    """ExecStart of a unit as argv, the virtualenv's path dropped and %i set to `instance`."""
    (exec_start,) = unit_settings(path)["ExecStart"]
    argv = shlex.split(exec_start.replace("%i", instance).replace("%%", "%"))
    return [argv[0].removeprefix(VENV_BIN), *argv[1:]]


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def with_options(command: list[str], **values: str) -> list[str]:
    """The command with the value after each named option replaced (`bind="..."` for `--bind`,
    `Q="..."` for `-Q`), or the option added when it is not there."""
    command = list(command)
    for name, value in values.items():
        flag = f"-{name}" if len(name) == 1 else f"--{name.replace('_', '-')}"
        if flag in command:
            command[command.index(flag) + 1] = value
        else:
            command += [flag, value]
    return command


def settings_environment() -> set[str]:
    """The environment variables liens/settings.py reads, from its source: every variable a
    deployment sets must be one of them, or it is a typo that silently changes nothing."""
    source = (ROOT / "liens" / "settings.py").read_text()
    pattern = r'(?:environ\.get|environ\[|env_bool|env_list|env=)\(?\s*"([A-Z][A-Z0-9_]*)"'
    return set(re.findall(pattern, source))


# Read by prefix: ANYMAIL_<NAME> becomes ANYMAIL["<NAME>"] (liens/settings.py).
SETTINGS_ENV_PREFIXES = ("ANYMAIL_",)
