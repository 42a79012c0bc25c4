"""The Dagster definitions of kansrijk: `dagster dev` (`make ui`), `dagster definitions validate`.

Only wiring: each part lives in its own module (ingest, dbt_assets, freshness, publish,
schedules, resources), and those call the step functions of ``kansrijk.refresh``, the one
definition of the refresh. Loaded lazily (``@definitions``): importing this module parses no
dbt project and reads no settings; Dagster's tools call :func:`defs` when they load the code
location (``[tool.dagster]`` in pyproject.toml names this module).
"""

from __future__ import annotations

from dagster import Definitions, definitions, in_process_executor


@definitions
def defs() -> Definitions:
    from orchestration.dbt_assets import dbt_build_assets, dbt_resource
    from orchestration.freshness import FRESHNESS_CHECKS, FRESHNESS_SENSOR
    from orchestration.ingest import ingest_landing_assets
    from orchestration.publish import SERVING_ASSETS
    from orchestration.resources import KansrijkResource
    from orchestration.schedules import new_delivery_sensor, refresh_job, refresh_schedule

    return Definitions(
        assets=[ingest_landing_assets, dbt_build_assets, *SERVING_ASSETS],
        asset_checks=FRESHNESS_CHECKS,
        jobs=[refresh_job],
        schedules=[refresh_schedule],
        sensors=[new_delivery_sensor, FRESHNESS_SENSOR],
        resources={"kansrijk": KansrijkResource(), "dbt": dbt_resource()},
        executor=in_process_executor,
    )
