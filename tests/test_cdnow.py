"""The CDNOW converter turns the public log into a contract landing set (ERP only)."""

from __future__ import annotations

import csv
import importlib.util
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kansrijk.cdnow import convert
from kansrijk.contract import TABLES, duckdb_type


def _sample() -> Path:
    spec = importlib.util.find_spec("lifetimes")  # locate without importing (it imports pandas)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("lifetimes (dev group) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "CDNOW_sample.txt"


def _source(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) in (4, 5) and parts[-3].isdigit():
            rows.append(parts)
    return rows


def _lines(con, root: Path, table: str) -> str:
    t = TABLES[table]
    cols = ", ".join(f"'{c.name}': '{duckdb_type(c.type)}'" for c in t.columns)
    (f,) = root.glob(f"*/{table}.csv")
    return f"read_csv('{f}', delim=';', decimal_separator=',', header=true, auto_detect=false, columns={{{cols}}})"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("cdnow") / "landing"
    counts = convert(_sample(), out)
    return out, counts


def test_layout(converted):
    root, counts = converted
    (delivery,) = [p.name for p in root.iterdir()]
    assert delivery == "1998-06-30"
    names = {p.stem for p in (root / delivery).iterdir() if p.name != "_manifest.csv"}
    assert names == {"erp_customers", "erp_products", "erp_sales_invoices", "erp_sales_invoice_lines"}
    # the delivery manifest (control totals) lists every file
    with open(root / delivery / "_manifest.csv", encoding="utf-8", newline="") as fh:
        assert {r["file"].split(".")[0] for r in csv.DictReader(fh)} == names
    for p in (root / delivery).iterdir():
        if p.name == "_manifest.csv":
            continue
        with open(p, encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh, delimiter=";")) == TABLES[p.stem].column_names
    assert set(counts) == names


def test_customers_and_totals(converted):
    root, _ = converted
    src = _source(_sample())
    con = duckdb.connect()
    cust = con.sql(f"select count(*), count(distinct customer_id) from {_lines(con, root, 'erp_customers')}").fetchall()[0]
    assert cust == (2357, 2357)
    assert len({r[0] for r in src}) == 2357
    total_src = sum(Decimal(r[-1]) for r in src)
    total = con.sql(f"select sum(net_amount) from {_lines(con, root, 'erp_sales_invoice_lines')}").fetchall()[0][0]
    assert Decimal(total) == total_src
    cost = con.sql(f"select sum(abs(cost_amount)) from {_lines(con, root, 'erp_sales_invoice_lines')}").fetchall()[0][0]
    assert cost == 0
    # created_date is the first purchase
    first = {}
    for r in src:
        first[r[0]] = min(first.get(r[0], r[-3]), r[-3])
    got = dict(con.sql(f"select customer_id, strftime(created_date, '%Y%m%d') from {_lines(con, root, 'erp_customers')}").fetchall())
    assert got == first


def test_one_invoice_per_customer_day(converted):
    root, _ = converted
    src = _source(_sample())
    days = {(r[0], r[-3]) for r in src}
    assert len(days) < len(src)  # the sample has several purchases on one customer-day
    con = duckdb.connect()
    inv = con.sql(f"select count(*), count(distinct (customer_id, invoice_date)) from {_lines(con, root, 'erp_sales_invoices')}").fetchall()[0]
    assert inv == (len(days), len(days))
    lines = con.sql(f"select count(*), count(distinct invoice_id), max(line_no) from {_lines(con, root, 'erp_sales_invoice_lines')}").fetchall()[0]
    assert lines == (len(days), len(days), 1)
    # quantities and amounts of a customer-day are summed
    qty = {}
    amt = {}
    for r in src:
        k = f"{r[0]}-{r[-3]}"
        qty[k] = qty.get(k, 0) + int(r[-2])
        amt[k] = amt.get(k, Decimal(0)) + Decimal(r[-1])
    got = con.sql(f"select invoice_id, quantity, net_amount, unit_price from {_lines(con, root, 'erp_sales_invoice_lines')}").fetchall()
    for inv_id, q, net, price in got:
        assert q == qty[inv_id] and net == amt[inv_id], inv_id
        if q:
            assert abs(q * price - net) < Decimal("0.005")


def test_header_and_four_column_files(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("customer_id  date number_of_cds  dollar_value\n"
                   " 00001 19970101  1   11.77\n 00001 19970101  2   20.00\n 00002 19970112  1   12.00\n", encoding="utf-8")
    counts = convert(log, tmp_path / "out")
    assert counts["erp_customers"] == 2 and counts["erp_sales_invoices"] == 2
    text = (tmp_path / "out" / "1997-01-12" / "erp_sales_invoice_lines.csv").read_text(encoding="utf-8")
    assert "00001-19970101;1;CD;3,00;10,5900;0,00;31,77;0,00" in text
