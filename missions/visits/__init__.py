"""Visits ahead: the materialised series, reminder plans, "I can't come", report chasing, digests."""
