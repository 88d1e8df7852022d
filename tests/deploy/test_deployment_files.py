"""compose.yaml and the systemd units of deploy/ name only commands, options, queues and
environment variables that exist: Docker and systemd cannot run here, so this is their check."""

import importlib

import pytest
from celery.bin.beat import beat as celery_beat
from celery.bin.worker import worker as celery_worker
from django.conf import settings
from django.core.management import get_commands
from gunicorn.config import KNOWN_SETTINGS

from tests.deploy import deployment

WORKER_UNIT = deployment.ROOT / "deploy" / "liens-worker@.service"


def _options(click_command) -> set[str]:
    return {flag for param in click_command.params for flag in (*param.opts, *param.secondary_opts)}


def _flags(args: list[str]) -> list[str]:
    return [arg for arg in args if arg.startswith("-")]


def command_problems(argv: list[str]) -> list[str]:
    """What is wrong with one deployment command; [] when it would start."""
    program, *args = argv
    if program == "python":
        if args[:1] != ["manage.py"] or len(args) < 2:
            return [f"not a manage.py command: {argv}"]
        return [] if args[1] in get_commands() else [f"no such manage.py command: {args[1]}"]
    if program == "celery":
        if args[:2] != ["-A", "liens"] or len(args) < 3:
            return [f"not the liens Celery app: {argv}"]
        sub, rest = args[2], args[3:]
        known = {"worker": _options(celery_worker), "beat": _options(celery_beat)}.get(sub)
        if known is None:
            return [f"unexpected celery command: {sub}"]
        problems = [f"celery {sub} has no option {flag}" for flag in _flags(rest) if flag not in known]
        if sub == "worker":
            if "-Q" not in rest:
                return [*problems, f"a worker must name its queues: {argv}"]
            queues = rest[rest.index("-Q") + 1].split(",")
            problems += [f"unknown queue {queue!r}" for queue in queues if queue not in settings.LIENS_QUEUES]
        return problems
    if program == "gunicorn":
        module, _, attribute = args[0].partition(":")
        application = getattr(importlib.import_module(module), attribute or "application", None)
        known = {flag for setting in KNOWN_SETTINGS for flag in setting.cli or ()}
        problems = [f"gunicorn has no option {flag}" for flag in _flags(args[1:]) if flag not in known]
        return problems if callable(application) else [*problems, f"{args[0]} is not a WSGI application"]
    return [f"unexpected program: {argv}"]


def _every_command() -> dict[str, list[str]]:
    commands = {f"compose {name}": deployment.compose_command(name) for name in deployment.compose_app_services()}
    for unit in deployment.UNITS:
        if unit == WORKER_UNIT:
            for queue in settings.LIENS_QUEUES:
                commands[f"{unit.name} {queue}"] = deployment.unit_command(unit, queue)
        else:
            commands[unit.name] = deployment.unit_command(unit)
    return commands


def test_every_command_of_compose_and_deploy_exists_with_its_options():
    commands = _every_command()
    assert len(commands) >= 10
    assert {name: problems for name, argv in commands.items() if (problems := command_problems(argv))} == {}


@pytest.mark.parametrize(
    "argv",
    [
        ["python", "manage.py", "migrat"],
        ["celery", "-A", "liens", "worker", "-Q", "urgnet"],
        ["celery", "-A", "liens", "worker", "--concurency", "2", "-Q", "bulk"],
        ["celery", "-A", "liens", "worker"],
        ["gunicorn", "liens.wsgi:app"],
        ["gunicorn", "liens.wsgi:application", "--bnd", "0.0.0.0:8000"],
    ],
)
def test_the_check_finds_a_wrong_command(argv):
    assert command_problems(argv) != []


def test_compose_runs_the_web_a_worker_for_every_queue_beat_and_migrations():
    commands = {name: deployment.compose_command(name) for name in deployment.compose_app_services()}
    served = {
        queue
        for argv in commands.values()
        if argv[3:4] == ["worker"]
        for queue in argv[argv.index("-Q") + 1].split(",")
    }
    assert served == set(settings.LIENS_QUEUES)
    assert [argv[3] for argv in commands.values() if argv[:1] == ["celery"]].count("beat") == 1
    assert ["python", "manage.py", "migrate", "--noinput"] in commands.values()
    assert any(argv[0] == "gunicorn" for argv in commands.values())
    # Every process waits for the migrations of its release, and the migrations for the database.
    services = deployment.compose_app_services()
    for name, service in services.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert set(services["migrate"]["depends_on"]) == {"postgres", "redis"}


def test_every_variable_a_deployment_sets_is_one_the_settings_read():
    read = deployment.settings_environment()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= read

    def unknown(names):
        return sorted(n for n in names if n not in read and not n.startswith(deployment.SETTINGS_ENV_PREFIXES))

    for name, service in deployment.compose_app_services().items():
        assert unknown(service["environment"]) == [], name
    assert unknown(deployment.env_file(deployment.ENV_EXAMPLE)) == []
    for unit in deployment.UNITS:
        unit_settings = deployment.unit_settings(unit)
        assert unit_settings["EnvironmentFile"] == ["/etc/liens/liens.env"], unit.name
        assert unknown(value.split("=", 1)[0] for value in unit_settings.get("Environment", [])) == []
    # The required ones are set everywhere.
    for name, service in deployment.compose_app_services().items():
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(service["environment"]), name
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(deployment.env_file(deployment.ENV_EXAMPLE))
