"""The demo landing set follows the landing contract and carries the planted structure."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from kansrijk.contract import TABLES, duckdb_type
from kansrijk.demo import generate

REPO = Path(__file__).resolve().parent.parent
SMALL = dict(customers=200, years=1, seed=7, end_date=date(2026, 10, 31))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo") / "landing"
    counts = generate(out, **SMALL)
    return out, counts


@pytest.fixture(scope="module")
def con(landing):
    root, _ = landing
    c = duckdb.connect()
    for name, t in TABLES.items():
        files = sorted(root.glob(f"*/{name}.*"))
        if not files:
            continue
        parts = [_read(f, t) for f in files]
        c.sql(f"create view {name}_all as " + " union all ".join(parts))
        keys = ", ".join(t.key)
        c.sql(f"create view {name} as select * from {name}_all "
              f"qualify row_number() over (partition by {keys} order by _delivery desc) = 1")
    return c


def _read(f: Path, t) -> str:
    delivery = f.parent.name
    if f.suffix == ".csv":
        cols = ", ".join(f"'{c.name}': '{duckdb_type(c.type)}'" for c in t.columns)
        src = (f"read_csv('{f}', delim=';', decimal_separator=',', header=true, auto_detect=false, "
               f"columns={{{cols}}})")
        sel = ", ".join(t.column_names)
    else:
        src = f"read_parquet('{f}')"
        sel = ", ".join(f"cast({c.name} as {duckdb_type(c.type)}) as {c.name}" for c in t.columns)
    return f"select {sel}, '{delivery}' as _delivery from {src}"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(root)}


def test_same_seed_gives_identical_files(landing, tmp_path):
    root, counts = landing
    again = generate(tmp_path / "again", **SMALL)
    assert again == counts
    assert _digest(tmp_path / "again") == _digest(root)


def test_layout_formats_and_headers(landing):
    root, _ = landing
    deliveries = sorted(p.name for p in root.iterdir())
    assert deliveries == ["2026-10-01", "2026-10-16", "2026-10-31", "2026-10-31T1400"]
    for f in _files(root):
        if f.name == "_manifest.csv":  # the delivery's control totals, tests/test_manifest.py
            continue
        t = TABLES[f.stem]
        if t.source == "erp":
            assert f.suffix == ".csv", f
            with open(f, encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh, delimiter=";"))
        else:
            assert f.suffix == ".parquet", f
            header = pq.read_schema(f).names
        assert header == t.column_names, f


def test_row_counts(landing):
    _, counts = landing
    assert set(counts) == set(TABLES)
    assert all(n > 0 for n in counts.values()), counts
    assert 4_000 <= counts["erp_sales_invoice_lines"] <= 20_000
    assert counts["erp_sales_invoices"] < counts["erp_sales_invoice_lines"]
    assert counts["erp_customers"] >= 3 * 180  # three snapshots


def test_erp_csv_dialect(landing):
    root, _ = landing
    text = (root / "2026-10-01" / "erp_sales_invoice_lines.csv").read_text(encoding="utf-8")
    row = text.splitlines()[1].split(";")
    assert len(row) == 8 and "," in row[6] and "." not in row[6]
    cust = (root / "2026-10-16" / "erp_customers.csv").read_text(encoding="utf-8").splitlines()
    assert {r.split(";")[-1] for r in cust[1:]} <= {"TRUE", "FALSE"}
    ship = (root / "2026-10-16" / "erp_shipments.csv").read_text(encoding="utf-8").splitlines()
    assert {r.split(";")[5] for r in ship[1:]} <= {"0", "1"}
    # numeric-looking keys with leading zeros
    assert "\n00001;" in (root / "2026-10-01" / "erp_customers.csv").read_text(encoding="utf-8")


def test_one_delivery_has_string_dates_in_crm(landing):
    root, _ = landing
    import pyarrow as pa
    typed = pq.read_schema(root / "2026-10-01" / "crm_activities.parquet").field("activity_date").type
    strs = pq.read_schema(root / "2026-10-16" / "crm_activities.parquet").field("activity_date").type
    assert typed == pa.date32() and strs == pa.string()


def test_nothing_dated_after_its_delivery(con, landing):
    root, _ = landing
    for name, t in TABLES.items():
        for c in t.columns:
            if c.type not in ("date", "timestamp") or c.name == "due_date":
                continue
            bad = con.sql(f"select _delivery, max({c.name}) from {name}_all group by 1 "
                          f"having max(cast({c.name} as date)) > cast(left(_delivery, 10) as date)").fetchall()
            assert not bad, (name, c.name, bad)


def test_keys_unique_per_file_and_not_null(con):
    for name, t in TABLES.items():
        keys = ", ".join(t.key)
        dup = con.sql(f"select _delivery, {keys}, count(*) from {name}_all group by all having count(*) > 1 limit 3").fetchall()
        assert not dup, (name, dup)
        nulls = con.sql(f"select count(*) from {name}_all where " + " or ".join(f"{k} is null" for k in t.key)).fetchall()[0][0]
        assert nulls == 0, name


def test_enumerations_and_ranges(con):
    for name, t in TABLES.items():
        for c in t.columns:
            if c.accepted:
                vals = {r[0] for r in con.sql(f"select distinct {c.name} from {name}_all where {c.name} is not null").fetchall()}
                assert vals <= set(c.accepted), (name, c.name, vals - set(c.accepted))
            if c.min is not None:
                assert con.sql(f"select count(*) from {name}_all where {c.name} < {c.min}").fetchall()[0][0] == 0, (name, c.name)
            if c.max is not None:
                assert con.sql(f"select count(*) from {name}_all where {c.name} > {c.max}").fetchall()[0][0] == 0, (name, c.name)


def test_money_identities(con):
    bad = con.sql("""select count(*) from erp_sales_invoice_lines_all
        where abs(net_amount - quantity * unit_price * (1 - discount_pct / 100)) > 0.0051""").fetchall()[0][0]
    assert bad == 0
    bad = con.sql("""select count(*) from erp_sales_invoice_lines_all l join erp_products p using (product_id)
        where abs(cost_amount - quantity * p.unit_cost) > 0.0051""").fetchall()[0][0]
    assert bad == 0
    # credit notes: negative quantities and amounts, ~2% of invoices
    r = con.sql("""select count(distinct i.invoice_id), bool_and(l.quantity < 0 and l.net_amount <= 0 and l.cost_amount <= 0)
        from erp_sales_invoices i join erp_sales_invoice_lines l using (invoice_id) where i.is_credit_note""").fetchall()[0]
    total = con.sql("select count(*) from erp_sales_invoices").fetchall()[0][0]
    assert r[1] and 0.01 * total <= r[0] <= 0.04 * total
    assert con.sql("select bool_and(quantity > 0) from erp_sales_invoice_lines l join erp_sales_invoices i using (invoice_id) "
                   "where not i.is_credit_note").fetchall()[0][0]
    # costs are positive, freight sometimes only in the ledger
    assert con.sql("select min(amount) > 0 from erp_gl_entries").fetchall()[0][0]
    n_null = con.sql("select count(*) filter (where freight_cost is null) / count(*) from erp_shipments").fetchall()[0][0]
    assert 0.05 < n_null < 0.5


def test_resent_rows_and_snapshots(con, landing):
    root, _ = landing
    # corrected invoice lines: same key, later delivery, different amount
    changed = con.sql("""select count(*) from (select invoice_id, line_no, count(distinct net_amount) n
        from erp_sales_invoice_lines_all group by all) where n > 1""").fetchall()[0][0]
    assert changed >= 5
    # opportunities re-sent with a new stage
    moved = con.sql("""select count(*) from (select opportunity_id, count(distinct stage) n from crm_opportunities_all group by 1)
        where n > 1""").fetchall()[0][0]
    assert moved >= 1
    # archived customers: in an earlier snapshot, missing in the last one
    missing = con.sql("""select count(*) from (select distinct customer_id from erp_customers_all where _delivery = '2026-10-16')
        where customer_id not in (select customer_id from erp_customers_all where _delivery = '2026-10-31')""").fetchall()[0][0]
    assert 1 <= missing <= 2
    assert not (root / "2026-10-31T1400" / "erp_customers.csv").exists()


def test_planted_structure(con):
    # prospects, coc matches, a prospect-only segment
    pros = con.sql("select count(*) from crm_accounts where erp_customer_id is null").fetchall()[0][0]
    assert pros >= 250
    coc = con.sql("""select count(*) from crm_accounts a join erp_customers c using (coc_number)
        where a.erp_customer_id is null""").fetchall()[0][0]
    assert coc >= 1
    assert con.sql("select count(*) from crm_accounts where industry_code = '86' and employee_count >= 250 "
                   "and erp_customer_id is null").fetchall()[0][0] > 0
    assert con.sql("select count(*) from erp_customers where industry_code = '86' and employee_count >= 250").fetchall()[0][0] == 0
    assert con.sql("select count(*) from crm_accounts where industry_code = '28' and employee_count < 10").fetchall()[0][0] == 0
    # funnel and miss analysis
    assert {r[0] for r in con.sql("select distinct stage from crm_opportunities").fetchall()} == {"open", "won", "lost"}
    assert con.sql("select count(distinct competitor) from crm_opportunities").fetchall()[0][0] >= 3
    assert con.sql("select count(*) from crm_campaign_touches where response = 'inbound_request'").fetchall()[0][0] > 0
    # ledger: direct lines with customer_id and a cost center without driver
    ccs = {r[0] for r in con.sql("select distinct cost_center from erp_gl_entries").fetchall()}
    assert {"CS", "LOG", "OE", "SALES", "MKT", "CC", "GEN", "COMM", "IT"} <= ccs
    direct = {r[0] for r in con.sql("select distinct cost_center from erp_gl_entries where customer_id is not null").fetchall()}
    assert {"COMM", "CC"} <= direct


def test_high_revenue_high_cost_customers(con):
    rows = con.sql("""
        with rev as (select i.customer_id, sum(l.net_amount) rev from erp_sales_invoices i
                     join erp_sales_invoice_lines l using (invoice_id) group by 1),
        ship as (select customer_id, avg(is_express::int) express from erp_shipments group by 1),
        late as (select i.customer_id, avg(p.payment_date - i.due_date) late from erp_sales_invoices i
                 join erp_payments p using (invoice_id) group by 1),
        mins as (select a.erp_customer_id customer_id, sum(handling_minutes) as case_minutes from crm_service_cases s
                 join crm_accounts a using (account_id) group by 1),
        ranked as (select *, percent_rank() over (order by rev desc) pr,
                   percent_rank() over (order by coalesce(case_minutes, 0) desc) mr
                   from rev left join ship using (customer_id) left join late using (customer_id) left join mins using (customer_id))
        select count(*) from ranked where pr <= 0.25 and express > 0.4 and late > 30 and mr <= 0.2""").fetchall()[0][0]
    assert rows >= 5


def test_seeds_fit_the_demo(con):
    def seed(name):
        with open(REPO / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    drivers = seed("cost_center_drivers")
    assert list(drivers[0]) == ["cost_center", "activity_pool", "cost_category", "driver", "allocation_method",
                                "rate_per_minute", "description"]
    mapped = {r["cost_center"] for r in drivers}
    ledger = {r[0] for r in con.sql("select distinct cost_center from erp_gl_entries").fetchall()}
    assert ledger - mapped == {"IT"}
    assert all(r["allocation_method"] == "driver" for r in drivers)
    mu = seed("market_universe")
    assert list(mu[0]) == ["industry_code", "size_class", "country", "companies"]
    segs = {f"{r['industry_code']}-{r['size_class']}" for r in mu}
    assert "28-micro" in segs and "46-large" not in segs and "86-large" in segs
    sa = seed("segment_assessment")
    assert list(sa[0]) == ["segment_key", "criterion", "score", "source"]
    assert all(1 <= int(r["score"]) <= 5 and r["source"] in ("workshop", "panel") for r in sa)
    score = lambda s: sum(int(r["score"]) for r in sa if r["segment_key"] == s)
    assert score("43-medium") > score("41-small") > score("47-micro")
    st = seed("sales_targets")
    assert list(st[0]) == ["period", "period_start", "period_end", "segment_key", "revenue_target"]
    assert [r["period"] for r in st][:4] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert all(r["segment_key"] == "" for r in st)
