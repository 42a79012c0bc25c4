"""Publish guards: a mart that empties, vanishes, shrinks too much or loses / re-types a column
stops the publish, and the serving copy stays byte-identical, unless the run is forced.

Fast: no dbt. Each test writes a real warehouse DuckDB file by hand with the tables publish reads:
the ingest ledger `raw._ingest_ledger` (the deliveries in the publish log) and `marts` (publish
checks no reconciliation: those are dbt tests of the build, see kansrijk/publish.py):

* mart_whale_curve: 200 customers (profit_rank 1..200), the mart the faults are tried on;
* dim_customer: 200 customers with a company name (pseudonymised on request);
* clv_model_fit: 7 parameters (a small mart, under the 100-row floor of the shrink rule);
* mart_prospect_targets: 150 targets (volatile: may shrink or empty).

Then: publish, change the warehouse, publish again.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from decimal import Decimal as D

import duckdb
import pytest

from kansrijk import settings as settings_mod
from kansrijk.publish import PublishError, publish
from kansrijk.settings import REPO_ROOT, SettingError
from tests.support import kansrijk_env

WAREHOUSE_SQL = """
create schema raw;
create table raw._ingest_ledger (delivery varchar, status varchar);
insert into raw._ingest_ledger values ('2026-10-01', 'loaded');
create schema marts;
create table marts.mart_whale_curve (customer_key varchar primary key, profit_rank bigint, net_profit decimal(18,2));
insert into marts.mart_whale_curve select 'erp:C' || i, i, 1000 - i from range(1, 201) t(i);
create table marts.dim_customer (customer_key varchar primary key, company_name varchar);
insert into marts.dim_customer select 'erp:C' || i, 'Bedrijf ' || i || ' BV' from range(1, 201) t(i);
create table marts.clv_model_fit (model varchar, parameter varchar, value double, primary key (model, parameter));
insert into marts.clv_model_fit values ('bg_nbd', 'r', 0.2), ('bg_nbd', 'alpha', 4.4), ('bg_nbd', 'a', 0.8),
    ('bg_nbd', 'b', 2.4), ('gamma_gamma', 'p', 6.3), ('gamma_gamma', 'q', 3.7), ('gamma_gamma', 'v', 15.4);
create table marts.mart_prospect_targets (target_rank bigint primary key, customer_key varchar);
insert into marts.mart_prospect_targets select i, 'crm:A' || i from range(1, 151) t(i);
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def change(s, sql: str) -> None:
    with duckdb.connect(str(s.warehouse)) as con:
        con.execute(sql)


def log_rows(s) -> list[tuple]:
    with duckdb.connect(str(s.serving), read_only=True) as con:
        return con.execute("select row_counts, guard_report from marts.publish_log order by published_at").fetchall()


@pytest.fixture
def env(tmp_path):
    """A hand-made warehouse published once; yields a function giving the settings with extra KANSRIJK_* values."""
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.execute(WAREHOUSE_SQL)
    envs = []

    def settings(**extra: str):
        cm = kansrijk_env(data, None, **extra)
        envs.append(cm)
        return settings_mod.check(cm.__enter__())

    s = settings()
    publish(s)
    yield settings
    for cm in reversed(envs):
        cm.__exit__(None, None, None)


# (warehouse change, phrase the error must contain); mart_whale_curve has 200 rows
FAULTS = {
    "emptied": ("delete from marts.mart_whale_curve",
                "marts.mart_whale_curve had 200 rows and is empty in the new build"),
    # 200 -> 80 rows: (200 - 80) / 200 = 60 % lost, more than the default 50 %
    "shrank by 60 %": ("delete from marts.mart_whale_curve where profit_rank > 80",
                       "marts.mart_whale_curve shrank from 200 to 80 rows (-60 %), more than the 50 % allowed"),
    "dropped": ("drop table marts.mart_whale_curve",
                "marts.mart_whale_curve (200 rows in the serving copy) is missing from the new build"),
    "column re-typed": ("alter table marts.mart_whale_curve alter net_profit type double",
                        "marts.mart_whale_curve column net_profit changed type from DECIMAL(18,2) to DOUBLE"),
    "column dropped": ("alter table marts.mart_whale_curve drop column net_profit",
                       "marts.mart_whale_curve lost column(s) net_profit (dropped or renamed)"),
    "column renamed": ("alter table marts.mart_whale_curve rename column net_profit to profit",
                       "marts.mart_whale_curve lost column(s) net_profit (dropped or renamed; new: profit)"),
    # the small mart: under the shrink rule's floor, but emptying it still stops
    "small mart emptied": ("delete from marts.clv_model_fit",
                           "marts.clv_model_fit had 7 rows and is empty in the new build"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_guard_stops_the_publish_and_force_lets_it_through(env, fault) -> None:
    sql, phrase = FAULTS[fault]
    s = env()
    before = sha256(s.serving)
    change(s, sql)
    with pytest.raises(PublishError) as e:
        publish(s)
    msg = str(e.value)
    assert msg.startswith(f"Publish stopped: {phrase}; the serving copy was left as it was;"), msg
    assert "FORCE_PUBLISH=1" in msg and "\n" not in msg
    assert sha256(s.serving) == before
    assert len(log_rows(s)) == 1  # not appended
    assert not list(s.serving.parent.glob(f".{s.serving.name}.*.tmp*"))
    blocked = json.loads((s.data_dir / "publish_blocked.json").read_text())
    assert blocked["stops"] == [phrase]

    forced = env(FORCE_PUBLISH="1")
    counts = publish(forced)
    assert sha256(s.serving) != before
    rows = log_rows(s)
    assert len(rows) == 2
    report = json.loads(rows[-1][1])
    assert report["forced"] is True and report["stops"] == [phrase]
    assert phrase in report["marts"][phrase.split()[0].removeprefix("marts.")]["changes"]
    assert json.loads(rows[-1][0]) == counts
    assert not (s.data_dir / "publish_blocked.json").exists()  # cleared by the good publish


def test_several_changes_name_the_first_and_count_the_rest(env) -> None:
    s = env()
    change(s, "delete from marts.mart_whale_curve; alter table marts.dim_customer drop column company_name")
    with pytest.raises(PublishError, match=r"^Publish stopped: marts.dim_customer lost column\(s\) company_name "
                       r"\(dropped or renamed\) \(and 1 more change\(s\), see .*publish_blocked.json\);"):
        publish(s)
    assert len(json.loads((s.data_dir / "publish_blocked.json").read_text())["stops"]) == 2


@pytest.mark.parametrize(("keep", "max_pct", "stops"), [
    (101, None, False),  # 200 -> 101: 49.5 % lost, under the default 50 %
    (100, None, False),  # 200 -> 100: exactly 50 %, not more than allowed
    (99, None, True),    # 200 -> 99: 50.5 %
    (101, "40", True),   # 49.5 % is more than a configured 40 %
    (60, "90", False),   # 200 -> 60: 70 % lost, under a configured 90 %
])
def test_shrink_threshold(env, keep, max_pct, stops) -> None:
    s = env(**({"PUBLISH_MAX_SHRINK_PCT": max_pct} if max_pct else {}))
    change(s, f"delete from marts.mart_whale_curve where profit_rank > {keep}")
    if stops:
        with pytest.raises(PublishError, match=rf"shrank from 200 to {keep} rows \(-"):
            publish(s)
        return
    publish(s)
    report = json.loads(log_rows(s)[-1][1])
    assert report["forced"] is False and report["stops"] == []
    assert report["marts"]["mart_whale_curve"] == {"old_rows": 200, "new_rows": keep, "changes": []}


def test_small_and_volatile_marts_and_added_columns_pass(env) -> None:
    """clv_model_fit 7 -> 2 rows (-71 %, under the 100-row floor); mart_prospect_targets 150 -> 0
    (volatile); a column added to mart_whale_curve and a new mart (additive changes)."""
    s = env()
    change(s, "delete from marts.clv_model_fit where model = 'bg_nbd' and parameter <> 'r'; "
              "delete from marts.clv_model_fit where model = 'gamma_gamma' and parameter <> 'p'; "
              "delete from marts.mart_prospect_targets; "
              "alter table marts.mart_whale_curve add column gross_margin decimal(18,2); "
              "create table marts.mart_new (k int); insert into marts.mart_new values (1)")
    publish(s)
    report = json.loads(log_rows(s)[-1][1])
    assert report["stops"] == [] and report["forced"] is False
    assert report["marts"]["clv_model_fit"] == {"old_rows": 7, "new_rows": 2, "changes": []}
    assert report["marts"]["mart_prospect_targets"] == {"old_rows": 150, "new_rows": 0, "changes": []}
    assert report["marts"]["mart_whale_curve"]["changes"] == ["added column(s) gross_margin (allowed)"]
    assert report["marts"]["mart_new"] == {"old_rows": None, "new_rows": 1, "changes": []}


def test_pseudonymised_publish_over_a_plain_copy_and_back_does_not_trip(env) -> None:
    s = env()
    pseudo = env(PSEUDONYMISE="1", PSEUDONYM_SALT="test-salt")
    publish(pseudo)
    with duckdb.connect(str(s.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_customer where company_name like 'Bedrijf%'").fetchall() == [(0,)]
    publish(env())
    assert [json.loads(g)["stops"] for _, g in log_rows(s)[1:]] == [[], []]


def test_first_publish_and_an_old_log_without_guard_report(env) -> None:
    """The first publish has no copy to compare; a log written before guard_report existed keeps its rows."""
    s = env()
    first = json.loads(log_rows(s)[0][1])
    assert first["previous_copy"] is False and first["marts"] == {} and first["max_shrink_pct"] == 50.0
    old_log = s.data_dir / "old.duckdb"
    with duckdb.connect(str(old_log)) as con:  # the serving copy as the code before the guards wrote it
        con.execute(f"attach '{s.serving}' as cur (read_only)")
        con.execute("create schema marts")
        con.execute("create table marts.mart_whale_curve as from cur.marts.mart_whale_curve")
        con.execute("create table marts.publish_log as select published_at, deliveries, dbt_invocation_id, "
                    "row_counts from cur.marts.publish_log")
    old_log.replace(s.serving)
    publish(s)
    rows = log_rows(s)
    assert len(rows) == 2 and rows[0][1] is None
    assert json.loads(rows[1][1])["marts"]["mart_whale_curve"]["old_rows"] == 200


@pytest.mark.parametrize(("name", "value", "says"), [
    ("PUBLISH_MAX_SHRINK_PCT", "half", "KANSRIJK_PUBLISH_MAX_SHRINK_PCT=half is not a percentage"),
    ("PUBLISH_MAX_SHRINK_PCT", "150", "KANSRIJK_PUBLISH_MAX_SHRINK_PCT=150 is not a percentage"),
    ("FORCE_PUBLISH", "please", "KANSRIJK_FORCE_PUBLISH=please is not a yes/no value"),
])
def test_bad_guard_settings_are_named(tmp_path, name, value, says) -> None:
    with kansrijk_env(tmp_path / "data", None, **{name: value}) as s, pytest.raises(SettingError) as e:
        settings_mod.check(s)
    assert str(e.value).startswith(says)


def test_make_passes_the_guard_settings_through(tmp_path) -> None:
    """`make run FORCE_PUBLISH=1 PUBLISH_MAX_SHRINK_PCT=30` reaches the refresh as KANSRIJK_* variables."""
    show = tmp_path / "show.mk"
    show.write_text("show:\n\t@echo \"$$KANSRIJK_FORCE_PUBLISH|$$KANSRIJK_PUBLISH_MAX_SHRINK_PCT\"\n")
    out = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(show), "show", "FORCE_PUBLISH=1",
                          "PUBLISH_MAX_SHRINK_PCT=30"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1|30"


def test_dagster_reports_the_stop_as_one_sentence(env) -> None:
    """The Dagster publish asset fails with the guard's sentence and is not retried; serving unchanged."""
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.definitions import defs
    from orchestration.publish import PUBLISHED_KEY

    s = env()
    before = sha256(s.serving)
    change(s, "delete from marts.mart_whale_curve")
    result = defs().resolve_job_def("refresh_job").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=[PUBLISHED_KEY])
    assert not result.success
    assert not any(e.event_type == DagsterEventType.STEP_UP_FOR_RETRY for e in result.all_events)
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    assert ("Publish stopped: marts.mart_whale_curve had 200 rows and is empty in the new build; "
            "the serving copy was left as it was;") in str(failure.event_specific_data.error)
    assert sha256(s.serving) == before


def _contents(path: Path) -> dict[str, tuple]:
    """Every mart of a serving file but the log: its DDL and its rows, sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: (sql, con.execute(f"select * from marts.{t} order by all").fetchall())
                for t, sql in con.execute("select table_name, sql from duckdb_tables() where schema_name = 'marts'"
                                          " and table_name <> 'publish_log' order by 1").fetchall()}


def test_a_publish_writes_only_what_changed_and_equals_a_publish_from_scratch(env, tmp_path) -> None:
    """A monthly mart (customers C1..C50 x 2025-01..03) is added and published; then one amount of
    February changes, January's rows go (50 of 150: a third, under the 50 % shrink rule), April
    arrives, one company is renamed and one CLV parameter moves. The second publish starts from
    the serving copy: it rewrites the three changed months of the monthly mart (not March), the
    whole of dim_customer and clv_model_fit, and keeps mart_whale_curve and mart_prospect_targets
    as they were. The result is the serving file a publish from scratch writes, DDL and rows."""
    s = env()
    change(s, "create table marts.mart_monthly (customer_key varchar, month date, amount decimal(18,2),"
              " primary key (customer_key, month));"
              "insert into marts.mart_monthly select 'erp:C' || i, m, i * 10 from range(1, 51) t(i),"
              " (values (date '2025-01-01'), (date '2025-02-01'), (date '2025-03-01')) as v(m)")
    publish(s)
    change(s, "update marts.mart_monthly set amount = 1 where customer_key = 'erp:C7' and month = '2025-02-01';"
              "delete from marts.mart_monthly where month = '2025-01-01';"
              "insert into marts.mart_monthly values ('erp:C1', '2025-04-01', 5);"
              "update marts.dim_customer set company_name = 'Nieuwe Naam BV' where customer_key = 'erp:C3';"
              "update marts.clv_model_fit set value = 0.3 where parameter = 'r'")
    publish(s)
    with duckdb.connect(str(s.serving), read_only=True) as con:
        written = [json.loads(w) for (w,) in con.execute(
            "select tables_written from marts.publish_log order by published_at").fetchall()]
    assert written[1]["mart_monthly"] == "all"  # new in the build
    assert written[1]["dim_customer"] == "unchanged"
    assert written[2] == {"mart_monthly": ["2025-01-01", "2025-02-01", "2025-04-01"], "dim_customer": "all",
                          "clv_model_fit": "all", "mart_whale_curve": "unchanged", "mart_prospect_targets": "unchanged"}
    scratch = env(SERVING=str(tmp_path / "scratch.duckdb"))
    publish(scratch)
    assert _contents(scratch.serving) == _contents(s.serving)
    with duckdb.connect(str(s.serving), read_only=True) as con:
        assert con.execute("select count(*), sum(amount) from marts.mart_monthly").fetchall() == [
            # Feb: 10 + ... + 500 = 12,750, less C7's 70 plus 1; Mar 12,750; Apr 5
            (101, D("25436.00"))]


def _comments(path: Path) -> dict[tuple[str, str | None], str | None]:
    """(table, None) and (table, column) → comment, for the marts of a serving file."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {**{(t, None): c for t, c in con.execute(
                    "select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall()},
                **{(t, col): c for t, col, c in con.execute(
                    "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'").fetchall()}}


def test_the_serving_marts_carry_the_descriptions_of_the_build(env) -> None:
    """The build writes the models' descriptions on the warehouse marts (persist_docs); publish copies
    them to the serving copy, where the readers are. A description edited with no change of data (the
    mart is kept, "unchanged") reaches the serving copy too, and the publish log describes itself."""
    s = env()
    assert _comments(s.serving)[("dim_customer", "company_name")] is None  # the hand-made build wrote none
    change(s, "comment on table marts.dim_customer is 'One row per company.';"
              "comment on column marts.dim_customer.company_name is 'The company''s registered name.';"
              "comment on column marts.mart_whale_curve.profit_rank is 'Rank by net profit, 1 = most profitable.'")
    publish(s)
    seen = _comments(s.serving)
    assert seen[("dim_customer", None)] == "One row per company."
    assert seen[("dim_customer", "company_name")] == "The company's registered name."
    assert seen[("mart_whale_curve", "profit_rank")] == "Rank by net profit, 1 = most profitable."
    assert seen[("mart_whale_curve", "net_profit")] is None  # no description, no comment
    assert seen[("publish_log", None)] == "One row per publish of this serving copy: what a reader is looking at."
    assert seen[("publish_log", "deliveries")].startswith("The landing deliveries")
    change(s, "comment on column marts.dim_customer.company_name is 'Name in the chamber of commerce.'")
    publish(s)
    with duckdb.connect(str(s.serving), read_only=True) as con:
        written = json.loads(con.execute("select arg_max(tables_written, published_at) from marts.publish_log").fetchone()[0])
    assert written["dim_customer"] == "unchanged"
    assert _comments(s.serving)[("dim_customer", "company_name")] == "Name in the chamber of commerce."
