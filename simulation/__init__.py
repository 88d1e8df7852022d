"""The whole safety net over simulated weeks: `manage.py simulate` (see simulation.run)."""
