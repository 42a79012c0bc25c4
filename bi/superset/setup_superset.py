"""Put the kansrijk serving copy into Superset: database, one dataset per mart, the dashboard.

Runs in Superset's own environment (python setup_superset.py --serving FILE), with
SUPERSET_CONFIG_PATH and KANSRIJK_BI_STATE set by kansrijk.bi, after the metadata database exists.
It imports one asset bundle through Superset's own importer (the same as Settings → Import in
the UI), overwriting what an earlier run imported, then lets Superset read every dataset's
columns from the serving copy. Idempotent: run it again after a publish added a mart.

The database is the serving file opened read-only (``?access_mode=read_only``): no SQL Lab
statement and no chart can change it, and a publish's atomic swap is seen on the next query.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import duckdb
import yaml

NS = uuid.UUID("6f1c7a52-2d7e-4f5e-9a53-6b616e73726a")  # kansrijk's namespace: stable uuids per name
DATABASE_NAME = "kansrijk serving"
DASHBOARD_SLUG = "kansrijk"
TOP_TARGETS = 25


def uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


DB_UUID = uid("database", DATABASE_NAME)

# Virtual datasets: SQL on the marts, for charts that need a join or one row per funnel step.
VIRTUAL = {
    "segment_map": """
select a.segment_key, a.attractiveness_rank, a.attractiveness_score,
       p.revenue, p.net_profit, p.net_margin_pct
from marts.mart_segment_attractiveness as a
join marts.mart_segment_profitability as p on p.segment_key = a.segment_key and p.period = 'all'
where a.attractiveness_rank is not null and p.net_margin_pct is not null""",
    "sales_funnel_steps": """
select 1 as step_no, '1 calls' as step, calls as companies from marts.mart_sales_funnel
where segment_key = 'all' and period = 'all'
union all select 2, '2 appointments', appointments from marts.mart_sales_funnel
where segment_key = 'all' and period = 'all'
union all select 3, '3 quotes', quotes from marts.mart_sales_funnel where segment_key = 'all' and period = 'all'
union all select 4, '4 orders', orders from marts.mart_sales_funnel where segment_key = 'all' and period = 'all'""",
}


def metric(sql: str, label: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True,
            "optionName": "metric_" + uuid.uuid5(NS, sql + label).hex[:12]}


# (slice name, viz type, dataset, params); the dashboard shows them in this order, two per row (a table alone).
CHARTS = [
    ("Whale curve: cumulative % of net profit", "echarts_timeseries_line", "mart_whale_curve", {
        "x_axis": "cumulative_customer_pct", "x_axis_sort_asc": True,
        "metrics": [metric("MAX(cumulative_profit_pct)", "cumulative % of net profit")],
        "groupby": [], "adhoc_filters": [], "row_limit": 100000, "markerEnabled": False,
        "x_axis_title": "cumulative % of customers (most profitable first)", "x_axis_title_margin": 30,
        "y_axis_title": "cumulative % of net profit", "y_axis_title_margin": 40, "y_axis_title_position": "Left",
        "y_axis_format": ",.0f", "show_legend": False, "rich_tooltip": True, "truncateXAxis": False,
    }),
    ("Segment map: attractiveness rank against net margin %", "bubble_v2", "segment_map", {
        "entity": "segment_key", "series": None,
        "x": metric("MAX(attractiveness_rank)", "attractiveness rank (1 = most attractive)"),
        "y": metric("MAX(net_margin_pct)", "net margin %"),
        "size": metric("SUM(revenue)", "revenue (EUR)"),
        "adhoc_filters": [], "row_limit": 10000, "max_bubble_size": "25", "opacity": 0.6,
        "show_legend": False, "xAxisFormat": ",.0f", "y_axis_format": ",.0f",
        "x_axis_label": "attractiveness rank (1 = most attractive)", "y_axis_label": "net margin %",
        "x_axis_title_margin": 30, "y_axis_title_margin": 40,
    }),
    ("CLV per customer by segment (EUR)", "echarts_timeseries_bar", "mart_segment_clv", {
        "x_axis": "segment_key", "metrics": [metric("MAX(clv)", "CLV per customer (EUR)")], "groupby": [],
        "adhoc_filters": [], "orientation": "horizontal", "row_limit": 1000, "show_legend": False,
        "x_axis_sort": "CLV per customer (EUR)", "x_axis_sort_asc": True, "y_axis_format": ",.0f",
        "show_value": False, "truncateXAxis": True,
    }),
    ("CLV tracking: cumulative repeat purchases, expected and actual", "echarts_timeseries_line", "clv_tracking", {
        "x_axis": "week", "x_axis_sort_asc": True,
        "metrics": [metric("MAX(expected_cumulative_repeat_purchases)", "expected repeat purchases"),
                    metric("MAX(actual_cumulative_repeat_purchases)", "actual repeat purchases")],
        "groupby": [], "adhoc_filters": [], "row_limit": 100000, "markerEnabled": False,
        "x_axis_title": "week (week 1 = the first purchase in the data)", "x_axis_title_margin": 30,
        "y_axis_title": "cumulative repeat purchases", "y_axis_title_margin": 60, "y_axis_title_position": "Left",
        "y_axis_format": ",.0f", "show_legend": True, "rich_tooltip": True, "truncateXAxis": False,
    }),
    ("Sales funnel, all segments, whole history (companies)", "funnel", "sales_funnel_steps", {
        "groupby": ["step"], "metric": metric("MAX(companies)", "companies"), "adhoc_filters": [],
        "row_limit": 10, "sort_by_metric": True, "percent_calculation_type": "first_step",
        "show_labels": True, "show_legend": False, "show_tooltip_labels": True, "tooltip_label_type": 5,
        "label_type": 5, "number_format": ",d",  # labels: step, companies and % of the calls
    }),
    (f"Prospect target list: the top {TOP_TARGETS}", "table", "mart_prospect_targets", {
        "query_mode": "raw", "all_columns": ["target_rank", "company_name", "lifecycle_status", "segment_key",
                                             "attractiveness_rank", "lifetime_revenue", "reason"],
        "order_by_cols": ['["target_rank", true]'], "row_limit": TOP_TARGETS, "server_page_length": 0,
        "adhoc_filters": [], "groupby": [], "percent_metrics": [], "include_search": False,
        "show_cell_bars": False,
    }),
]


def database_yaml(serving: Path) -> dict:
    return {"database_name": DATABASE_NAME, "sqlalchemy_uri": f"duckdb:///{serving}?access_mode=read_only",
            "expose_in_sqllab": True, "allow_ctas": False, "allow_cvas": False, "allow_dml": False,
            "allow_run_async": False, "allow_file_upload": False, "cache_timeout": None,
            "extra": {"allows_virtual_table_explore": True, "schemas_allowed_for_file_upload": []},
            "uuid": DB_UUID, "version": "1.0.0"}


def dataset_yaml(name: str, sql: str | None = None) -> dict:
    return {"table_name": name, "schema": "marts", "sql": sql, "database_uuid": DB_UUID,
            "uuid": uid("dataset", name), "version": "1.0.0", "columns": [], "metrics": [],
            "main_dttm_col": None, "description": None, "default_endpoint": None, "offset": 0,
            "cache_timeout": None, "params": None, "template_params": None, "filter_select_enabled": True,
            "fetch_values_predicate": None, "extra": None, "normalize_columns": False,
            "always_filter_main_dttm": False}


def chart_yaml(name: str, viz: str, dataset: str, params: dict) -> dict:
    return {"slice_name": name, "viz_type": viz, "dataset_uuid": uid("dataset", dataset), "description": None,
            "params": {**params, "viz_type": viz, "datasource": "", "extra_form_data": {}},
            "query_context": None, "cache_timeout": None, "uuid": uid("chart", name), "version": "1.0.0"}


def dashboard_yaml() -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": "kansrijk: segments and targets"}},
    }
    chart_no = 0
    # two charts a row; a table gets a row of its own (its text needs the width)
    rows: list[list] = []
    for chart in CHARTS:
        if chart[1] == "table" or not rows or len(rows[-1]) == 2 or rows[-1][0][1] == "table":
            rows.append([chart])
        else:
            rows[-1].append(chart)
    for i, pair in enumerate(rows):
        row = f"ROW-{i + 1}"
        position["GRID_ID"]["children"].append(row)
        position[row] = {"type": "ROW", "id": row, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                         "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for name, *_ in pair:
            chart_no += 1
            cid = "CHART-" + uid("chart", name)[:8]
            position[row]["children"].append(cid)
            position[cid] = {"type": "CHART", "id": cid, "children": [], "parents": ["ROOT_ID", "GRID_ID", row],
                             # chartId: a placeholder the importer replaces with the chart's id
                             "meta": {"uuid": uid("chart", name), "chartId": chart_no, "sliceName": name,
                                      "width": 12 // len(pair), "height": 60 if len(pair) == 2 else 80}}
    return {"dashboard_title": "kansrijk: segments and targets", "slug": DASHBOARD_SLUG,
            "uuid": uid("dashboard", DASHBOARD_SLUG), "version": "1.0.0", "published": True, "css": "",
            "description": None, "certified_by": "", "certification_details": "", "position": position,
            "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {},
                         "label_colors": {}, "timed_refresh_immune_slices": [], "cross_filters_enabled": False,
                         "native_filter_configuration": [], "default_filters": "{}"}}


def marts_in(serving: Path) -> list[str]:
    """The tables of schema marts, read with this environment's DuckDB (the BI tool's own)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        return [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]


def bundle(serving: Path) -> dict[str, str]:
    """{path: yaml} in Superset's v1 import format."""
    files = {"metadata.yaml": {"version": "1.0.0", "type": "assets", "timestamp": "2026-01-01T00:00:00+00:00"},
             "databases/kansrijk_serving.yaml": database_yaml(serving)}
    for t in marts_in(serving):
        files[f"datasets/kansrijk_serving/{t}.yaml"] = dataset_yaml(t)
    for name, sql in VIRTUAL.items():
        files[f"datasets/kansrijk_serving/{name}.yaml"] = dataset_yaml(name, sql.strip())
    for name, viz, dataset, params in CHARTS:
        files[f"charts/{uid('chart', name)}.yaml"] = chart_yaml(name, viz, dataset, params)
    files["dashboards/kansrijk.yaml"] = dashboard_yaml()
    return {path: yaml.safe_dump(doc, sort_keys=False) for path, doc in files.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serving", type=Path, required=True)
    ap.add_argument("--admin-password-file", type=Path, required=True)
    args = ap.parse_args(argv)
    contents = bundle(args.serving.resolve())

    from flask import g
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.connectors.sqla.models import SqlaTable
        from superset.models.core import Database

        password = args.admin_password_file.read_text().strip()
        user = security_manager.find_user(username="admin")
        if user is None:
            user = security_manager.add_user("admin", "kansrijk", "admin", "admin@localhost",
                                             security_manager.find_role("Admin"), password=password)
        else:
            security_manager.reset_password(user.id, password)
        db.session.commit()
        g.user = user
        ImportAssetsCommand(contents).run()
        database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one()
        for ds in db.session.query(SqlaTable).filter_by(database_id=database.id).all():
            ds.fetch_metadata()  # Superset reads the columns through duckdb-engine
            if user not in ds.owners:
                ds.owners.append(user)
        db.session.commit()
        n = db.session.query(SqlaTable).filter_by(database_id=database.id).count()
    print(f"superset: database '{DATABASE_NAME}', {n} datasets, dashboard /superset/dashboard/{DASHBOARD_SLUG}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
