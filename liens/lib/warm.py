"""A web worker's garbage collector, told what lasts.

A worker keeps for its whole life what its first requests load: compiled templates, URL
patterns, translation catalogues, compiled queries, the models' metadata, some 200,000 objects
on the demo territory. Python's collector walks every one of them at each full collection,
which comes every few hundred requests and takes 130 ms on the 2-core machine the benchmarks
run on: 0.4 ms a request on average, and one request in a few hundred waits 130 ms more.

Once the worker has served its first requests, FreezeWhenWarm moves what is alive then out of
the collector's walks (gc.freeze): a full collection then walks only what came later. What is
frozen is still freed when nothing refers to it any more (reference counting is untouched);
only a cycle among frozen objects would stay, and a garbage collection just before the freeze
leaves none.
"""

import gc
import threading

# Requests served before the freeze: enough for a worker to have loaded the pages it serves.
WARM_AFTER = 200


class FreezeWhenWarm:
    """WSGI middleware: after `after` requests, collect once and freeze what is alive."""

    def __init__(self, application, *, after: int = WARM_AFTER):
        self.application = application
        self.after = after
        self.served = 0
        self._lock = threading.Lock()  # a threaded worker counts its requests once each

    def __call__(self, environ, start_response):
        try:
            return self.application(environ, start_response)
        finally:
            if self.served < self.after:
                self._count()

    def _count(self) -> None:
        with self._lock:
            self.served += 1
            if self.served == self.after:
                gc.collect()
                gc.freeze()
