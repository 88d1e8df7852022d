"""Benchmarks: how the engine rooms scale, measured by hand, never in timed tests.

Each benchmark is a module with `add_arguments(parser)` and `run(**options) -> dict`; `run()`
below runs one inside a database of its own (benchmarks.database), so the configured database
is never read nor written. `manage.py benchmark <name>` prints the figures as one JSON line.
"""

from __future__ import annotations

import importlib

from .database import own_database

BENCHMARKS = {
    "sweep": "benchmarks.sweep",
    "dispatch": "benchmarks.dispatch",
    "matching": "benchmarks.matching",
}


def module(name: str):
    """The benchmark's module (KeyError for an unknown name)."""
    return importlib.import_module(BENCHMARKS[name])


def run(name: str, **options) -> dict:
    """Create a database of the benchmark's own, run the benchmark there, drop it; the figures."""
    benchmark = module(name)
    with own_database():
        return benchmark.run(**options)
