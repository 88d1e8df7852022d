from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Installed only for its `benchmark` command: the apps never import this package."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
