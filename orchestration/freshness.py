"""Source freshness as Dagster freshness checks on the landing assets.

The threshold is dbt's own source freshness config (`error_after` in
models/staging/*/_*__sources.yml), so there is one place to change it. A landing
table whose newest loaded row (max `_loaded_at`, reported by the ingest asset) is
older than that fails its `freshness_check` (severity ERROR, not blocking: the
refresh still publishes what it has). The checks run in every refresh and, between
runs, from `freshness_checks_sensor`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict

from dagster import AssetCheckSeverity, build_last_update_freshness_checks, build_sensor_for_freshness_checks

from orchestration.dbt_assets import source_freshness
from orchestration.ingest import LANDING_KEYS

_PERIODS = {"minute": "minutes", "hour": "hours", "day": "days"}


def _delta(error_after: dict) -> dt.timedelta:
    return dt.timedelta(**{_PERIODS[error_after["period"]]: int(error_after["count"])})


def build_freshness_checks():
    # Dagster marks these factories "superseded" by FreshnessPolicy, but a FreshnessPolicy
    # judges the time of the last materialization (every refresh), not the age of the data;
    # these checks read `dagster/last_updated_timestamp` (max _loaded_at), as dbt does.
    by_delta = defaultdict(list)
    for key, error_after in source_freshness().items():
        if key in LANDING_KEYS.values():
            by_delta[_delta(error_after)].append(key)
    checks = []
    for delta, keys in sorted(by_delta.items()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # SupersessionWarning
            checks += build_last_update_freshness_checks(
                assets=sorted(keys, key=lambda k: k.to_user_string()),
                lower_bound_delta=delta,
                severity=AssetCheckSeverity.ERROR,
            )
    return checks


FRESHNESS_CHECKS = build_freshness_checks()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # SupersessionWarning
    FRESHNESS_SENSOR = build_sensor_for_freshness_checks(
        freshness_checks=FRESHNESS_CHECKS, name="freshness_checks_sensor", minimum_interval_seconds=3600
    )
