"""Celery wiring: configuration from Django settings (namespace CELERY_), the task modules
listed once in settings.CELERY_IMPORTS, and the base class of tasks sent by requests and services.
"""

import os

from celery import Celery, Task
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liens.settings")

app = Celery("liens")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class AfterCommitTask(Task):
    """A task sent by a request or a service: inside a transaction it leaves after the commit.

    A worker may pick a message up within milliseconds; sent before the commit, it would load
    rows it cannot see yet, and a rolled-back request would still have sent it. So
    `apply_async` (and `delay`) inside an atomic block only registers the sending with
    `transaction.on_commit`, and nothing is sent when the transaction rolls back; outside a
    transaction the rows are already committed and the message leaves at once. It returns None
    when the sending is deferred: no caller waits on these tasks' results.
    """

    def apply_async(self, args=None, kwargs=None, **options):
        if transaction.get_connection().in_atomic_block:
            send = super().apply_async
            transaction.on_commit(lambda: send(args, kwargs, **options))
            return None
        return super().apply_async(args, kwargs, **options)

    def __call__(self, *args, **kwargs):
        # A job works across associations, outside any staff scope (liens.scopes), even when it
        # runs eagerly inside the request that sent it. (Imported here: this module loads before
        # Django's apps, with liens/__init__.py.)
        from liens.scopes import scopes_disabled

        with scopes_disabled("a task, like every job outside a request, works across associations"):
            return super().__call__(*args, **kwargs)


@app.on_after_configure.connect
def _make_embedded_broker_folders(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist; with Redis there is nothing to do.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
