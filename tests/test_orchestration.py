"""The Dagster definitions: graph shape, a full in-process refresh, failures that must
leave the serving copy alone, the new-delivery sensor, the schedule and source freshness.

The refresh runs `refresh_job` in-process on an ephemeral instance, on the small
company of tests/test_serving_readers.py (four customers, ERP and CRM tables).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
from dagster import (
    AssetCheckSeverity,
    AssetCheckKey,
    AssetKey,
    AssetMaterialization,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    MetadataValue,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    define_asset_job,
)

from kansrijk import contract
from kansrijk.dbt_cli import NOTHING_NEW
from kansrijk.runtime import refresh_lock
from orchestration.definitions import defs
from orchestration.freshness import FRESHNESS_CHECKS
from orchestration.ingest import LANDING_KEYS
from orchestration.publish import MART_KEYS, PUBLISHED_KEY
from orchestration.resources import POOL
from orchestration.schedules import new_delivery_sensor, refresh_schedule
from tests.support import kansrijk_env, write_landing
from tests.test_serving_readers import small_company

PROFITABILITY = AssetKey(["marts", "mart_customer_profitability"])


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_refresh(instance=None, **kw):
    job = defs().resolve_job_def("refresh_job")
    return job.execute_in_process(instance=instance or DagsterInstance.ephemeral(), raise_on_error=False, **kw)


def retried(result) -> bool:
    return any(e.event_type == DagsterEventType.STEP_UP_FOR_RETRY for e in result.all_events)


# --------------------------------------------------------------------------- graph


def test_asset_graph_reads_landing_to_serving():
    graph = defs().resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for table in contract.TABLES:
        key = AssetKey(["raw", table])
        assert key in keys, table
        assert graph.get(key).group_name == "landing"
        assert AssetCheckKey(key, "contract_valid") in graph.asset_check_keys
        assert AssetCheckKey(key, "freshness_check") in graph.asset_check_keys

    staging = [k for k in keys if k.path[0] == "staging"]
    assert len(staging) >= 13
    for k in staging:
        node = graph.get(k)
        assert node.group_name == "staging"
        assert node.parent_keys and node.parent_keys <= set(LANDING_KEYS.values()), k

    assert MART_KEYS and all(graph.get(k).group_name == "marts" for k in MART_KEYS)
    for k in MART_KEYS:
        ancestors = AssetSelection.assets(k).upstream().resolve(graph)
        assert any(a.path[0] == "staging" for a in ancestors), k
    assert {k for k in keys if k.path[0] == "intermediate"} and all(
        graph.get(k).group_name == "intermediate" for k in keys if k.path[0] == "intermediate")

    published = graph.get(PUBLISHED_KEY)
    assert published.group_name == "serving"
    assert set(MART_KEYS) <= published.parent_keys
    assert PROFITABILITY in published.parent_keys
    # dbt tests are asset checks on the models
    assert any(c.asset_key == AssetKey(["marts", "dim_customer"]) for c in graph.asset_check_keys)


def test_the_job_runs_the_steps_of_the_one_refresh():
    """Dagster's refresh job executes the steps of kansrijk.refresh.STEPS, in that order."""
    from kansrijk.refresh import STEPS

    job = defs().resolve_job_def("refresh_job")
    order = [n.name for n in job.graph.nodes_in_topological_order]
    # demo and ingest share the landing op (the demo is generated only when LANDING is unset)
    step_of = {"ingest_landing": "ingest", "dbt_build": "dbt_build", "serving__published_marts": "publish",
               "serving__sales_lists": "lists", "serving__segment_report": "report"}
    ran = [step_of[n] for n in order if n in step_of]
    # after the publish, lists and report both read the serving copy: either may run first
    assert ran[:3] == ["ingest", "dbt_build", "publish"] == list(STEPS[1:4])
    assert set(ran[3:]) == set(STEPS[4:])
    # every other op only checks (freshness of the landing tables), it writes nothing
    others = {n for n in order if n not in step_of}
    assert all(n.startswith("freshness_check") for n in others), f"ops outside the steps of kansrijk.refresh: {others}"


def test_writers_share_one_pool_and_the_job_runs_in_process():
    job = defs().resolve_job_def("refresh_job")
    assert job.executor_def.name == "in_process"
    writers = {n.name: n.definition for n in job.nodes if n.name in ("ingest_landing", "dbt_build", "serving__published_marts")}
    assert set(writers) == {"ingest_landing", "dbt_build", "serving__published_marts"}
    for name, op in writers.items():
        assert op.pool == POOL, name
        assert op.retry_policy is not None and op.retry_policy.max_retries == 3, name


# --------------------------------------------------------------------------- a full refresh


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    root = tmp_path_factory.mktemp("orch")
    landing = root / "landing"
    small_company(landing)
    instance = DagsterInstance.ephemeral()
    with kansrijk_env(root / "data", landing) as s:
        result = run_refresh(instance)
    return root, landing, s, instance, result


def test_refresh_job_materializes_everything_and_publishes(refreshed):
    _, _, s, _, result = refreshed
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert set(LANDING_KEYS.values()) <= materialized
    assert set(MART_KEYS) <= materialized
    assert PUBLISHED_KEY in materialized
    checks = {(e.asset_key, e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert all(checks[(k, "contract_valid")] for k in LANDING_KEYS.values())
    assert checks[(AssetKey(["raw", "erp_customers"]), "freshness_check")]  # loaded seconds ago
    # the run-output checks (tests/dbt/run_output/) warn on a small company by design; nothing else fails
    warned = {e.check_name: e.severity for e in result.get_asset_check_evaluations()
              if not e.passed and e.check_name.startswith("run_output_")}
    assert set(warned.values()) <= {AssetCheckSeverity.WARN}, warned
    assert all(ok for (_, name), ok in checks.items() if name not in warned), [k for k, ok in checks.items() if not ok]

    assert s.serving.exists()
    with duckdb.connect(str(s.serving), read_only=True) as con:
        (n, counts, invocation) = con.execute(
            "select count(*), any_value(row_counts), any_value(dbt_invocation_id) from marts.publish_log").fetchone()
        assert n == 1
        assert invocation  # the dbt invocation that built the marts
        # four ERP customers C1..C4 (CRM accounts A1..A4 map onto them) + the CRM prospect A5
        assert json.loads(counts)["dim_customer"] == 5
        assert con.execute("select count(*) from marts.dim_customer").fetchone()[0] == 5
    # the job's dbt build (the whole project, every test passed) recorded the loads it tested, as a
    # refresh's does: the raw key tests of the next incremental build check only later loads
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        assert con.execute("select count(*), max(tested_through) = (select max(loaded_at) from raw._ingest_ledger "
                           "where status = 'loaded'), max(dbt_invocation_id) from raw._tested_loads").fetchall() == [
            (1, True, invocation)]
    # the run's dbt log follows KANSRIJK_DBT_LOG_LEVEL (none in the tests), as a refresh's does
    assert s.dbt_log_level == "none" and (s.data_dir / "target").is_dir()
    assert not (s.data_dir / "target" / "dbt.log").exists()


def test_a_run_with_nothing_new_skips_the_dbt_build(refreshed):
    """The same job again on the same data directory, no new delivery: the dbt step finds nothing new
    since its last build (kansrijk.dbt_cli.unchanged_build) and runs no dbt command. It reports the
    marts as that build left them (its invocation id), so the publish, report and lists steps run as
    after a build, as in `make run`: the publish keeps every mart and adds its publish_log row."""
    _, landing, s, instance, first = refreshed
    with duckdb.connect(str(s.serving), read_only=True) as con:
        invocation = con.execute("select any_value(dbt_invocation_id) from marts.publish_log").fetchone()[0]
    with kansrijk_env(s.data_dir, landing):
        result = run_refresh(instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    said = [e.user_message for e in instance.all_logs(result.run_id) if NOTHING_NEW in (e.user_message or "")]
    assert said, "the dbt step should say it skipped the build"
    events = {e.asset_key: e for e in result.get_asset_materialization_events()}
    assert set(MART_KEYS) <= set(events) and PUBLISHED_KEY in events
    mart = events[PROFITABILITY].event_specific_data.materialization.metadata
    assert mart["invocation_id"].value == invocation and NOTHING_NEW in mart["dbt_build"].value
    # no model outside the marts and no data test ran
    assert not [k for k in events if k.path[0] in ("staging", "intermediate")]
    assert not list(result.get_asset_check_evaluations()) or all(
        e.asset_key.path[0] == "raw" for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(s.serving), read_only=True) as con:
        rows = con.execute("select dbt_invocation_id, tables_written from marts.publish_log order by published_at").fetchall()
    assert [r[0] for r in rows] == [invocation, invocation]
    written = json.loads(rows[-1][1])
    assert set(written.values()) == {"unchanged"} and written.keys() == json.loads(rows[0][1]).keys()  # all kept


def _copy(refreshed, tmp_path):
    """A copy of the refreshed data directory and landing folder, for a test that changes them."""
    root, landing, *_ = refreshed
    shutil.copytree(root / "data", tmp_path / "data")
    shutil.copytree(landing, tmp_path / "landing")
    return tmp_path / "data", tmp_path / "landing"


def test_quarantined_file_fails_the_run_and_leaves_serving_alone(refreshed, tmp_path):
    data, landing = _copy(refreshed, tmp_path)
    write_landing(landing, "2026-10-02", {"erp_customers": [
        {"customer_id": "C1", "customer_name": "Klant 1 BV", "employee_count": "twintig"}]})
    before = sha256(data / "serving.duckdb")
    with kansrijk_env(data, landing):
        result = run_refresh()
    assert not result.success
    assert not retried(result)  # a data failure is not retried
    checks = {(e.asset_key, e.check_name): e for e in result.get_asset_check_evaluations()}
    bad = checks[(AssetKey(["raw", "erp_customers"]), "contract_valid")]
    assert not bad.passed and "employee_count" in bad.description
    assert checks[(AssetKey(["raw", "erp_products"]), "contract_valid")].passed
    assert PUBLISHED_KEY not in {e.asset_key for e in result.get_asset_materialization_events()}
    assert sha256(data / "serving.duckdb") == before
    assert (data / "quarantine" / "2026-10-02" / "erp_customers.csv").exists()


def test_failed_reconciliation_is_not_retried_and_leaves_serving_alone(refreshed, tmp_path):
    """The core fact the profitability mart serves loses 100.00 of C2's revenue behind dbt's back
    (gross margin and net profit with it, so every row still adds up). The run that rebuilds the mart
    and publishes stops at the dbt step on the mart's reconciliation to raw (a dbt test, an asset
    check of the mart), names it, is not retried, and never reaches the publish."""
    data, landing = _copy(refreshed, tmp_path)
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.execute("update core.fct_customer_pnl_monthly set revenue = revenue - 100, "
                    "gross_margin = gross_margin - 100, net_profit = net_profit - 100 "
                    "where customer_key = 'erp:C2' and revenue > 0")
    before = sha256(data / "serving.duckdb")
    with kansrijk_env(data, landing):
        result = run_refresh(asset_selection=[PROFITABILITY, PUBLISHED_KEY])
    assert not result.success
    assert not retried(result)
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    assert failure.step_key == "dbt_build"
    text = str(failure.event_specific_data.error)
    assert "dbt build failed at test.kansrijk.revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines." in text
    assert "the serving copy was left as it was" in text
    failed_checks = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed_checks == {"revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines"}
    assert PUBLISHED_KEY not in {e.asset_key for e in result.get_asset_materialization_events()}
    assert sha256(data / "serving.duckdb") == before


def test_transient_lock_is_retried(refreshed, tmp_path):
    """Another process holds the warehouse's DuckDB lock for a moment: publish retries, then succeeds."""
    import subprocess
    import sys

    data, landing = _copy(refreshed, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, time, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(4)"),
        str(data / "warehouse.duckdb")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with kansrijk_env(data, landing):
        result = run_refresh(asset_selection=[PUBLISHED_KEY])
    holder.wait()
    assert retried(result)
    assert result.success


def test_second_refresh_is_refused_while_one_holds_the_lock(refreshed, tmp_path):
    data, landing = _copy(refreshed, tmp_path)
    before = sha256(data / "serving.duckdb")
    with kansrijk_env(data, landing) as s, refresh_lock(s):
        result = run_refresh()
    assert not result.success
    assert "Another refresh holds" in "".join(str(e.event_specific_data) for e in result.all_events if e.is_failure)
    assert sha256(data / "serving.duckdb") == before


# --------------------------------------------------------------------------- sensor, schedule, freshness


def _age(folder, seconds: float) -> None:
    old = time.time() - seconds
    for p in [folder, *folder.iterdir()]:
        os.utime(p, (old, old))


def test_new_delivery_sensor_triggers_once_per_delivery(tmp_path):
    landing = tmp_path / "landing"
    first = small_company(landing, "2026-09-01")
    _age(first, 600)
    (landing / "notes").mkdir()  # not a delivery name: ignored
    with kansrijk_env(tmp_path / "data", landing):
        ctx = build_sensor_context()
        result = new_delivery_sensor(ctx)
        assert [r.run_key for r in result.run_requests] == ["2026-09-01"]
        cursor = result.cursor

        again = new_delivery_sensor(build_sensor_context(cursor=cursor))
        assert isinstance(again, SkipReason)

        second = small_company(landing, "2026-10-01", second=True)  # still being copied: not yet
        assert isinstance(new_delivery_sensor(build_sensor_context(cursor=cursor)), SkipReason)
        _age(second, 600)
        result = new_delivery_sensor(build_sensor_context(cursor=cursor))
        assert [r.run_key for r in result.run_requests] == ["2026-10-01"]
        assert isinstance(new_delivery_sensor(build_sensor_context(cursor=result.cursor)), SkipReason)


def test_schedule_runs_the_refresh_at_the_configured_time():
    from kansrijk import settings as settings_mod

    s = settings_mod.load()
    assert refresh_schedule.cron_schedule == s.schedule_cron
    assert refresh_schedule.execution_timezone == s.schedule_timezone
    assert refresh_schedule.job_name == "refresh_job"
    ctx = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc))
    requests = refresh_schedule.evaluate_tick(ctx).run_requests
    assert len(requests) == 1 and isinstance(requests[0], RunRequest)


def test_schedule_defaults():
    from kansrijk import settings as settings_mod

    with kansrijk_env(settings_mod.load().data_dir):
        s = settings_mod.load()
    assert (s.schedule_cron, s.schedule_timezone) == ("0 6 * * *", "Europe/Amsterdam")
    with kansrijk_env(s.data_dir, schedule_cron="30 5 * * 1-5", schedule_timezone="UTC"):
        s = settings_mod.load()
    assert (s.schedule_cron, s.schedule_timezone) == ("30 5 * * 1-5", "UTC")


@pytest.mark.parametrize("days_old, fresh", [(1, True), (10, False)])
def test_stale_source_fails_its_freshness_check(days_old, fresh):
    """dbt's source freshness error_after is 8 days: data loaded 10 days ago is stale."""
    key = AssetKey(["raw", "erp_customers"])
    instance = DagsterInstance.ephemeral()
    loaded = (datetime.now(timezone.utc) - timedelta(days=days_old)).timestamp()
    instance.report_runless_asset_event(AssetMaterialization(
        asset_key=key, metadata={"dagster/last_updated_timestamp": MetadataValue.timestamp(loaded)}))
    check_job = define_asset_job("freshness", selection=AssetSelection.checks_for_assets(key))
    job = Definitions(asset_checks=FRESHNESS_CHECKS, jobs=[check_job]).resolve_job_def("freshness")
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key == key]
    assert [e.passed for e in evaluations] == [fresh]
