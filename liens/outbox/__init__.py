"""The notification outbox: claiming due rows, handing them to a channel, retrying, sweeping.

Rows are written by `liens.notify.notify()`; this package only sends them.
"""
