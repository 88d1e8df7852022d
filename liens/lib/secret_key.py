"""The secret key of a local run: random, made once per machine, never one published in the code.

A demo left reachable on a network must not sign links (invitations, "I can't come") or
sessions with a key anyone can read in the repository; production sets SECRET_KEY itself.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def local_secret_key(path: Path) -> str:
    """The key stored at `path`; a new random one, readable by its owner only, when none is there.

    Several processes start at once in `make run` (web server, worker, beat): the file is
    written under a temporary name and linked into place, so a reader never sees it half
    written and two processes racing end up sharing the first key linked.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process linked its key first: that one is used
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it and a new one is made.")
    return key
