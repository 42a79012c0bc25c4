"""The typed fast read gives exactly the raw tables of the detailed (text + regex) path."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kansrijk import demo, gx_duckdb, ingest, settings
from tests.support import kansrijk_env, write_landing

LINEAGE_SAME = "* EXCLUDE (_loaded_at)"


def _load(tmp: Path, landing: Path, name: str, monkeypatch, fast: bool, **env) -> tuple[dict, ingest.IngestResult, list]:
    """Ingest a copy of ``landing`` with or without the fast path; every raw table's rows and the fast hits."""
    copy = tmp / f"landing_{name}"
    shutil.copytree(landing, copy)
    hits: list = []
    real = ingest.fast_stage

    def spy(*a, **k):
        n = real(*a, **k) if fast else None
        hits.append(n is not None)
        return n

    monkeypatch.setattr(ingest, "fast_stage", spy)
    with kansrijk_env(tmp / f"data_{name}", copy, **env) as s:
        res = ingest.ingest_landing(s, build_docs=False)
        con = gx_duckdb.connect(s.warehouse)
        try:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name <> '_ingest_ledger'").fetchall()]
            rows = {t: con.execute(f"SELECT {LINEAGE_SAME} FROM raw.{t} ORDER BY ALL").fetchall() for t in tables}
        finally:
            con.close()
    monkeypatch.setattr(ingest, "fast_stage", real)
    return rows, res, hits


def test_demo_set_loads_identically_through_both_paths(tmp_path, monkeypatch) -> None:
    # the demo writes ERP CSV (';', decimal comma, TRUE/FALSE and 1/0 booleans in delivery 2, leading
    # zeros in ids) and CRM Parquet (typed, and with ISO-string dates and timestamps in delivery 2)
    landing = tmp_path / "demo"
    demo.generate(landing, customers=40, years=1)
    fast, rf, hits = _load(tmp_path, landing, "fast", monkeypatch, fast=True)
    slow, rs, _ = _load(tmp_path, landing, "slow", monkeypatch, fast=False)
    assert rf.ok and rs.ok, (rf.summary(), rs.summary())
    assert all(hits), "every clean demo file takes the fast path"
    assert rf.rows_loaded == rs.rows_loaded > 0
    assert fast.keys() == slow.keys()
    for t in fast:
        assert fast[t] == slow[t], t


EDGE_PRODUCTS = [  # ERP dialect: ';' and decimal comma
    {"product_id": "007", "product_name": "", "product_group": "hw", "unit_cost": Decimal("1.5"),
     "list_price": Decimal("2.12345"), "is_active": "TRUE"},
    {"product_id": "P2", "product_name": "Nut", "unit_cost": None, "list_price": Decimal("-0"), "is_active": "1"},
    {"product_id": "P3", "product_name": " spaced ", "unit_cost": Decimal("0"), "is_active": "0"},
    {"product_id": "P4", "product_name": "x", "is_active": None},
]
EDGE_CASES = [  # CRM dialect: ',' and decimal point; timestamps with and without UTC offset
    {"case_id": "K1", "account_id": "A1", "opened_at": "2025-01-05T10:00:00+02:00", "closed_at": "2025-01-05 12:00",
     "category": "question", "handling_minutes": 30},
    {"case_id": "K2", "account_id": "", "opened_at": "2025-01-05", "closed_at": None, "category": None,
     "handling_minutes": None},
]


@pytest.mark.parametrize("fast", [True, False])
def test_edge_values(tmp_path, monkeypatch, fast) -> None:
    landing = tmp_path / "edge"
    write_landing(landing, "2026-01-01", {"erp_products": EDGE_PRODUCTS, "crm_service_cases": EDGE_CASES})
    rows, res, hits = _load(tmp_path, landing, "x", monkeypatch, fast=fast)
    assert res.ok, res.summary()
    assert rows["erp_products"] == [
        # key keeps its leading zeros; empty string is NULL; 2,12345 rounds to 4 places; TRUE/1/0 booleans;
        # lead_time_days (contract v1.1, optional) empty
        ("007", None, "hw", Decimal("1.5000"), Decimal("2.1235"), True, None, "2026-01-01", "2026-01-01/erp_products.csv", 1, False),
        ("P2", "Nut", None, None, Decimal("0.0000"), True, None, "2026-01-01", "2026-01-01/erp_products.csv", 2, False),
        ("P3", " spaced ", None, Decimal("0.0000"), None, False, None, "2026-01-01", "2026-01-01/erp_products.csv", 3, False),
        ("P4", "x", None, None, None, None, None, "2026-01-01", "2026-01-01/erp_products.csv", 4, False),
    ]
    opened = [r[2] for r in rows["crm_service_cases"]]
    assert opened == [dt.datetime(2025, 1, 5, 8, 0), dt.datetime(2025, 1, 5, 0, 0)]  # +02:00 → UTC
    if fast:
        assert all(hits)


def test_fast_read_failure_falls_back_to_the_detailed_path(tmp_path, monkeypatch) -> None:
    landing = tmp_path / "fb"
    hdr = "product_id;product_name;product_group;unit_cost;list_price;is_active"
    (landing / "2026-01-01").mkdir(parents=True)
    # thousands separator: the typed reader rejects it, the detailed path parses it
    (landing / "2026-01-01" / "erp_products.csv").write_text(f"{hdr}\nP1;Bolt;hw;1.234,56;2,5;true\n")
    rows, res, hits = _load(tmp_path, landing, "a", monkeypatch, fast=True)
    assert res.ok and hits == [False]
    assert rows["erp_products"][0][3] == Decimal("1234.56")
    # an int that is not whole: the fast read raises, the detailed path quarantines with its message
    landing2 = tmp_path / "fb2"
    (landing2 / "2026-01-01").mkdir(parents=True)
    (landing2 / "2026-01-01" / "erp_sales_invoice_lines.csv").write_text(
        "invoice_id;line_no;product_id;quantity;unit_price;discount_pct;net_amount;cost_amount\nI1;1,5;P;1;1;0;1;1\nI1;1.5;P;1;1;0;1;1\n")
    _, res2, hits2 = _load(tmp_path, landing2, "b", monkeypatch, fast=True)
    assert hits2 == [False] and len(res2.quarantined) == 1
    assert "column line_no fails 'integer' on 2 rows" in res2.quarantined[0].message


def test_duplicate_key_still_reported_by_gx(tmp_path, monkeypatch) -> None:
    landing = tmp_path / "dup"
    write_landing(landing, "2026-01-01", {"erp_products": [{"product_id": "P1"}, {"product_id": "P1"}]})
    _, res, hits = _load(tmp_path, landing, "d", monkeypatch, fast=True)
    assert hits == [True] and len(res.quarantined) == 1
    assert "fails 'unique key' on 2 rows" in res.quarantined[0].message
