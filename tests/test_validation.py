"""Contract suites run through GX inside DuckDB."""

from __future__ import annotations

import datetime as dt

import great_expectations as gx

from kansrijk import contract, gx_duckdb
from kansrijk.validation import Validator, build_suite


def _t(e) -> str:
    return e.expectation_type


def _types(suite) -> list[str]:
    return [_t(e) for e in suite.expectations]


def test_suite_covers_the_contract() -> None:
    gx.get_context(mode="ephemeral")  # a GX suite needs a (here in-memory) context
    suite = build_suite(contract.TABLES["erp_sales_invoice_lines"], dt.date(2026, 1, 1))
    types = _types(suite)
    assert types.count("expect_column_to_exist") == 8
    assert "expect_compound_columns_to_be_unique" in types
    assert "expect_column_values_to_be_unique" not in types
    between = [e for e in suite.expectations if _t(e) == "expect_column_values_to_be_between"]
    assert [(e.column, e.min_value, e.max_value) for e in between] == [("discount_pct", 0, 100)]
    nn = sorted(e.column for e in suite.expectations if _t(e) == "expect_column_values_to_not_be_null")
    assert nn == ["invoice_id", "line_no"]

    inv = build_suite(contract.TABLES["erp_sales_invoices"], dt.date(2026, 1, 1))
    in_set = [e for e in inv.expectations if _t(e) == "expect_column_values_to_be_in_set"]
    assert in_set[0].column == "order_channel" and set(in_set[0].value_set) == set(contract.CHANNELS)
    future = [e for e in inv.expectations if _t(e) == "expect_column_values_to_be_between"]
    assert [(e.column, e.max_value) for e in future] == [("invoice_date", dt.date(2026, 1, 2))]


def _table(con, rows: list[tuple]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS s")
    con.execute(
        "CREATE OR REPLACE TABLE s.erp_sales_invoice_lines (invoice_id VARCHAR, line_no BIGINT, product_id VARCHAR, "
        "quantity DECIMAL(18,4), unit_price DECIMAL(18,4), discount_pct DECIMAL(18,4), net_amount DECIMAL(18,4), "
        "cost_amount DECIMAL(18,4))"
    )
    con.executemany("INSERT INTO s.erp_sales_invoice_lines VALUES (?, ?, 'P', 1, 1, ?, 1, 1)", rows)


def test_validator_reports_rule_column_count_examples_and_writes_docs(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    con = gx_duckdb.connect(db)
    _table(con, [("I1", 1, 10), ("I1", 2, 150), ("I2", 1, -3), ("I2", 2, 0)])
    v = Validator(db, tmp_path / "gx_docs", today=dt.date(2026, 1, 1))
    res = v.validate("erp_sales_invoice_lines", "s", rows=4)
    assert not res.success
    assert len(res.failures) == 1
    f = res.failures[0]
    assert (f.column, f.rule, f.unexpected_count) == ("discount_pct", "between 0 and 100", 2)
    assert set(f.examples) == {"150", "-3"}
    assert f.describe().startswith("column discount_pct fails 'between 0 and 100' on 2 rows, e.g. ")

    # the same validator and data source, reused on fixed data: passes
    _table(con, [("I1", 1, 10), ("I1", 2, 100), ("I2", 1, 0)])
    assert v.validate("erp_sales_invoice_lines", "s", rows=3).success

    # compound key duplicate and a null key
    _table(con, [("I1", 1, 10), ("I1", 1, 20), ("I2", 1, 0), (None, 3, 0)])
    res = v.validate("erp_sales_invoice_lines", "s")
    rules = {f.rule: f for f in res.failures}
    assert rules["unique key (invoice_id, line_no)"].unexpected_count == 2
    assert "(invoice_id=I1, line_no=1)" in rules["unique key (invoice_id, line_no)"].examples
    assert rules["not null"].column == "invoice_id" and rules["not null"].unexpected_count == 1

    index = v.build_docs()
    v.close()
    assert index == tmp_path / "gx_docs" / "index.html"
    assert index.exists()
    con.close()
