"""The refresh job, its daily schedule and the new-delivery sensor.

`refresh_job` materializes every asset (landing → dbt → serving) with the in-process
executor: one process writes the DuckDB file at a time. Schedule: cron
`KANSRIJK_SCHEDULE_CRON` (default `0 6 * * *`) in `KANSRIJK_SCHEDULE_TIMEZONE` (default
`Europe/Amsterdam`). Sensor: a new delivery folder in the landing folder starts one
refresh; the cursor remembers every delivery seen, so each delivery triggers once.
"""


import json
import time
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from kansrijk import settings as settings_mod

# A delivery folder counts once its newest file is this old: a folder still being
# copied into the landing folder is not refreshed half-way.
SETTLE_SECONDS = 60

refresh_job = define_asset_job(
    "refresh_job",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest → validate → dbt build (models + tests, the reconciliations among them) → publish, one writer at a time.",
    tags={"kansrijk/refresh": "true"},
)

_settings = settings_mod.load()

refresh_schedule = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule=_settings.schedule_cron,
    execution_timezone=_settings.schedule_timezone,
    default_status=DefaultScheduleStatus.RUNNING,
    description="The daily refresh (KANSRIJK_SCHEDULE_CRON in KANSRIJK_SCHEDULE_TIMEZONE).",
)


def settled_deliveries(landing: Path, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None) -> list[str]:
    """Delivery folders of the landing folder whose files stopped changing, in name order."""
    from kansrijk.ingest import valid_delivery  # the one definition of a delivery name (lazy: GX is slow to import)

    if not landing.is_dir():
        return []
    now = time.time() if now is None else now
    out = []
    for entry in sorted(landing.iterdir(), key=lambda p: p.name):
        if not entry.is_dir() or not valid_delivery(entry.name):
            continue
        newest = max([entry.stat().st_mtime] + [f.stat().st_mtime for f in entry.iterdir()])
        if now - newest >= settle_seconds:
            out.append(entry.name)
    return out


@sensor(
    name="new_delivery_sensor",
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a refresh when a new delivery folder appears in the landing folder.",
)
def new_delivery_sensor(context: SensorEvaluationContext):
    s = settings_mod.load()
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new = [d for d in settled_deliveries(s.landing) if d not in seen]
    if not new:
        return SkipReason(f"No new delivery folder in {s.landing}.")
    # Several new deliveries at once: one refresh loads them all (ingest takes every new file).
    latest = new[-1]
    return SensorResult(
        run_requests=[RunRequest(run_key=latest, tags={"kansrijk/deliveries": ",".join(new)})],
        cursor=json.dumps(sorted(seen | set(new))),
    )
