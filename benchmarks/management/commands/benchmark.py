"""`manage.py benchmark <name> [options]`: build data, measure, print one JSON line.

The benchmarks live in this top-level `benchmarks` app (installed only for this command, so the
apps below never import it), each in a module with `add_arguments(parser)` and
`run(**options) -> dict`; every run happens in a database of its own, created and dropped
around it (benchmarks.database), never in the configured one. Speed is measured here, never in
timed tests.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from benchmarks import runner


class Command(BaseCommand):
    help = "Run one benchmark in a database of its own and print its figures as one JSON line."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="benchmark", required=True)
        for name in runner.BENCHMARKS:
            sub = subparsers.add_parser(name)
            try:
                module = runner.module(name)
            except ModuleNotFoundError:
                continue
            module.add_arguments(sub)

    def handle(self, *args, benchmark: str, **options):
        try:
            runner.module(benchmark)
        except ModuleNotFoundError as exc:
            raise CommandError(f"benchmark {benchmark!r} is not available: {exc}") from exc
        result = runner.run(benchmark, **options)
        self.stdout.write(json.dumps({"benchmark": benchmark, **result}, sort_keys=True))
