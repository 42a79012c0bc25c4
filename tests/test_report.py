"""The offline segment report (kansrijk.report): its figures equal the marts it draws.

On the demo serving copy every chart's numbers are read back from the HTML (data-* attributes
and the hidden tables) and compared with plain SQL over the marts. A hand-made serving copy
checks the whale-curve peak against arithmetic done by hand, and that missing or empty marts
give a note instead of a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from kansrijk import report
from tests.support import kansrijk_env

CHARTS = ("whale_curve", "segment_map", "segment_clv", "penetration_heatmap", "sales_funnel", "prospect_targets",
          "clv_tracking", "customers_at_risk", "segment_stock", "knife_edge_segments")


# --------------------------------------------------------------------------- reading the report back

class ReportParser(HTMLParser):
    """Each chart: its data-* attributes, its hidden-table rows (exact values) and its svg count."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict] = {}
        self.external: list[str] = []
        self._chart: str | None = None
        self._row: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ref = a.get("src") or (a.get("href") if tag == "link" else None)
        if ref:
            self.external.append(f"<{tag} {ref}>")
        if "data-chart" in a:
            self._chart = a["data-chart"]
            self.charts[self._chart] = {"attrs": {k[5:]: v for k, v in a.items() if k.startswith("data-")},
                                        "rows": [], "svg": 0}
        elif self._chart and tag == "svg":
            self.charts[self._chart]["svg"] += 1
        elif self._chart and tag == "tr":
            self._row = {}
        elif self._row is not None and tag == "td":
            self._row[a["data-col"]] = a["data-value"]

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            if self._row:
                self.charts[self._chart]["rows"].append(self._row)
            self._row = None
        elif tag == "section":
            self._chart = None


def read_report(path: Path) -> ReportParser:
    p = ReportParser()
    p.feed(Path(path).read_text(encoding="utf-8"))
    return p


def num(v) -> float | None:
    return None if v in (None, "") else float(v)


def close(a, b, tol: float = 0.006) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


# --------------------------------------------------------------------------- demo serving copy

@pytest.fixture(scope="module")
def demo_report(demo_build):
    path = report.write_report(demo_build)
    con = duckdb.connect(str(demo_build.serving), read_only=True)
    yield read_report(path), con, path
    con.close()


def test_report_is_written_offline_with_every_chart(demo_report):
    parsed, _, path = demo_report
    print(f"report: {path}")
    assert path.name == "index.html" and path.parent.name == "report"
    assert set(CHARTS) <= set(parsed.charts)
    assert parsed.external == [], "the report must not load anything from elsewhere"
    text = path.read_text()
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), "no external URLs"
    for name in CHARTS:
        c = parsed.charts[name]
        assert c["attrs"]["status"] == "ok", f"{name}: {c}"
        if name not in ("prospect_targets", "customers_at_risk"):
            assert c["svg"] >= 1, f"{name} has no svg"


def test_report_is_deterministic_and_valid_inline_svg(demo_report, demo_build):
    # the same serving copy gives the same bytes (matplotlib's hashed ids are salted, no dates)
    _, con, path = demo_report
    text = path.read_text(encoding="utf-8")
    assert report.render(con, demo_build.serving) == text
    # inline SVG only: no XML prolog, DOCTYPE, RDF metadata or xlink namespace inside the page,
    # and ids unique in the whole page (six drawings share one document)
    for bad in ("<?xml", "<!DOCTYPE svg", "<metadata", "xlink"):
        assert bad not in text, bad
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert ids and len(ids) == len(set(ids)), "duplicate ids in the page"
    for ref in set(re.findall(r'(?:href="#|url\(#)([^")]+)', text)):
        assert ref in ids, f"reference to a missing id {ref}"


def test_whale_peak_equals_mart(demo_report):
    parsed, con, _ = demo_report
    a = parsed.charts["whale_curve"]["attrs"]
    peak, customers, total = con.execute(
        "select max(cumulative_profit_pct), count(*), sum(net_profit) from marts.mart_whale_curve").fetchone()
    peak_customer_pct = con.execute(
        "select cumulative_customer_pct from marts.mart_whale_curve "
        f"where cumulative_profit_pct = {peak} order by profit_rank limit 1").fetchone()[0]
    assert close(num(a["peak-profit-pct"]), peak, 1e-9)
    assert close(num(a["peak-customer-pct"]), peak_customer_pct, 1e-9)
    assert int(a["customers"]) == customers
    assert close(num(a["total-net-profit"]), total)
    summary = con.execute("select peak_profit_pct, peak_customer_pct, customers from marts.mart_whale_curve_summary").fetchone()
    assert close(num(a["peak-profit-pct"]), summary[0], 1e-6)
    assert close(num(a["peak-customer-pct"]), summary[1], 1e-6)
    assert int(a["customers"]) == summary[2]


def test_segment_clv_equals_mart(demo_report):
    parsed, con, _ = demo_report
    rows = parsed.charts["segment_clv"]["rows"]
    mart = {r[0]: r[1:] for r in con.execute(
        "select segment_key, customers, clv, acquisition_cost, clv_to_acquisition_cost "
        "from marts.mart_segment_clv where clv is not null").fetchall()}
    assert rows, "no CLV bars drawn"
    assert len(rows) == min(len(mart), report.MAX_SEGMENTS)
    for r in rows:
        customers, clv, acq, ratio = mart[r["segment_key"]]
        assert int(r["customers"]) == customers
        assert close(num(r["clv"]), clv)
        assert close(num(r["acquisition_cost"]), acq)
        assert close(num(r["clv_to_acquisition_cost"]), ratio, 1e-9)
    # largest CLV first
    assert [num(r["clv"]) for r in rows] == sorted((num(r["clv"]) for r in rows), reverse=True)


def test_funnel_counts_equal_mart(demo_report):
    parsed, con, _ = demo_report
    a = parsed.charts["sales_funnel"]["attrs"]
    calls, appointments, quotes, orders, q2o = con.execute(
        "select calls, appointments, quotes, orders, quote_to_order_pct from marts.mart_sales_funnel "
        "where segment_key = 'all' and period = 'all'").fetchone()
    assert (int(a["calls"]), int(a["appointments"]), int(a["quotes"]), int(a["orders"])) == (
        calls, appointments, quotes, orders)
    assert close(num(a["quote-to-order-pct"]), q2o, 1e-9)


def test_first_target_rows_equal_mart(demo_report):
    parsed, con, _ = demo_report
    rows = parsed.charts["prospect_targets"]["rows"]
    mart = con.execute("select target_rank, customer_key, lifecycle_status, segment_key, attractiveness_rank, reason "
                   f"from marts.mart_prospect_targets order by target_rank limit {report.TOP_TARGETS}").fetchall()
    assert len(rows) == len(mart) > 0
    for r, m in zip(rows, mart):
        assert (int(r["target_rank"]), r["customer_key"], r["lifecycle_status"], r["segment_key"]) == m[:4]
        assert r["attractiveness_rank"] == ("" if m[4] is None else str(m[4]))
        assert r["reason"] == (m[5] or "")


def test_clv_tracking_equals_mart(demo_report):
    parsed, con, _ = demo_report
    c = parsed.charts["clv_tracking"]
    mart = con.execute("select week, expected_cumulative_repeat_purchases, actual_cumulative_repeat_purchases "
                       "from marts.clv_tracking order by week").fetchall()
    assert len(c["rows"]) == len(mart) == int(c["attrs"]["weeks"]) > 0
    for r, (week, expected, actual) in zip(c["rows"], mart):
        assert int(r["week"]) == week and int(r["actual"]) == actual
        assert close(num(r["expected"]), expected, 1e-6)
    assert int(c["attrs"]["actual-final"]) == mart[-1][2]


def test_at_risk_rows_equal_mart(demo_report):
    parsed, con, _ = demo_report
    rows = parsed.charts["customers_at_risk"]["rows"]
    mart = con.execute("select at_risk_rank, crm_account_id, value_at_risk, reason from marts.mart_customer_at_risk "
                       f"order by at_risk_rank limit {report.TOP_TARGETS}").fetchall()
    assert len(rows) == len(mart) > 0
    for r, (rank, account, value, reason) in zip(rows, mart):
        assert int(r["at_risk_rank"]) == rank and r["crm_account_id"] == (account or "")
        assert close(num(r["value_at_risk"]), value) and r["reason"] == reason


def test_segment_map_equals_marts(demo_report):
    parsed, con, _ = demo_report
    rows = parsed.charts["segment_map"]["rows"]
    mart = {r[0]: r[1:] for r in con.execute(
        "select a.segment_key, a.attractiveness_rank, p.revenue, p.net_margin_pct "
        "from marts.mart_segment_attractiveness a join marts.mart_segment_profitability p "
        "on p.segment_key = a.segment_key and p.period = 'all'").fetchall()}
    assert rows
    for r in rows:
        rank, revenue, margin = mart[r["segment_key"]]
        assert int(r["attractiveness_rank"]) == rank
        assert close(num(r["revenue"]), revenue)
        assert close(num(r["net_margin_pct"]), margin, 1e-9)


def test_penetration_heatmap_equals_mart(demo_report):
    parsed, con, _ = demo_report
    rows = parsed.charts["penetration_heatmap"]["rows"]
    # the mart's own per-row figure: share of the segment's buying customers that buy the group
    mart = {(s, g): pct for s, g, pct in con.execute(
        "select distinct segment_key, product_group, segment_buyer_share_pct from marts.mart_customer_penetration"
    ).fetchall()}
    assert rows
    for r in rows:
        assert close(num(r["buyer_share_pct"]), mart[(r["segment_key"], r["product_group"])], 1e-6)


# --------------------------------------------------------------------------- hand-made serving copies

def _serving(tmp_path: Path, ddl: list[str]):
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "serving.duckdb")) as con:
        con.execute("create schema marts")
        for sql in ddl:
            con.execute(sql)
    return data


def test_whale_peak_by_hand(tmp_path):
    # Three customers, net profit 100, 50, -30 (total 120), ranked by profit:
    #   rank 1: cumulative 100 / 120 = 83.33%, customers 1/3 = 33.33%
    #   rank 2: cumulative 150 / 120 = 125.0%, customers 2/3 = 66.67%   <- the peak
    #   rank 3: cumulative 120 / 120 = 100.0%, customers 3/3 = 100%
    data = _serving(tmp_path, [
        "create table marts.mart_whale_curve (customer_key varchar, profit_rank int, net_profit decimal(18,2),"
        " cumulative_profit_pct double, cumulative_customer_pct double)",
        "insert into marts.mart_whale_curve values ('erp:1', 1, 100, 100/1.2, 100/3.0),"
        " ('erp:2', 2, 50, 125.0, 200/3.0), ('erp:3', 3, -30, 100.0, 100.0)",
        # the summary dbt publishes beside the curve (its figures by hand, as above); the report shows
        # them and finds the peak's customer on the curve
        "create table marts.mart_whale_curve_summary (peak_profit_pct double, peak_customer_pct double,"
        " customers bigint, value_destroying_customers bigint, total_net_profit decimal(18,2))",
        "insert into marts.mart_whale_curve_summary values (125.0, 200/3.0, 3, 1, 120)",
    ])
    with kansrijk_env(data) as s:
        path = report.write_report(s)
    a = read_report(path).charts["whale_curve"]["attrs"]
    assert close(num(a["peak-profit-pct"]), 125.0, 1e-9)
    assert close(num(a["peak-customer-pct"]), 66.6667, 1e-3)
    assert a["peak-rank"] == "2"
    assert a["value-destroying-customers"] == "1"
    assert close(num(a["total-net-profit"]), 120)


def test_missing_and_empty_marts_give_notes(tmp_path):
    # Only an empty whale curve and a funnel without any CRM data: every chart is a note.
    data = _serving(tmp_path, [
        "create table marts.mart_whale_curve (customer_key varchar, profit_rank int, net_profit decimal(18,2),"
        " cumulative_profit_pct double, cumulative_customer_pct double)",
        "create table marts.mart_sales_funnel (segment_key varchar, period varchar, calls bigint,"
        " appointments bigint, quotes bigint, orders bigint, call_to_appointment_pct double,"
        " appointment_to_quote_pct double, quote_to_order_pct double, call_to_order_pct double,"
        " avg_won_order_value decimal(18,2))",
        "insert into marts.mart_sales_funnel values ('all', 'all', 0, 0, 0, 0, null, null, null, null, null)",
    ])
    with kansrijk_env(data) as s:
        path = report.write_report(s)
    parsed = read_report(path)
    assert set(CHARTS) <= set(parsed.charts)
    for name in CHARTS:
        assert parsed.charts[name]["attrs"]["status"] == "missing", name
        assert parsed.charts[name]["svg"] == 0
    assert "no CRM activities" in path.read_text()


def test_hbars_draws_each_bar_with_its_figure():
    # the helper other chart functions call: three labels, 2.0, no figure, -1.0 with a reference at 1.
    # Each drawn bar carries a tooltip "label: figure"; the missing one says "no figure"; the
    # negative bar is red (#c0392b), the positive one blue (#1f5aa0); the reference is labelled.
    svg = report._hbars("demo_bars", "Demo", ["a", "b", "c"], [2.0, None, -1.0], lambda v: f"{v:.1f}",
                        ref=1.0, ref_label="pays back", w=440)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-svg="demo_bars"')
    assert svg.rstrip().endswith("</svg>")
    tips = re.findall(r'<g id="demo_bars-bar(\d)"><title>([^<]*)</title>', svg)
    assert tips == [("0", "a: 2.0"), ("2", "c: -1.0")]
    assert "no figure" in svg and "pays back" in svg
    bar_fill = dict(re.findall(r'<g id="demo_bars-bar(\d)"><title>[^<]*</title>\s*<path [^>]*fill: (#[0-9a-f]{6})', svg))
    assert bar_fill == {"0": "#1f5aa0", "2": "#c0392b"}


def test_importing_the_report_does_not_import_matplotlib():
    # matplotlib costs about a second to import: only drawing a chart may pull it in
    code = "import sys, kansrijk.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_no_serving_copy_is_one_clear_sentence(tmp_path):
    with kansrijk_env(tmp_path / "data") as s:
        with pytest.raises(report.ReportError, match="No serving copy at .*make run"):
            report.write_report(s)


# --- stock (issue 22) -------------------------------------------------------------------------
def test_segment_stock_totals_equal_the_mart(demo_report):
    parsed, con, _ = demo_report
    a = parsed.charts["segment_stock"]["attrs"]
    value, excess = con.execute("select sum(stock_value), sum(excess_stock_value) from marts.mart_segment_stock").fetchone()
    assert close(num(a["stock-value"]), value) and close(num(a["excess-stock-value"]), excess)
    # and the segments' stock adds up to the products' stock (allocation loses nothing)
    products = con.execute("select sum(stock_value) from marts.mart_product_stock_policy").fetchone()[0]
    assert close(num(a["stock-value"]), products, 0.5)
def test_knife_edge_segments_equal_the_mart(demo_report):
    """Issue 21: each segment's smallest break-even change (and its lever) as in mart_segment_sensitivity."""
    parsed, con, _ = demo_report
    c = parsed.charts["knife_edge_segments"]
    expected = {}
    for seg, lever, be in con.execute("select segment_key, lever, break_even_change_pct from marts.mart_segment_sensitivity"
                                      " where break_even_change_pct is not null").fetchall():
        if seg not in expected or (abs(be), lever) < (abs(expected[seg][1]), expected[seg][0]):
            expected[seg] = (lever, be)
    assert c["rows"], "no rows"
    for r in c["rows"]:
        lever, be = expected[r["segment_key"]]
        assert r["lever"] == lever and close(num(r["break_even_change_pct"]), be, 1e-9)
    unused = con.execute("select sum(unused_capacity_amount) from marts.mart_cost_reconciliation").fetchone()[0]
    assert close(num(c["attrs"]["unused-capacity-amount"]), unused)
