"""A BI tool people use on the demo serving copy: Apache Superset, set up by `make bi`'s code.

One start of Superset per module (kansrijk.bi: its own environment from the pinned
bi/superset/requirements.txt, made by uv when missing and cached in ~/.cache/kansrijk; a fresh
metadata database in a tmp folder; the serving copy opened read-only). All checks in that session:

* Superset's own reflection (its REST API, through duckdb-engine and Superset's DuckDB 1.4) lists
  every contract mart with its contract columns, and each has a dataset whose columns Superset read;
* SQL Lab counts the rows of every contract mart as DuckDB 2 does, and cannot write to the serving copy;
* the dashboard renders in headless Chromium (login as a user would): five charts, no chart error,
  no console error (except the telemetry pixel Superset's UI asks the internet for), and the
  figures the charts received (the /api/v1/chart/data answers) equal plain SQL over the marts.
  The screenshot lands in `<data dir>/report/superset_dashboard.png` (path printed with -s).
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from kansrijk import bi
from tests.test_browser import _free_port, browser, chromium  # noqa: F401 - fixtures
from tests.test_serving_contract import CONTRACT, parse_contract


def _setup_module():
    """bi/superset/setup_superset.py, the dashboard's definition (it runs in Superset's environment)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("setup_superset", bi.BI_DIR / "setup_superset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHART_NAMES = [c[0] for c in _setup_module().CHARTS]

DASHBOARD_TIMEOUT_S = 180
OFFLINE_NOISE = ("apachesuperset.gateway.scarf.sh",)  # Superset's telemetry pixel; no internet in tests


class Api:
    """Superset's REST API as a script uses it: a JWT from /security/login, and for POSTs the CSRF
    token with the session cookie it belongs to."""

    def __init__(self, base: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers = {"Content-Type": "application/json"}
        login = {"username": "admin", "password": password, "provider": "db", "refresh": False}
        self.headers["Authorization"] = "Bearer " + self.call("/api/v1/security/login", login)["access_token"]
        self.headers["X-CSRFToken"] = self.call("/api/v1/security/csrf_token/")["result"]

    def call(self, path: str, body: dict | None = None) -> dict:
        req = urllib.request.Request(self.base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers=self.headers)
        try:
            with self.opener.open(req, timeout=120) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return {"http_status": e.code, **json.loads(e.read() or b"{}")}


@pytest.fixture(scope="module")
def superset(demo_build, tmp_path_factory):
    state = tmp_path_factory.mktemp("superset-state")
    bi.prepare(demo_build, state=state, log=lambda *_: None)
    port = _free_port()
    proc = bi.start(state, port)
    try:
        yield f"http://127.0.0.1:{port}", (state / "admin_password").read_text().strip()
    finally:
        bi.stop(proc)


@pytest.fixture(scope="module")
def api(superset):
    return Api(*superset)


@pytest.fixture(scope="module")
def database_id(api):
    found = [d for d in api.call("/api/v1/database/")["result"] if d["database_name"] == "kansrijk serving"]
    assert len(found) == 1, found
    return found[0]["id"]


def test_every_contract_mart_is_listed_with_its_columns(api, database_id, demo_build):
    contract = {t: g + c for t, (g, c) in parse_contract(CONTRACT.read_text()).items()}
    q = urllib.parse.quote("(schema_name:marts,force:!t)")
    listed = {t["value"] for t in api.call(f"/api/v1/database/{database_id}/tables/?{'q=' + q}")["result"]}
    assert set(contract) <= listed, f"not listed by Superset: {sorted(set(contract) - listed)}"
    for table, columns in contract.items():
        meta = api.call(f"/api/v1/database/{database_id}/table_metadata/?name={table}&schema=marts")
        have = {c["name"] for c in meta["columns"]}
        assert set(columns) <= have, f"Superset reflects marts.{table} without {sorted(set(columns) - have)}"

    datasets = api.call("/api/v1/dataset/?q=" + urllib.parse.quote("(page_size:100)"))["result"]
    by_name = {d["table_name"]: d["id"] for d in datasets if d["schema"] == "marts"}
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        marts = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    assert marts <= set(by_name), f"no dataset for {sorted(marts - set(by_name))}"
    for table, columns in contract.items():
        ds = api.call(f"/api/v1/dataset/{by_name[table]}")["result"]
        have = {c["column_name"] for c in ds["columns"]}
        assert set(columns) <= have, f"dataset {table} lacks {sorted(set(columns) - have)}"

    # SQL Lab reads every contract mart through the same read-only connection, to DuckDB 2's count
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in contract}
    for table, n in counts.items():
        ran = api.call("/api/v1/sqllab/execute/", {"database_id": database_id, "schema": "marts", "runAsync": False,
                                                   "sql": f"select count(*) as n from marts.{table}"})
        assert ran.get("data") == [{"n": n}], (table, ran)
    refused = api.call("/api/v1/sqllab/execute/", {"database_id": database_id, "schema": "marts", "runAsync": False,
                                                   "sql": "create table marts.scratch as select 1 as x"})
    assert refused.get("http_status", 200) >= 400 and "data" not in refused, refused


def _login(page, base: str, password: str) -> None:
    """The login form as a user posts it (Superset's login page is a React app; the form is FAB's)."""
    page.goto(base + "/login/")
    page.events.clear()
    page.eval("""(() => { const f = document.createElement('form'); f.method = 'POST'; f.action = '/login/';
      for (const [k, v] of [['csrf_token', document.getElementById('csrf_token').value],
                            ['username', 'admin'], ['password', %s]]) {
        const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
      document.body.appendChild(f); f.submit(); })()""" % json.dumps(password))
    assert page.wait_for("location.pathname.startsWith('/superset/welcome')", 60), page.eval("location.href")


def _chart_answers(page) -> dict[str, list[list[dict]]]:
    """{viz type: [rows of each chart of that type]} of every /api/v1/chart/data answer the dashboard received."""
    viz = {}
    for e in page.events:
        if e.get("method") == "Network.requestWillBeSent" and "/api/v1/chart/data" in e["params"]["request"]["url"]:
            viz[e["params"]["requestId"]] = json.loads(e["params"]["request"]["postData"])["form_data"]["viz_type"]
    out = {}
    for e in page.events:
        if e.get("method") != "Network.responseReceived" or e["params"]["requestId"] not in viz:
            continue
        assert e["params"]["response"]["status"] == 200, e["params"]["response"]
        body = json.loads(page.call("Network.getResponseBody", {"requestId": e["params"]["requestId"]})["body"])
        result = body["result"][0]
        assert result["error"] is None, result["error"]
        out.setdefault(viz[e["params"]["requestId"]], []).append(result["data"])
    return out


def _the(answers: dict[str, list[list[dict]]], viz: str, column: str | None = None) -> list[dict]:
    """The rows of the one chart of type `viz` (whose rows have `column`, when several charts share the type)."""
    found = [rows for rows in answers[viz] if column is None or (rows and column in rows[0])]
    assert len(found) == 1, (viz, column, len(found))
    return found[0]


def settled_screenshot(page, path: Path, tries: int = 30) -> Path:
    """The viewport once two captures in a row agree: headless Chromium on a busy machine paints
    the canvas charts a frame or two behind the DOM, and each capture moves it on."""
    previous = None
    for _ in range(tries):
        png = base64.b64decode(page.call("Page.captureScreenshot", {"format": "png"})["data"])
        if png == previous:
            break
        previous = png
        page.pump(0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def test_dashboard_renders_the_marts(superset, browser, demo_build):  # noqa: F811 - fixture
    base, password = superset
    page = browser.new_page()
    try:
        page.call("Network.enable")
        page.viewport(1400, 1800)
        _login(page, base, password)
        page.events.clear()
        page.goto(base + bi.DASHBOARD_PATH)
        rendered = page.wait_for(
            f"document.querySelectorAll('.dashboard-chart').length === {len(CHART_NAMES)}"
            " && document.querySelectorAll('.loading, [data-test=\"loading-indicator\"]').length === 0"
            f" && document.querySelectorAll('.dashboard-chart canvas, .dashboard-chart table').length >= {len(CHART_NAMES)}",
            DASHBOARD_TIMEOUT_S)
        page.pump(2)  # the last console messages
        state = page.eval("document.body.innerText.slice(0, 2000)")
        assert rendered, state
        assert page.eval("document.querySelectorAll('.dashboard-chart').length") == len(CHART_NAMES), state
        alerts = page.eval("Array.from(document.querySelectorAll('.dashboard-chart [role=alert], "
                           ".dashboard-chart .ant-alert-error')).map(e => e.innerText)")
        assert alerts == [], alerts
        errors = [e for e in page.errors() if not any(n in e for n in OFFLINE_NOISE)]
        assert errors == [], errors
        shot = settled_screenshot(page, demo_build.report_dir / "superset_dashboard.png")
        print(f"\nsuperset dashboard screenshot: {shot}")
        answers = _chart_answers(page)
    finally:
        page.close()

    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        def q(sql):
            return con.execute(sql).fetchall()

        funnel = q("select calls, appointments, quotes, orders from marts.mart_sales_funnel"
                   " where segment_key = 'all' and period = 'all'")[0]
        whale = q("select count(*), max(cumulative_profit_pct) from marts.mart_whale_curve"
                  " where cumulative_customer_pct is not null")[0]
        clv = dict(q("select segment_key, clv from marts.mart_segment_clv"))
        targets = q("select target_rank, company_name from marts.mart_prospect_targets order by target_rank limit 25")
        tracking = q("select week, expected_cumulative_repeat_purchases, actual_cumulative_repeat_purchases"
                     " from marts.clv_tracking order by week")
        ranked = q("select count(*) from marts.mart_segment_attractiveness as a join marts.mart_segment_profitability"
                   " as p on p.segment_key = a.segment_key and p.period = 'all'"
                   " where a.attractiveness_rank is not null and p.net_margin_pct is not null")[0][0]

    assert set(answers) == {"echarts_timeseries_line", "bubble_v2", "echarts_timeseries_bar", "funnel", "table"}
    steps = {r["step"]: r["companies"] for r in _the(answers, "funnel")}
    assert steps == dict(zip(["1 calls", "2 appointments", "3 quotes", "4 orders"], funnel))
    curve = _the(answers, "echarts_timeseries_line", "cumulative % of net profit")
    assert len(curve) == whale[0]
    assert max(r["cumulative % of net profit"] for r in curve) == pytest.approx(whale[1])
    assert [(r["target_rank"], r["company_name"]) for r in _the(answers, "table")] == targets
    bars = {r["segment_key"]: r["CLV per customer (EUR)"] for r in _the(answers, "echarts_timeseries_bar")}
    assert bars == pytest.approx({k: float(v) for k, v in clv.items() if v is not None}, abs=0.005)
    assert len(_the(answers, "bubble_v2")) == ranked > 0
    # the CLV diagnostics: the tracking curve, week by week, as the mart has it
    weeks = _the(answers, "echarts_timeseries_line", "expected repeat purchases")
    assert [(r["week"], r["actual repeat purchases"]) for r in weeks] == [(w, a) for w, _, a in tracking]
    assert [r["expected repeat purchases"] for r in weeks] == pytest.approx([e for _, e, _ in tracking])
