"""`manage.py benchmark <name> [options]`: build data, measure, print one JSON line.

Each benchmark lives beside the code it measures, in a module with `add_arguments(parser)`
and `run(**options) -> dict`. Speed is measured here, never in timed tests.
"""

import importlib
import json

from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {
    "sweep": "missions.alerts.benchmark",
    "dispatch": "liens.outbox.benchmark",
    "matching": "missions.matching.benchmark",
}


class Command(BaseCommand):
    help = "Run one benchmark and print its figures as one JSON line."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="benchmark", required=True)
        for name, module_path in BENCHMARKS.items():
            sub = subparsers.add_parser(name)
            try:
                module = importlib.import_module(module_path)
            except ModuleNotFoundError:
                continue
            module.add_arguments(sub)

    def handle(self, *args, benchmark: str, **options):
        try:
            module = importlib.import_module(BENCHMARKS[benchmark])
        except ModuleNotFoundError as exc:
            raise CommandError(f"benchmark {benchmark!r} is not available: {exc}") from exc
        result = module.run(**options)
        self.stdout.write(json.dumps({"benchmark": benchmark, **result}, sort_keys=True))
