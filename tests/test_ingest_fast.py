"""The typed fast read gives exactly the raw tables of the detailed (text + regex) path."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kansrijk import contract, demo, gx_duckdb, ingest, settings
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


def test_an_int_beyond_the_fast_read_loads_exactly(tmp_path, monkeypatch) -> None:
    """The fast read takes ints as DECIMAL(18,9): 999999999 fits, 1000000000 does not, and its file
    loads through the detailed path with the exact value."""
    landing = tmp_path / "big"
    lines = "invoice_id;line_no;product_id;quantity;unit_price;discount_pct;net_amount;cost_amount\n"
    write = lambda d, no: ((landing / d).mkdir(parents=True),  # noqa: E731
                           (landing / d / "erp_sales_invoice_lines.csv").write_text(f"{lines}I{no};{no};P;1;1;0;1;1\n"))
    write("2026-01-01", 999999999)
    write("2026-01-02", 1000000000)
    rows, res, hits = _load(tmp_path, landing, "big", monkeypatch, fast=True)
    assert res.ok and hits == [True, False]
    assert sorted(r[1] for r in rows["erp_sales_invoice_lines"]) == [999999999, 1000000000]


def test_duplicate_key_still_reported_by_gx(tmp_path, monkeypatch) -> None:
    landing = tmp_path / "dup"
    write_landing(landing, "2026-01-01", {"erp_products": [{"product_id": "P1"}, {"product_id": "P1"}]})
    _, res, hits = _load(tmp_path, landing, "d", monkeypatch, fast=True)
    assert hits == [True] and len(res.quarantined) == 1
    assert "fails 'unique key' on 2 rows" in res.quarantined[0].message


# --------------------------------------------------------------------------- the contract check

TODAY = dt.date(2026, 1, 1)


def _clean_value(c, i: int):
    """A value of column ``c`` that keeps every rule (row ``i`` makes keys distinct)."""
    if c.accepted:
        return c.accepted[0]
    return {"string": f"v{i}", "int": int(c.min or 0) + i % 2, "decimal": Decimal(str(c.min or 0)) + Decimal("0.5"),
            "date": TODAY - dt.timedelta(days=30), "timestamp": dt.datetime(2025, 12, 1, 8, 30),
            "bool": True}[c.type]


def _breaking_value(c):
    """A value of column ``c`` that breaks its one row rule other than not-null (None: it has none)."""
    if c.accepted:
        return "not-in-the-set"
    if c.min is not None:
        return (Decimal(str(c.min)) - 1) if c.type == "decimal" else int(c.min) - 1
    if c.max is not None:
        return (Decimal(str(c.max)) + 1) if c.type == "decimal" else int(c.max) + 1
    if c.not_future:  # after today + 1 day, by one day or one second
        return TODAY + dt.timedelta(days=2) if c.type == "date" else dt.datetime(2026, 1, 3, 0, 0, 0)
    return None


def _stage(con, t, rows: list[dict], types: dict | None = None) -> None:
    cols = [c for c in t.columns if not types or types.get(c.name) != "drop"]
    ddl = ", ".join(f'"{c.name}" {(types or {}).get(c.name) or contract.duckdb_type(c.type)}' for c in cols)
    con.execute(f'CREATE OR REPLACE TABLE s."{t.name}" ({ddl})')
    con.executemany(f'INSERT INTO s."{t.name}" VALUES ({", ".join("?" for _ in cols)})',
                    [[r[c.name] for c in cols] for r in rows])


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    """One warehouse file and one Validator (one GX context) for every table's check."""
    from kansrijk.validation import Validator

    db = tmp_path_factory.mktemp("check") / "w.duckdb"
    con = gx_duckdb.connect(db)
    con.execute("CREATE SCHEMA s")
    v = Validator(db, None, today=TODAY)
    yield con, v
    v.close()
    con.close()


@pytest.mark.parametrize("table", sorted(contract.TABLES))
def test_the_check_flags_every_rule_gx_fails(checker, table) -> None:
    """Per table: a clean row, and one row per row rule of the GX suite that breaks just that rule.

    Second method: the GX suite judges the same staged table. The one-aggregate check
    (Validator.check, which lets a clean file skip GX) must name exactly the (column, rule) pairs GX
    fails and pass the clean table as GX does; it also flags a duplicate key, a missing and a
    mistyped column (GX's verdict on those: tests/test_validation.py, tests/test_ingest.py).
    """
    con, v = checker
    t = contract.TABLES[table]

    def judge(rows, types=None, gx=True):
        _stage(con, t, rows, types)
        check = v.check(con, t.name, f's."{t.name}"', ("w", "s", t.name))
        return check, (v.validate(t.name, "s", t.name, rows=len(rows), key_checked=False) if gx else None)

    clean = [{c.name: _clean_value(c, i) for c in t.columns} for i in range(2)]
    check, _ = judge(clean, gx=False)
    assert check.clean, check

    rows, not_null_cols, rule_cols = list(clean), set(), set()
    string_keys = [k for k in t.key if t.column(k).type == "string"]
    for c in t.columns:
        if c.name in {*t.key, *(x.name for x in t.columns if not x.nullable)}:
            rows.append({**clean[0], **{k: f"n{len(rows)}" for k in string_keys}, c.name: None})
            not_null_cols.add(c.name)
        bad = _breaking_value(c)
        if bad is not None:
            rows.append({**clean[0], **{k: f"b{len(rows)}" for k in string_keys}, c.name: bad})
            rule_cols.add(c.name)
    check, gx_res = judge(rows)
    gx_failed = {(f.column, f.rule) for f in gx_res.failures}
    assert not check.duplicate_keys
    assert set(check.broken) == gx_failed, (check.broken, gx_res.describe())
    # and every rule the rows were written to break is among them
    assert {(c, "not null") for c in not_null_cols} <= gx_failed
    assert rule_cols == {col for col, rule in gx_failed if rule != "not null"}

    check, _ = judge([clean[0], clean[0]], gx=False)  # the key twice
    assert check.duplicate_keys and not check.clean
    victim = t.columns[-1]
    for types in ({victim.name: "drop"}, {victim.name: "VARCHAR" if victim.type != "string" else "BIGINT"}):
        check, _ = judge([{**r, victim.name: None} for r in clean], types, gx=False)
        assert not check.clean and [col for col, _ in check.broken] == [victim.name]


def test_engine_config_from_metadata_is_duckdb_engines() -> None:
    """raw.connect opens the warehouse with duckdb-engine's config without importing it (or GX)."""
    from kansrijk.ingest import raw

    assert raw.engine_config() == gx_duckdb.engine_config()


def test_a_clean_delivery_loads_without_importing_gx(tmp_path) -> None:
    """A clean file never needs Great Expectations: the run does not import it (nor SQLAlchemy)."""
    import subprocess
    import sys

    landing = tmp_path / "landing"
    write_landing(landing, "2026-01-01", {"erp_products": [{"product_id": "P1"}, {"product_id": "P2"}]})
    code = ("import sys; from kansrijk import settings; from kansrijk.ingest import ingest_landing; "
            "r = ingest_landing(settings.check(settings.load())); "
            "print(r.rows_loaded, len(r.quarantined), 'great_expectations' in sys.modules, 'sqlalchemy' in sys.modules)")
    with kansrijk_env(tmp_path / "data", landing) as _:
        import os

        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                             cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-4:] == ["2", "0", "False", "False"], out.stdout
