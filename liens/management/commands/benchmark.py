"""`manage.py benchmark <name> [options]`: build data, measure, print one JSON line.

The benchmarks live in the top-level `benchmarks` package, each in a module with
`add_arguments(parser)` and `run(**options) -> dict`; every run happens in a database of its
own, created and dropped around it (benchmarks.database), never in the configured one. Speed
is measured here, never in timed tests.
"""

import json

from django.core.management.base import BaseCommand, CommandError

import benchmarks


class Command(BaseCommand):
    help = "Run one benchmark in a database of its own and print its figures as one JSON line."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="benchmark", required=True)
        for name in benchmarks.BENCHMARKS:
            sub = subparsers.add_parser(name)
            try:
                module = benchmarks.module(name)
            except ModuleNotFoundError:
                continue
            module.add_arguments(sub)

    def handle(self, *args, benchmark: str, **options):
        try:
            benchmarks.module(benchmark)
        except ModuleNotFoundError as exc:
            raise CommandError(f"benchmark {benchmark!r} is not available: {exc}") from exc
        result = benchmarks.run(benchmark, **options)
        self.stdout.write(json.dumps({"benchmark": benchmark, **result}, sort_keys=True))
