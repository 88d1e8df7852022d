"""`manage.py simulate`: the whole safety net over simulated days, held against the truth.

Builds a synthetic territory through the services in a database of its own (created and
dropped as the benchmarks' are), plays the beat schedule as configured on a simulated clock
while a seeded world lives, then prints the figures as one JSON line and a short report, and
writes an SVG chart beside the JSON (see simulation.run and simulation.measures).
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from simulation import report, run

# Two weeks before the last Sunday of March 2027: the DST change falls inside every window of
# 14 days or more. At 06:07, so the interval jobs (which run from beat's start) are not in step
# with the crontab ones nor with midnight, as they are not in production.
DEFAULT_START = "2027-03-15T06:07:00+01:00"


class Command(BaseCommand):
    help = "Simulate a territory over days with every scheduled job, and measure the safety net."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--beneficiaries", type=int, default=200)
        parser.add_argument("--volunteers", type=int, default=None, help="Default: 40%% of the people.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--start", default=DEFAULT_START, help="ISO 8601 instant with an offset.")
        parser.add_argument("--step", type=int, default=5, help="Minutes; jobs due more often run once a step.")
        parser.add_argument("--fault", action="append", choices=run.FAULTS, default=[], help="May be repeated.")
        parser.add_argument("--output", default="simulation.json", help="The JSON figures; the SVG goes beside it.")

    def handle(self, *args, days, beneficiaries, volunteers, seed, start, step, fault, output, **options):
        try:
            start_at = datetime.datetime.fromisoformat(start)
        except ValueError as exc:
            raise CommandError(f"--start: {exc}") from exc
        if start_at.tzinfo is None:
            raise CommandError("--start needs an offset, e.g. 2027-03-15T06:00:00+01:00")
        figures = run.run(
            days=days,
            beneficiaries=beneficiaries,
            volunteers=volunteers if volunteers is not None else max(1, beneficiaries * 2 // 5),
            seed=seed,
            start=start_at,
            step_minutes=step,
            faults=fault,
            progress=lambda line: self.stderr.write(line),
        )
        path = Path(output)
        path.write_text(json.dumps(figures, sort_keys=True, indent=1))
        path.with_suffix(".svg").write_text(report.svg(figures))
        summary = {k: v for k, v in figures.items() if k not in ("chart", "schedule_log")}
        self.stdout.write(json.dumps(summary, sort_keys=True, default=str))
        self.stdout.write(report.text(figures))
