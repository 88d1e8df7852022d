"""Benchmarks: how the engine rooms scale, measured by hand, never in timed tests.

Each benchmark is a module with `add_arguments(parser)` and `run(**options) -> dict`;
`benchmarks.runner.run()` runs one inside a database of its own (benchmarks.database), so the
configured database is never read nor written. `manage.py benchmark <name>` prints the figures
as one JSON line. The package is an installed app for that command only, so this file loads
nothing: Django imports it before the models are ready.
"""
