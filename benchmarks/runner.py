"""The benchmarks by name, and running one in a database of its own."""

from __future__ import annotations

import importlib

from .database import own_database

BENCHMARKS = {
    "sweep": "benchmarks.sweep",
    "dispatch": "benchmarks.dispatch",
    "matching": "benchmarks.matching",
    "import": "benchmarks.importing",
    "pages": "benchmarks.pages",
}


def module(name: str):
    """The benchmark's module (KeyError for an unknown name)."""
    return importlib.import_module(BENCHMARKS[name])


def run(name: str, **options) -> dict:
    """Create a database of the benchmark's own, run the benchmark there, drop it; the figures."""
    benchmark = module(name)
    with own_database():
        return benchmark.run(**options)
