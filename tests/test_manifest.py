"""A delivery's `_manifest.csv` (landing contract v1.1): control totals per file, checked by the real ingest.

Figures are worked out by hand in each test's docstring. Files are written with tests.support.write_landing
(ERP: ';' and decimal comma; CRM: ',' and decimal point) and read by kansrijk.ingest.ingest_landing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kansrijk import contract, demo, gx_duckdb, ingest
from tests.support import kansrijk_env, write_landing

D1, D2 = "2025-06-30", "2025-07-01"
MANIFEST_HDR = "file,rows,amount_total\n"


def payment(pid: str, amount: str, day: int = 1) -> dict:
    return {"payment_id": pid, "invoice_id": "I" + pid[2:], "payment_date": date(2025, 6, day),
            "amount": Decimal(amount)}


# 100.00 + 250.50 + 123.45 = 473.95 over 3 rows; the last field of the last row is 123,45.
PAYMENTS = [payment("PM1", "100.00"), payment("PM2", "250.50", 2), payment("PM3", "123.45", 3)]
# net_amount 100.00 + 18.00 + 50.00 = 168.00 over 3 rows
LINES = [
    {"invoice_id": "I1", "line_no": 1, "product_id": "P1", "quantity": Decimal("2"), "unit_price": Decimal("50"),
     "discount_pct": Decimal("0"), "net_amount": Decimal("100.00"), "cost_amount": Decimal("60.00")},
    {"invoice_id": "I1", "line_no": 2, "product_id": "P2", "quantity": Decimal("1"), "unit_price": Decimal("20"),
     "discount_pct": Decimal("10"), "net_amount": Decimal("18.00"), "cost_amount": Decimal("12.00")},
    {"invoice_id": "I2", "line_no": 1, "product_id": "P1", "quantity": Decimal("5"), "unit_price": Decimal("10"),
     "discount_pct": Decimal("0"), "net_amount": Decimal("50.00"), "cost_amount": Decimal("30.00")},
]
INVOICES = [
    {"invoice_id": "I1", "customer_id": "C1", "invoice_date": date(2025, 6, 1), "currency": "EUR",
     "order_channel": "web", "is_credit_note": False},
    {"invoice_id": "I2", "customer_id": "C1", "invoice_date": date(2025, 6, 2), "currency": "EUR",
     "order_channel": "edi", "is_credit_note": False},
]
# total_cost 1234.50 + 99.99 = 1334.49 over 2 rows (CRM dialect: ',' and decimal point)
CAMPAIGNS = [
    {"campaign_id": "K1", "campaign_name": "Spring", "channel": "email", "start_date": date(2025, 3, 1),
     "total_cost": Decimal("1234.50")},
    {"campaign_id": "K2", "campaign_name": "Fair", "channel": "event", "start_date": date(2025, 4, 1),
     "total_cost": Decimal("99.99")},
]


def put_manifest(landing: Path, delivery: str, body: str, header: str = MANIFEST_HDR) -> Path:
    p = landing / delivery / contract.MANIFEST
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(header + body, encoding="utf-8")
    return p


def run(tmp_path: Path) -> ingest.IngestResult:
    with kansrijk_env(tmp_path / "data", tmp_path / "landing") as s:
        return ingest.ingest_landing(s, build_docs=False)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with kansrijk_env(tmp_path / "data", tmp_path / "landing") as s:
        con = gx_duckdb.connect(s.warehouse)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def quarantine_dir(tmp_path: Path) -> Path:
    with kansrijk_env(tmp_path / "data", tmp_path / "landing") as s:
        return s.quarantine


def cut_last_value(path: Path, value: bytes, kept: bytes) -> None:
    """Cut the file inside its last field: everything from the last ``value`` on becomes ``kept``."""
    data = path.read_bytes()
    assert data.rstrip(b"\r\n").endswith(value), data[-20:]
    path.write_bytes(data[: data.rindex(value)] + kept)


@pytest.fixture()
def force_path(monkeypatch):
    """Run ingest through the typed fast path (True) or the detailed text + regex path (False); records which ran."""
    hits: list[bool] = []

    def use(fast: bool) -> list[bool]:
        real = ingest.fast_stage

        def spy(*a, **k):
            n = real(*a, **k) if fast else None
            hits.append(n is not None)
            return n

        monkeypatch.setattr(ingest, "fast_stage", spy)
        return hits

    return use


def test_matching_manifest_loads_and_is_not_a_table_file(tmp_path) -> None:
    """Lines are listed by bare table name, payments and campaigns by file name; invoices are not listed
    (a manifest may be partial) and load as without one. Nothing warns: `_manifest.csv` is no table file."""
    landing = tmp_path / "landing"
    write_landing(landing, D2, {"erp_payments": PAYMENTS, "erp_sales_invoice_lines": LINES,
                                "erp_sales_invoices": INVOICES, "crm_campaigns": CAMPAIGNS})
    put_manifest(landing, D2, "erp_payments.csv,3,473.95\nerp_sales_invoice_lines,3,168.00\n"
                              "crm_campaigns.csv,2,1334.49\n")
    r = run(tmp_path)
    assert r.ok and r.warnings == [], r.summary()
    assert sorted(f.table for f in r.loaded) == ["crm_campaigns", "erp_payments", "erp_sales_invoice_lines",
                                                  "erp_sales_invoices"]
    assert query(tmp_path, "SELECT count(*), sum(amount) FROM raw.erp_payments") == [(3, Decimal("473.95"))]
    assert query(tmp_path, "SELECT count(*) FROM raw._ingest_ledger WHERE file_path LIKE '%_manifest%'") == [(0,)]
    assert (landing / D2 / contract.MANIFEST).exists()


def test_row_count_mismatch_is_quarantined_with_both_figures(tmp_path) -> None:
    """The manifest says 1,204 rows and 473.95; the file has 3 rows and 473.95 (100.00 + 250.50 + 123.45)."""
    landing = tmp_path / "landing"
    write_landing(landing, D1, {"erp_payments": [payment("PM0", "7.00")]})
    assert run(tmp_path).ok
    before = query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments")
    write_landing(landing, D2, {"erp_payments": PAYMENTS, "erp_sales_invoice_lines": LINES})
    put_manifest(landing, D2, "erp_payments.csv,1204,473.95\nerp_sales_invoice_lines.csv,3,168.00\n")
    r = run(tmp_path)
    assert [f.table for f in r.loaded] == ["erp_sales_invoice_lines"]
    (q,) = r.quarantined
    assert q.message.startswith(
        f"erp_payments.csv in delivery {D2}: the delivery's _manifest.csv says 1,204 rows and amount total 473.95, "
        "the file has 3 rows and amount total 473.95 (sum of amount)"), q.message
    dest = quarantine_dir(tmp_path) / D2 / "erp_payments.csv"
    assert dest.exists() and not (landing / D2 / "erp_payments.csv").exists()
    assert Path(f"{dest}.error.txt").read_text(encoding="utf-8").strip() == q.message
    assert query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments") == before
    assert query(tmp_path, f"SELECT status, error FROM raw._ingest_ledger WHERE file_path = '{D2}/erp_payments.csv'") \
        == [("quarantined", q.message)]


@pytest.mark.parametrize("fast", [True, False], ids=["fast_path", "detailed_path"])
def test_csv_cut_inside_the_last_field_is_caught_by_the_amount_total(tmp_path, force_path, fast) -> None:
    """The cut turns the last row's amount 123,45 into 12: still 3 well-formed rows, but the amount total is
    100.00 + 250.50 + 12 = 362.50 instead of 473.95. Without a manifest the same file loads with 12.00."""
    hits = force_path(fast)
    landing = tmp_path / "landing"
    write_landing(landing, D1, {"erp_payments": [payment("PM0", "7.00")]})
    assert run(tmp_path).ok
    before = query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments")
    folder = write_landing(landing, D2, {"erp_payments": PAYMENTS})
    cut_last_value(folder / "erp_payments.csv", b"123,45", b"12")
    put_manifest(landing, D2, "erp_payments.csv,3,473.95\n")
    hits.clear()
    r = run(tmp_path)
    assert hits == [fast]
    (q,) = r.quarantined
    assert q.message == (
        f"erp_payments.csv in delivery {D2}: the delivery's _manifest.csv says 3 rows and amount total 473.95, "
        "the file has 3 rows and amount total 362.50 (sum of amount), so the file is incomplete or the manifest "
        "wrong; deliver the complete file and a matching _manifest.csv again.")
    assert query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments") == before

    # the control: the same cut file without a manifest loads the cut value (the fault the manifest closes)
    other = tmp_path / "no_manifest"
    folder = write_landing(other / "landing", D2, {"erp_payments": PAYMENTS})
    cut_last_value(folder / "erp_payments.csv", b"123,45", b"12")
    assert run(other).ok
    assert query(other, "SELECT amount FROM raw.erp_payments WHERE payment_id = 'PM3'") == [(Decimal("12"),)]


def test_no_manifest_loads_as_today(tmp_path) -> None:
    write_landing(tmp_path / "landing", D2, {"erp_payments": PAYMENTS, "crm_campaigns": CAMPAIGNS})
    r = run(tmp_path)
    assert r.ok and r.warnings == [] and r.rows_loaded == 3 + 2, r.summary()


@pytest.mark.parametrize("body,header,expect", [
    ("erp_payments.csv,3,473.95\n", "file,row_count,amount_total\n",
     "column rows missing from its header (found: file, row_count, amount_total; expected file,rows[,amount_total])"),
    ("erp_payments.csv,three,473.95\n", MANIFEST_HDR, "line 2: rows 'three' of erp_payments.csv is not a whole number"),
    ("erp_payments.csv,3,473,95\n", MANIFEST_HDR, "line 2 has 4 fields but the header 3"),
    ("erp_payments.csv,3,473.95\nerp_payments,3,473.95\n", MANIFEST_HDR, "line 3 lists erp_payments a second time"),
    ("", "", "column file, rows missing from its header (found: nothing"),
], ids=["missing_column", "rows_not_a_number", "decimal_comma", "listed_twice", "empty"])
def test_malformed_manifest_quarantines_the_delivery_with_one_clear_sentence(tmp_path, body, header, expect) -> None:
    """No new file of the delivery loads unchecked: each is quarantined (moved, with its error file), then the
    manifest itself; raw stays as the earlier delivery left it. An earlier delivery is not touched."""
    landing = tmp_path / "landing"
    write_landing(landing, D1, {"erp_payments": [payment("PM0", "7.00")]})
    assert run(tmp_path).ok
    before = query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments")
    write_landing(landing, D2, {"erp_payments": PAYMENTS, "erp_sales_invoice_lines": LINES})
    put_manifest(landing, D2, body, header)
    r = run(tmp_path)
    assert not r.loaded
    by_file = {q.file: q.message for q in r.quarantined}
    assert set(by_file) == {f"{D2}/erp_payments.csv", f"{D2}/erp_sales_invoice_lines.csv", f"{D2}/_manifest.csv"}
    msg = by_file[f"{D2}/_manifest.csv"]
    assert msg.startswith(f"_manifest.csv in delivery {D2}: {expect}"), msg
    assert msg.endswith("no new file of the delivery was loaded (they were moved to quarantine with it): correct the "
                        "manifest and put it back with the delivery's files.")
    assert by_file[f"{D2}/erp_payments.csv"].startswith(
        f"erp_payments.csv in delivery {D2}: not loaded, because the delivery's _manifest.csv cannot be used: {expect}")
    qdir = quarantine_dir(tmp_path) / D2
    for name in ("erp_payments.csv", "erp_sales_invoice_lines.csv", "_manifest.csv"):
        assert (qdir / name).exists() and (qdir / f"{name}.error.txt").exists(), name
    assert list((landing / D2).iterdir()) == []
    assert (landing / D1 / "erp_payments.csv").exists()
    assert query(tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.erp_payments") == before
    assert query(tmp_path, "SELECT count(*) FROM raw.erp_sales_invoice_lines") == [(0,)]


def test_listed_file_that_never_arrived_is_reported_once_and_checked_when_it_comes(tmp_path) -> None:
    """The manifest lists payments (3 rows, 473.95) but only the lines arrived: the lines load, the missing file
    fails the run once (ledger row, error file; raw.erp_payments untouched). The next run is clean. When the
    payments arrive later they are still checked: 2 of the 3 rows are quarantined, all 3 load."""
    landing = tmp_path / "landing"
    write_landing(landing, D2, {"erp_sales_invoice_lines": LINES})
    put_manifest(landing, D2, "erp_sales_invoice_lines.csv,3,168.00\nerp_payments.csv,3,473.95\n")
    r = run(tmp_path)
    assert [f.table for f in r.loaded] == ["erp_sales_invoice_lines"]
    (q,) = r.quarantined
    assert q.message == (
        f"erp_payments.csv in delivery {D2}: the delivery's _manifest.csv lists it with 3 rows, but the file is not "
        "in the delivery, so nothing of erp_payments was loaded from it; put the file into the delivery folder "
        "(it is then checked against the manifest).")
    err = quarantine_dir(tmp_path) / D2 / "erp_payments.csv.error.txt"
    assert err.read_text(encoding="utf-8").strip() == q.message
    assert query(tmp_path, "SELECT table_name, status, rows FROM raw._ingest_ledger "
                           f"WHERE file_path = '{D2}/erp_payments.csv'") == [("erp_payments", "quarantined", 0)]
    assert query(tmp_path, "SELECT count(*) FROM raw.erp_payments") == [(0,)]

    again = run(tmp_path)
    assert again.ok and not again.loaded and len(again.skipped) == 1, again.summary()

    write_landing(landing, D2, {"erp_payments": PAYMENTS[:2]})
    late = run(tmp_path)
    (q,) = late.quarantined
    assert "says 3 rows and amount total 473.95, the file has 2 rows and amount total 350.50" in q.message
    write_landing(landing, D2, {"erp_payments": PAYMENTS})
    complete = run(tmp_path)
    assert complete.ok and [f.rows for f in complete.loaded] == [3], complete.summary()


def test_amount_is_compared_to_the_cent_and_ignored_for_a_table_without_one(tmp_path) -> None:
    """10.005 + 20.00 = 30.005, to the cent (half away from zero) 30.01: a manifest saying 30.01 matches,
    30.00 does not. erp_sales_invoices has no main amount: its amount_total is ignored with a warning and
    its 2 rows are still checked."""
    landing = tmp_path / "landing"
    write_landing(landing, D1, {"erp_payments": [payment("PM1", "10.005"), payment("PM2", "20.00")],
                                "erp_sales_invoices": INVOICES})
    put_manifest(landing, D1, "erp_payments.csv,2,30.01\nerp_sales_invoices.csv,2,999.99\n")
    r = run(tmp_path)
    assert r.ok and r.rows_loaded == 4, r.summary()
    assert r.warnings == [f"erp_sales_invoices.csv in delivery {D1}: _manifest.csv gives an amount total, but "
                          "erp_sales_invoices has no main amount column (docs/landing.md); only its row count was checked."]

    write_landing(landing, D2, {"erp_payments": [payment("PM1", "10.005"), payment("PM2", "20.00")]})
    put_manifest(landing, D2, "erp_payments.csv,2,30.00\n")
    (q,) = run(tmp_path).quarantined
    assert "says 2 rows and amount total 30.00, the file has 2 rows and amount total 30.01" in q.message


def test_demo_manifests_match_their_files(tmp_path) -> None:
    """Every ERP file of the demo is listed in its delivery's manifest, with the rows and amount total that a
    plain DuckDB read of the file (no kansrijk code) gives."""
    root = tmp_path / "demo"
    demo.generate(root, customers=40, years=1)
    con = duckdb.connect()
    for folder in sorted(p for p in root.iterdir()):
        lines = (folder / "_manifest.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == "file,rows,amount_total"
        listed = {ln.split(",")[0]: ln.split(",")[1:] for ln in lines[1:]}
        assert set(listed) == {p.name for p in folder.glob("erp_*.csv")}, folder.name
        for name, (rows, amount) in listed.items():
            t = contract.TABLES[name.removesuffix(".csv")]
            col = t.amount_column or "NULL"
            types = ", ".join(f"'{c.name}': 'VARCHAR'" for c in t.columns)
            got = con.execute(
                f"SELECT count(*), sum(replace({col}, ',', '.')::DECIMAL(18,2)) FROM read_csv("
                f"'{folder / name}', delim=';', header=true, auto_detect=false, columns={{{types}}})").fetchall()[0]
            assert int(rows) == got[0], (folder.name, name)
            assert (Decimal(amount) if amount else None) == (got[1] if t.amount_column else None), (folder.name, name)


def test_parquet_file_is_checked_by_its_table_name(tmp_path) -> None:
    """crm_campaigns.parquet, listed as crm_campaigns: typed total_cost 1234.50 + 99.99 = 1334.49 matches;
    a manifest saying 1334.94 (digits swapped) quarantines it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "campaign_id": ["K1", "K2"], "campaign_name": ["Spring", "Fair"], "channel": ["email", "event"],
        "start_date": pa.array([date(2025, 3, 1), date(2025, 4, 1)], pa.date32()),
        "total_cost": pa.array([Decimal("1234.50"), Decimal("99.99")], pa.decimal128(18, 2)),
    })
    landing = tmp_path / "landing"
    for delivery, total in ((D1, "1334.49"), (D2, "1334.94")):
        (landing / delivery).mkdir(parents=True)
        pq.write_table(table, landing / delivery / "crm_campaigns.parquet")
        put_manifest(landing, delivery, f"crm_campaigns,2,{total}\n")
    r = run(tmp_path)
    assert [f.file for f in r.loaded] == [f"{D1}/crm_campaigns.parquet"], r.summary()
    (q,) = r.quarantined
    assert q.message.startswith(f"crm_campaigns.parquet in delivery {D2}: the delivery's _manifest.csv says 2 rows and "
                                "amount total 1,334.94, the file has 2 rows and amount total 1,334.49 (sum of total_cost)")
