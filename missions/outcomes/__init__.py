"""Outcomes: reassessments due (schedule.py), a person's scores over time (selectors.py,
trends.py) and a volunteer's certificate of hours (hours.py, certificates.py)."""
