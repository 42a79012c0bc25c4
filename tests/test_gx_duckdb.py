"""The GX execute_query fix for DuckDB (GX #10738, #11579) on a real DuckDB file."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from kansrijk import gx_duckdb


def test_install_is_idempotent() -> None:
    gx_duckdb.install()
    gx_duckdb.install()
    assert gx_duckdb.is_installed()


def test_expectations_report_real_counts_on_duckdb(tmp_path) -> None:
    gx_duckdb.install()
    db = tmp_path / "t.duckdb"
    con = gx_duckdb.connect(db)  # same config as duckdb-engine: both may be open at once
    con.execute("CREATE SCHEMA s; CREATE TABLE s.t (id VARCHAR, v INTEGER)")
    con.execute("INSERT INTO s.t VALUES ('a', 1), ('b', 5), ('c', 50), ('d', 7)")
    ctx = gx.get_context(mode="ephemeral")
    ds = ctx.data_sources.add_sql(name="t", connection_string=gx_duckdb.url(db))
    batch = ds.add_table_asset(name="t", table_name="t", schema_name="s").add_batch_definition_whole_table("all")
    suite = gx.ExpectationSuite(name="t")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=10))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=100))
    res = batch.get_batch().validate(suite, result_format={"result_format": "SUMMARY"})
    by_max = {r.expectation_config.kwargs["max_value"]: r for r in res.results}
    fail, ok = by_max[10], by_max[100]
    assert fail.success is False
    assert fail.result["unexpected_count"] == 1
    assert fail.result["partial_unexpected_list"] == [50]
    assert fail.result["element_count"] == 4
    assert ok.success is True
    assert ok.result["unexpected_count"] == 0
    ds.get_engine().dispose()
    con.close()
