"""The serving contract (../shared/serving-contract.md) checked on the built serving copy.

The tables, grains and columns are parsed from the contract file as written, so a change
on either side fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from kansrijk.settings import REPO_ROOT

CONTRACT = REPO_ROOT.parent / "shared" / "serving-contract.md"


def _names(cell: str) -> list[str]:
    cell = re.sub(r"\([^()]*\)", "", cell)  # values and remarks in parentheses
    cell = re.sub(r"\b(is|or)\s+`[^`]+`", "", cell)  # "`model` is `bg_nbd` ... or `gamma_gamma`"
    return re.findall(r"`([a-z_]+)`", cell)


def parse_contract(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """{table: (grain columns, other columns)} from the contract's serving-copy table."""
    tables = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([a-z_]+)` \| (.+?) \| (.+?) \|$", line)
        if m:
            grain = _names(m.group(2))
            columns = [c for c in dict.fromkeys(_names(m.group(3))) if c not in grain]
            tables[m.group(1)] = (grain, columns)
    m = re.search(r"`marts\.publish_log` \(one row per publish: ([^)]*)\)", text)
    tables["publish_log"] = ([], re.findall(r"`([a-z_]+)`", m.group(1)))
    return tables


def test_parser_reads_the_contract_as_written():
    tables = parse_contract(CONTRACT.read_text())
    assert len(tables) >= 17
    assert tables["mart_customer_profitability"][0] == ["customer_key", "month"]
    assert tables["mart_sales_funnel"][0] == ["segment_key", "period"]
    assert "lifecycle_status" in tables["dim_customer"][1] and "prospect" not in tables["dim_customer"][1]
    assert tables["clv_model_fit"] == (["model", "parameter"],
                                      ["value", "log_likelihood", "converged", "customers_used"])
    assert tables["publish_log"][1] == ["published_at", "deliveries", "dbt_invocation_id", "row_counts"]


@pytest.fixture(scope="module")
def serving(demo_build):
    con = duckdb.connect(str(demo_build.serving), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("table", sorted(parse_contract(CONTRACT.read_text())))
def test_serving_copy_has_contract_table(serving, table):
    grain, columns = parse_contract(CONTRACT.read_text())[table]
    have = {r[0] for r in serving.sql(
        f"select column_name from information_schema.columns where table_schema = 'marts' and table_name = '{table}'"
    ).fetchall()}
    assert have, f"marts.{table} is missing from the serving copy"
    missing = [c for c in grain + columns if c not in have]
    assert not missing, f"marts.{table} lacks contract columns {missing}"
    if grain:
        keys = ", ".join(grain)
        dupes = serving.sql(
            f"select count(*) from (select {keys} from marts.{table} group by {keys} having count(*) > 1)"
        ).fetchall()[0][0]
        nulls = serving.sql(
            f"select count(*) from marts.{table} where " + " or ".join(f"{k} is null" for k in grain)
        ).fetchall()[0][0]
        assert dupes == 0 and nulls == 0, f"marts.{table}: grain {grain} is not a key"
        n = serving.sql(f"select count(*) from marts.{table}").fetchall()[0][0]
        assert n > 0, f"marts.{table} is empty on the demo data"


def test_serving_copy_units(serving):
    """Months are DATE of their first day; money has cents; percentages 0-100."""
    types = dict(serving.sql(
        "select table_name || '.' || column_name, data_type from information_schema.columns where table_schema = 'marts'"
    ).fetchall())
    assert types["mart_customer_profitability.month"] == "DATE"
    assert types["mart_cost_reconciliation.month"] == "DATE"
    assert types["mart_customer_profitability.revenue"].startswith("DECIMAL(18,2)")
    bad = serving.sql("select count(*) from marts.mart_customer_profitability where day(month) <> 1").fetchall()[0][0]
    assert bad == 0
    for table, col in [("mart_segment_scorecard", "market_penetration_pct"),
                       ("mart_cohort_retention", "retention_pct"),
                       ("mart_customer_whitespace", "penetration_pct")]:
        lo, hi = serving.sql(f"select min({col}), max({col}) from marts.{table}").fetchall()[0]
        assert lo is None or (0 <= lo and hi <= 100.0001), f"{table}.{col} outside 0-100"


def test_publish_log_records_the_build(serving):
    rows = serving.sql("select deliveries, dbt_invocation_id, row_counts from marts.publish_log").fetchall()
    assert len(rows) == 1
    deliveries, inv, counts = rows[0]
    assert deliveries and inv
    assert '"dim_customer"' in counts


# --- planned additions (v1.1) that are built: names and columns as the contract fixes them ------
PLANNED_BUILT = ("mart_product_classification", "mart_product_stock_policy", "clv_tracking", "mart_customer_at_risk")


def parse_planned(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """{table: (grain columns, other columns)} from the contract's "Planned additions (v1.1)" list."""
    section = text.split("### Planned additions (v1.1)", 1)[1].split("\n## ", 1)[0]
    items = re.split(r"\n- ", section)
    tables = {}
    for item in items:
        item = " ".join(item.split())  # an item runs over several lines
        m = re.match(r"^`([a-z_]+)`, grain (.+?): (.+)$", item)
        if m:
            tables[m.group(1)] = (_names(m.group(2)), _names(m.group(3)))
    return tables


def test_planned_parser_reads_the_built_marts():
    planned = parse_planned(CONTRACT.read_text())
    assert planned["mart_product_classification"] == (["product_id"], [
        "product_group", "abc_class", "xyz_class", "margin_window", "demand_cv", "customers", "segment_weight"])
    assert planned["mart_product_stock_policy"][1][-1] == "excess_stock_value"
    assert "erp_stock_levels" not in planned["mart_product_stock_policy"][1]
    assert planned["clv_tracking"] == (["week"], ["expected_cumulative_repeat_purchases",
                                                  "actual_cumulative_repeat_purchases", "is_holdout"])
    assert planned["mart_customer_at_risk"] == (["customer_key"], ["owner", "crm_account_id", "prob_alive",
                                                                   "value_at_risk", "reason"])


@pytest.mark.parametrize("table", PLANNED_BUILT)
def test_serving_copy_has_planned_table(serving, table):
    grain, columns = parse_planned(CONTRACT.read_text())[table]
    have = {r[0] for r in serving.sql(
        f"select column_name from information_schema.columns where table_schema = 'marts' and table_name = '{table}'"
    ).fetchall()}
    missing = [c for c in grain + columns if c not in have]
    assert have and not missing, f"marts.{table} lacks planned columns {missing}"
    keys = ", ".join(grain)
    dupes = serving.sql(f"select count(*) from (select {keys} from marts.{table} group by {keys} having count(*) > 1)"
                        ).fetchall()[0][0]
    assert dupes == 0 and serving.sql(f"select count(*) from marts.{table}").fetchall()[0][0] > 0


# --- Planned additions (v1.1) built for issue 21 (what-if levers, unused capacity) ----------------
WHATIF_PLANNED = {
    "mart_cost_reconciliation": (["month", "cost_center"], ["unused_capacity_amount"]),
    "mart_segment_sensitivity": (["segment_key", "lever"],
                                 ["net_profit", "profit_change_per_pct", "break_even_change_pct", "flips_within_10pct"]),
    "mart_scenario_profitability": (["scenario", "segment_key"],
                                    ["net_profit_actual", "net_profit_scenario", "attractiveness_rank_actual",
                                     "attractiveness_rank_scenario"]),
}


def test_whatif_planned_names_are_the_contracts():
    planned = CONTRACT.read_text().split("### Planned additions (v1.1)", 1)[1]
    for table, (grain, columns) in WHATIF_PLANNED.items():
        bullet = next(line for line in planned.split("\n- ") if line.startswith(f"`{table}`"))
        # a new mart's bullet names its grain; an added column's bullet names only the column
        named = grain + columns if "grain" in bullet else columns
        assert all(f"`{c}`" in bullet for c in named), table


@pytest.mark.parametrize("table", sorted(WHATIF_PLANNED))
def test_serving_copy_has_whatif_planned_table(serving, table):
    grain, columns = WHATIF_PLANNED[table]
    have = {r[0] for r in serving.sql(
        f"select column_name from information_schema.columns where table_schema = 'marts' and table_name = '{table}'"
    ).fetchall()}
    assert not [c for c in grain + columns if c not in have], f"marts.{table} lacks planned columns"
    keys = ", ".join(grain)
    assert serving.sql(f"select count(*) from (select {keys} from marts.{table} group by {keys} having count(*) > 1)"
                       ).fetchall()[0][0] == 0
    assert serving.sql(f"select count(*) from marts.{table}").fetchall()[0][0] > 0


def test_ledger_is_allocated_plus_unused_capacity_plus_unallocated(serving):
    bad = serving.sql("select count(*) from marts.mart_cost_reconciliation"
                      " where allocated_amount + unused_capacity_amount + unallocated_amount <> ledger_amount").fetchall()
    assert bad[0][0] == 0
    levers = {r[0] for r in serving.sql("select distinct lever from marts.mart_segment_sensitivity").fetchall()}
    assert levers == {"price", "purchase_terms", "commission", "credit_collection", "marketing", "back_office"}
