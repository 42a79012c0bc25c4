"""The MetricFlow semantic layer (models/semantic) answers like plain SQL over the marts.

Runs the real `mf query` CLI (subprocess) against the demo build's warehouse. MetricFlow reads
`<project>/target/semantic_manifest.json`, so the test copies the one the demo's refresh wrote
into a scratch project folder (symlinks to the real files) and points DBT_PROJECT_DIR and
DBT_PROFILES_DIR there; the working tree's own target folder is never touched.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kansrijk.settings import REPO_ROOT

PROJECT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def mf(demo_build, tmp_path_factory):
    project = tmp_path_factory.mktemp("mf_project")
    for name in PROJECT_ENTRIES:
        if (REPO_ROOT / name).exists():
            (project / name).symlink_to(REPO_ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "KANSRIJK_"))}
    env.update(demo_build.dbt_env(), DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(project),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    # the semantic manifest the demo's refresh wrote (every dbt build writes one): no parse of its own
    (project / "target").mkdir()
    shutil.copy(demo_build.data_dir / "target" / "semantic_manifest.json", project / "target")

    def query(metrics: str, group_by: str | None = None) -> list[dict]:
        dest = project / f"q{len(list(project.glob('q*.csv')))}.csv"
        cmd = [str(BIN / "mf"), "query", "--metrics", metrics, "--csv", str(dest), "--quiet"]
        if group_by:
            cmd += ["--group-by", group_by]
        r = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and dest.exists(), f"{' '.join(cmd[1:])} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}"
        with open(dest, newline="") as fh:
            return list(csv.DictReader(fh))

    return query


@pytest.fixture(scope="module")
def wh(demo_build, mf):  # opened after the mf fixture; mf itself opens the file between queries
    def sql(q: str) -> list[tuple]:
        with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
            return con.execute(q).fetchall()
    return sql


def f(v) -> float | None:
    return None if v in (None, "") else float(v)


def close(a, b, tol: float) -> bool:
    a, b = f(a) if isinstance(a, str) else a, b
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


def test_profit_metrics_by_month(mf, wh):
    rows = mf("revenue,net_profit,net_margin_pct,customer_count", "metric_time__month")
    expected = {str(m): r for m, *r in wh(
        "select month, sum(revenue), sum(net_profit), 100.0 * sum(net_profit) / nullif(sum(revenue), 0),"
        " count(distinct customer_key) from marts.mart_customer_profitability group by month")}
    assert len(rows) == len(expected) > 12
    for r in rows:
        revenue, net_profit, margin, customers = expected[r["metric_time__month"][:10]]
        assert close(r["revenue"], revenue, 0.01)
        assert close(r["net_profit"], net_profit, 0.01)
        assert close(r["net_margin_pct"], margin, 1e-6)
        assert int(f(r["customer_count"])) == customers


def test_profit_and_clv_by_customer_segment(mf, wh):
    rows = mf("revenue,net_profit,clv", "customer__segment_key")
    profit = {s: (rev, np_) for s, rev, np_ in wh(
        "select d.segment_key, sum(p.revenue), sum(p.net_profit) from marts.mart_customer_profitability p"
        " left join marts.dim_customer d on d.customer_key = p.customer_key group by d.segment_key")}
    # mart_segment_clv.clv: average CLV per predicted customer, rounded to cents
    clv = {s: c for s, c in wh("select segment_key, clv from marts.mart_segment_clv")}
    seen = 0
    for r in rows:
        seg = r["customer__segment_key"] or None
        if seg in profit:
            assert close(r["revenue"], profit[seg][0], 0.01), seg
            assert close(r["net_profit"], profit[seg][1], 0.01), seg
            seen += 1
        if seg is not None and f(r["clv"]) is not None:
            assert close(r["clv"], clv[seg], 0.006), seg
    assert seen == len(profit)
    assert sum(f(r["revenue"]) or 0 for r in rows) == pytest.approx(
        float(wh("select sum(revenue) from marts.mart_customer_profitability")[0][0]), abs=0.05)


def test_segment_metrics(mf, wh):
    rows = mf("market_penetration_pct,clv_to_acquisition_cost", "segment")
    pen = dict(wh("select segment_key, market_penetration_pct from marts.mart_market_penetration"))
    ratio = dict(wh("select segment_key, clv_to_acquisition_cost from marts.mart_segment_clv"))
    assert rows
    checked = 0
    for r in rows:
        seg = r["segment"]
        if seg in pen and pen[seg] is not None and f(r["market_penetration_pct"]) is not None:
            assert close(r["market_penetration_pct"], pen[seg], 1e-6), seg
            checked += 1
        if seg in ratio and ratio[seg] is not None:
            # the mart divides cent-rounded averages; allow for that rounding
            assert close(r["clv_to_acquisition_cost"], ratio[seg], 1e-3 * max(1.0, abs(ratio[seg]))), seg
    assert checked == sum(1 for v in pen.values() if v is not None)


def test_funnel_hit_rate_by_quarter(mf, wh):
    rows = mf("calls,orders,hit_rate", "metric_time__quarter")
    expected = {p: r for p, *r in wh(
        "select period, calls, orders, quote_to_order_pct from marts.mart_sales_funnel"
        " where segment_key = 'all' and period <> 'all'")}
    got = {}
    for r in rows:
        d = r["metric_time__quarter"][:10]
        got[f"{d[:4]}-Q{(int(d[5:7]) - 1) // 3 + 1}"] = r
    assert set(got) == set(expected)
    for period, (calls, orders, q2o) in expected.items():
        r = got[period]
        assert int(f(r["calls"]) or 0) == calls and int(f(r["orders"]) or 0) == orders, period
        assert close(r["hit_rate"], q2o, 1e-6), period
