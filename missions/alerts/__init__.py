"""Isolation alerts: the no-contact sweep, urgent and missed-visit alerts, the review queue,
escalation and the numbers. The contact ledger they rest on is missions/ledger.py."""
