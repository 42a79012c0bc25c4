"""Serving assets: `serving/published_marts` (write-audit-publish) and the optional report.

`published_marts` calls ``kansrijk.publish.publish``: it checks the publish guards (the new marts
against the serving copy they replace) and swaps a complete new serving file in with one atomic
rename. The audit is the dbt step's: the marts' reconciliations to raw are dbt tests (asset checks
of the marts), so a mart that breaks one stops the run at `dbt_build` and this asset never runs. A
stopped guard is a data failure (not retried) and leaves the serving file untouched.
`serving/segment_report` writes the offline report from the serving copy. Both call the step
functions of ``kansrijk.refresh`` (the one definition of the refresh), as `make run` does.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from kansrijk import refresh
from orchestration.dbt_assets import keys_in_layer
from orchestration.resources import POOL, RETRY, KansrijkResource, step_failures

PUBLISHED_KEY = AssetKey(["serving", "published_marts"])
REPORT_KEY = AssetKey(["serving", "segment_report"])
LISTS_KEY = AssetKey(["serving", "sales_lists"])
MART_KEYS = keys_in_layer("marts")


def _dbt_invocation_id(context: AssetExecutionContext) -> str | None:
    """The dbt invocation that built the newest of the marts (dagster-dbt records it)."""
    newest = None
    for key in MART_KEYS:
        event = context.instance.get_latest_materialization_event(key)
        if event is not None and (newest is None or event.timestamp > newest.timestamp):
            newest = event
    if newest is None or newest.asset_materialization is None:
        return None
    value = newest.asset_materialization.metadata.get("invocation_id")
    return value.value if value is not None else None


@asset(
    key=PUBLISHED_KEY,
    deps=MART_KEYS,
    group_name="serving",
    kinds={"duckdb"},
    pool=POOL,
    retry_policy=RETRY,
    description=(
        "The serving copy (<data dir>/serving.duckdb): the tested marts schema plus marts.publish_log, "
        "swapped in atomically. BI tools open it read-only."
    ),
)
def published_marts(context: AssetExecutionContext, kansrijk: KansrijkResource) -> MaterializeResult:
    s = kansrijk.settings
    with step_failures("Publish"):
        counts = refresh.publish(s, _dbt_invocation_id(context))
    warnings = refresh.gaps(s)
    for w in warnings:
        context.log.warning(w)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(s.serving)),
            "tables": MetadataValue.int(len(counts)),
            "row_counts": MetadataValue.json(counts),
            "warnings": MetadataValue.md("\n".join(f"- {w}" for w in warnings) or "none"),
        }
    )


@asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="serving",
    kinds={"html"},
    description="The offline HTML segment report (<data dir>/report/index.html), written from the serving copy.",
)
def segment_report(context: AssetExecutionContext, kansrijk: KansrijkResource) -> MaterializeResult:
    with step_failures("The segment report", published=True):
        path = refresh.report(kansrijk.settings)
    return MaterializeResult(metadata={"path": MetadataValue.path(path)})


@asset(
    key=LISTS_KEY,
    deps=[PUBLISHED_KEY],
    group_name="serving",
    kinds={"csv"},
    description="The target and at-risk lists per CRM account owner (<data dir>/lists/<owner>/targets.csv, at_risk.csv).",
)
def sales_lists(context: AssetExecutionContext, kansrijk: KansrijkResource) -> MaterializeResult:
    with step_failures("The sales lists", published=True):
        counts = refresh.lists(kansrijk.settings)
    return MaterializeResult(metadata={
        "owners": MetadataValue.int(len(counts)),
        "targets": MetadataValue.int(sum(n["targets"] for n in counts.values())),
        "at_risk": MetadataValue.int(sum(n["at_risk"] for n in counts.values())),
    })


SERVING_ASSETS = [published_marts, sales_lists, segment_report]
