"""What every warehouse writer shares: the run's settings, the refresh lock, the pool and retries.

`KansrijkResource` reads the ``KANSRIJK_*`` settings when a run starts and holds
``kansrijk.runtime.refresh_lock`` for the whole run, so a Dagster run never writes
beside another Dagster run or a headless ``make run``: the second one fails at start
with "Another refresh holds ...". The run queue (``dagster.yaml``:
``max_concurrent_runs: 1``) makes a second Dagster run wait instead.
"""

from __future__ import annotations

from contextlib import contextmanager

import duckdb
from dagster import Backoff, ConfigurableResource, Failure, InitResourceContext, RetryPolicy
from pydantic import PrivateAttr

from kansrijk import settings as settings_mod
from kansrijk.runtime import RefreshError, refresh_lock
from kansrijk.settings import Settings

# Every op that writes the warehouse or the serving file runs in this Dagster concurrency
# pool (limit 1 in dagster.yaml): DuckDB allows one writing process per file.
POOL = "kansrijk_warehouse"

# Transient errors (a DuckDB file lock held by another process, an IO hiccup) are retried
# after 10 s, 20 s, 40 s. Data failures raise `data_failure(...)`, which is never retried.
RETRY = RetryPolicy(max_retries=3, delay=10, backoff=Backoff.EXPONENTIAL)

# Text of DuckDB errors worth a retry: the file is locked or briefly unreadable.
TRANSIENT_MARKERS = ("could not set lock", "conflicting lock", "io error", "resource temporarily unavailable")


def is_transient(error: BaseException | str) -> bool:
    if isinstance(error, duckdb.IOException):
        return True
    text = str(error).lower()
    return any(m in text for m in TRANSIENT_MARKERS)


def data_failure(message: str, **metadata) -> Failure:
    """A failure caused by the data (quarantine, failed dbt test, publish guard): never retried."""
    return Failure(description=message, metadata=metadata or None, allow_retries=False)


@contextmanager
def step_failures(step: str, *, published: bool = False):
    """Run a step function of ``kansrijk.refresh`` and turn what it raises into the right failure.

    A ``RefreshError`` (the step's own sentence: quarantine, publish guard, lists, report) becomes a
    data failure, never retried. A DuckDB error is re-raised for RETRY when transient (a lock held
    by another process, an IO hiccup), else it is a data failure "<step> failed: <first line of the
    error> The serving copy was left as it was." (``published=True``, for the steps after the
    publish: "... The serving copy was published."). Every serving and landing asset uses this one
    wrapper; the dbt step reads dbt's own results instead (dbt_assets._failure).
    """
    serving = "The serving copy was published." if published else "The serving copy was left as it was."
    try:
        yield
    except RefreshError as e:
        raise data_failure(str(e)) from None
    except duckdb.Error as e:
        if is_transient(e):
            raise
        raise data_failure(f"{step} failed: {str(e).splitlines()[0]} {serving}") from e


class KansrijkResource(ConfigurableResource):
    """The kansrijk settings of this run, with the refresh lock held while the run executes."""

    _settings: Settings | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        s = settings_mod.check(settings_mod.load())
        with refresh_lock(s):
            # profiles.yml reads the warehouse path and limits from these variables;
            # dagster-dbt runs dbt as a subprocess that inherits this environment.
            settings_mod.export_dbt_env(s)
            self._settings = s
            yield self

    @property
    def settings(self) -> Settings:
        if self._settings is None:  # used outside a run (direct invocation in a test)
            self._settings = settings_mod.check(settings_mod.load())
        return self._settings
