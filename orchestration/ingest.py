"""Landing assets: one asset per contract table (`raw/<table>`), loaded by kansrijk's ingest.

One op runs ``kansrijk.ingest.ingest_landing`` once (per file: checksum, contract types,
Great Expectations suite, merge or quarantine) and reports every contract table as its
own asset, with the table's validation result as a blocking asset check
``contract_valid``. A quarantined file fails the check and the step, so dbt and publish
do not run and the serving copy stays as it was.
"""


import datetime as dt
from collections import defaultdict

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from kansrijk import contract
from kansrijk import refresh
from orchestration.resources import POOL, RETRY, KansrijkResource, data_failure, step_failures

CHECK_NAME = "contract_valid"


def landing_key(table: str) -> AssetKey:
    """The asset key of a contract table in the raw schema; dbt sources map onto it."""
    return AssetKey(["raw", table])


LANDING_KEYS = {name: landing_key(name) for name in contract.TABLES}


def _spec(t: contract.Table) -> AssetSpec:
    kind = "full snapshot" if t.snapshot else "delta"
    return AssetSpec(
        key=LANDING_KEYS[t.name],
        group_name="landing",
        description=(
            f"raw.{t.name}: the current version per key ({', '.join(t.key)}) of the {t.source.upper()} "
            f"extract {t.name} ({kind}), loaded from <landing>/<delivery>/{t.name}.csv|parquet."
        ),
        kinds={"duckdb"},
        metadata={"dagster/table_name": f"warehouse.raw.{t.name}"},
    )


def _check_spec(t: contract.Table) -> AssetCheckSpec:
    return AssetCheckSpec(
        CHECK_NAME,
        asset=LANDING_KEYS[t.name],
        blocking=True,
        description=(
            "Every file of this table in the landing folder passed the landing contract "
            "(header, types, Great Expectations suite); a failing file is quarantined."
        ),
    )


def _table_stats(s) -> dict[str, tuple[int, dt.datetime | None, str | None]]:
    """Per raw table: current rows, latest _loaded_at, latest delivery."""
    from kansrijk.ingest import connect  # ingest's connection settings: shares its DuckDB instance

    out = {}
    with connect(s) as con:
        for name in contract.TABLES:
            out[name] = con.execute(
                f'select count(*) filter (where not _is_deleted), max(_loaded_at), max(_delivery) from raw."{name}"'
            ).fetchone()
    return out


@multi_asset(
    name="ingest_landing",
    specs=[_spec(t) for t in contract.TABLES.values()],
    check_specs=[_check_spec(t) for t in contract.TABLES.values()],
    pool=POOL,
    retry_policy=RETRY,
)
def ingest_landing_assets(context: AssetExecutionContext, kansrijk: KansrijkResource):
    s = kansrijk.settings
    refresh.demo(s)
    with step_failures("Ingest"):
        result = refresh.ingest(s, context.log.info, stop_on_quarantine=False)

    outcomes = defaultdict(list)
    for f in result.loaded + result.skipped + result.quarantined:
        outcomes[f.table].append(f)
    stats = _table_stats(s)
    for name, key in LANDING_KEYS.items():
        rows, loaded_at, delivery = stats[name]
        files = outcomes.get(name, [])
        metadata = {
            "rows": MetadataValue.int(rows),
            "files_loaded": MetadataValue.int(sum(f.status == "loaded" for f in files)),
            "rows_loaded": MetadataValue.int(sum(f.rows for f in files if f.status == "loaded")),
            "files_skipped_as_loaded": MetadataValue.int(sum(f.status == "skipped_duplicate" for f in files)),
            "latest_delivery": MetadataValue.text(delivery or ""),
        }
        if loaded_at is not None:
            # Freshness is the data's age (as dbt source freshness: max(_loaded_at)), not the
            # time of this run: a run that found nothing new does not make a source fresh.
            ts = loaded_at.replace(tzinfo=dt.timezone.utc).timestamp()
            metadata["dagster/last_updated_timestamp"] = MetadataValue.timestamp(ts)
        yield MaterializeResult(asset_key=key, metadata=metadata)

    for name, key in LANDING_KEYS.items():
        bad = [f for f in outcomes.get(name, []) if f.status == "quarantined"]
        yield AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=not bad,
            severity=AssetCheckSeverity.ERROR,
            description=bad[0].message if bad else "Every file of this table passed the landing contract.",
            metadata={
                "files_quarantined": MetadataValue.int(len(bad)),
                "quarantine_messages": MetadataValue.md("\n".join(f"- {f.message}" for f in bad) or "none"),
            },
        )
    for w in result.warnings:
        context.log.warning(w)
    problem = refresh.quarantine_message(s, result)
    if problem:
        raise data_failure(
            problem, quarantined=MetadataValue.md("\n".join(f"- {q.message}" for q in result.quarantined)))
