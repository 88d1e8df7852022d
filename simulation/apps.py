from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """Installed only for its `simulate` command: the apps never import this package."""

    name = "simulation"
    verbose_name = "Simulation"
