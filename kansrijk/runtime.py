"""What every step of the refresh may use and nothing else: the refresh lock and the crash-test hook.

The bottom of the house: it imports only the settings module, and the steps (ingest, dbt,
publish, report) and the pipeline above them import it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kansrijk.settings import Settings


class RefreshError(Exception):
    """A step of the refresh failed; the message is one sentence saying which and where."""


@contextmanager
def refresh_lock(s: Settings) -> Iterator[None]:
    """Hold the data directory's refresh lock; a second refresh is refused, never run beside."""
    s.data_dir.mkdir(parents=True, exist_ok=True)
    path = s.data_dir / ".refresh.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshError(
                f"Another refresh holds {path}: this one was skipped; wait for it to finish."
            ) from None
        yield


def pause_point(s: Settings, phase: str) -> None:
    """Test hook for the crash tests (tests/test_faults_crash.py); no effect unless set.

    With KANSRIJK_TEST_PAUSE_AT=<phase> the process writes ``<data_dir>/.paused-<phase>``
    and sleeps there (KANSRIJK_TEST_PAUSE_SECONDS, default 300), so a test can SIGKILL it at
    a known point. Phases: ``ingest`` (after each file merged into raw), ``publish`` (the new
    serving file is complete, just before the atomic swap).
    """
    if s.test_pause_at != phase:
        return
    (s.data_dir / f".paused-{phase}").write_text(str(os.getpid()))
    time.sleep(s.test_pause_seconds)
